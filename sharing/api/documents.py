"""Documents the caller may see, uploading one (on a case, a process or a request), a new version, and the
access-checked, audited download. The rules are sharing/documents.py's, as in the browser."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status

from coordination.access import cases_visible_to, processes_visible_to
from integrations.api.parsers import MultiPartParser
from integrations.api.views.base import ID, ApiView, ChangeView, DetailView, ListView, query_parameter, whole_number
from sharing.views.documents import download_response

from .. import access, documents
from .document_serializers import DocumentSerializer, DocumentUploadSerializer, VersionUploadSerializer


def visible_documents(user):
    return documents.documents_with_versions(user)


def _place(user, data):
    """(case, process, request) named by the upload, each one the user may see; else a 400 naming the field."""
    if data.get("request"):
        found = access.requests_visible_to(user).select_related("case").filter(reference=data["request"]).first()
        if found is None:
            raise exceptions.ValidationError({"request": ["No request with this reference that you may see."]})
        return found.case, None, found
    if data.get("process") is not None:
        found = processes_visible_to(user).select_related("case").filter(pk=data["process"]).first()
        if found is None:
            raise exceptions.ValidationError({"process": ["No process with this id whose detail you may see."]})
        return found.case, found, None
    found = cases_visible_to(user).filter(reference=data["case"]).first()
    if found is None:
        raise exceptions.ValidationError({"case": ["No case with this reference that you may see."]})
    return found, None, None


class DocumentList(ListView):
    """Documents you may see, each with the versions you may download. POST uploads one (multipart/form-data)."""

    serializer_class = DocumentSerializer
    input_serializer_class = DocumentUploadSerializer
    parser_classes = [MultiPartParser]
    cursor_field = "created_at"
    creates = True
    create_description = (
        "Upload a document (multipart/form-data) on a case, one of its processes or one of its requests."
    )
    query_parameters = [
        query_parameter("case", "A case's reference."),
        query_parameter("process", "A process's id.", kind=ID),
        query_parameter("request", "A request's reference."),
    ]

    def get_queryset(self):
        return visible_documents(self.request.user)

    def filter_list(self, queryset):
        params = self.request.query_params
        if params.get("case") is not None:
            queryset = queryset.filter(case__reference=params["case"])
        process = whole_number(self.request, "process")
        if process is not None:
            queryset = queryset.filter(process_id=process)
        if params.get("request") is not None:
            queryset = queryset.filter(request__reference=params["request"])
        return queryset

    def post(self, request, *args, **kwargs):
        serializer = self.input_serializer(request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case, process, sharing_request = _place(request.user, data)
        document = documents.document_add(
            actor=request.user, case=case, process=process, request=sharing_request, title=data["title"],
            classification=data["classification"], descriptor=data["descriptor"],
            handling_instructions=data["handling_instructions"], upload=data["file"],
        )  # fmt: skip
        document = self.get_queryset().get(pk=document.pk)
        return self.represent(document, status_code=status.HTTP_201_CREATED,
                              headers={"Location": self.get_serializer(document).data["url"]})  # fmt: skip


class DocumentDetail(DetailView):
    """One document: its marking and the versions you may download."""

    serializer_class = DocumentSerializer
    lookup_url_kwarg = "document_pk"

    def get_queryset(self):
        return visible_documents(self.request.user)


class DocumentVersionUpload(ChangeView):
    """A new version (multipart/form-data), from the organisation that holds the document; earlier ones are kept."""

    serializer_class = DocumentSerializer
    input_serializer_class = VersionUploadSerializer
    parser_classes = [MultiPartParser]
    lookup_url_kwarg = "document_pk"
    answer_status = status.HTTP_201_CREATED

    def get_queryset(self):
        return visible_documents(self.request.user)

    def may_change(self, document):
        if not documents.may_add_version(self.request.user, document):
            raise exceptions.PermissionDenied(
                f"Only {document.owner.display_name} can add a version, while the case and request are open."
            )

    def post(self, request, *args, **kwargs):
        return self.change(request)

    def perform(self, document, data):
        documents.version_add(actor=self.request.user, document=document, upload=data["file"])


class DocumentDownload(ApiView):
    """The version's file, as a download. Every download is audited."""

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request, document_pk, number):
        found = documents.version_download(actor=request.user, document_pk=document_pk, number=number,
                                           http_request=request._request)  # fmt: skip
        if found is None:
            raise exceptions.NotFound()
        response = download_response(*found)
        response["ETag"] = f'"{found[0].sha256}"'
        return response

"""Documents: the case's list, uploading, one document's page, new versions and downloads. Every rule is in
sharing/documents.py; a case, process, request or document the user may not see answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from coordination import access as core_access
from coordination import selectors
from coordination.forms import run_service

from .. import access, documents
from ..document_forms import DocumentUploadForm, VersionUploadForm


def _case_and_place(user, reference: str, process_pk: str, request_ref: str):
    """(case, process, request) named by the upload link; 404 unless each is on this case and the user sees it.
    A request's provider may not see the rest of its case, so a request is found among the user's requests."""
    if process_pk and request_ref:
        raise Http404("One place at a time")
    if request_ref:
        requests = access.requests_visible_to(user).select_related("case")
        sharing_request = requests.filter(case__reference=reference, reference=request_ref).first()
        if sharing_request is None:
            raise Http404("No such request")
        return sharing_request.case, None, sharing_request
    case = selectors.case_for_change(user=user, reference=reference)
    if not process_pk:
        return case, None, None
    processes = core_access.processes_visible_to(user).filter(case=case)
    process = processes.filter(pk=int(process_pk)).first() if process_pk.isdigit() else None
    if process is None:
        raise Http404("No such process")
    return case, process, None


def _where(case, process, sharing_request) -> tuple[str, str, str]:
    """(what the upload page calls the place, the page to go back to, and that page's name)."""
    if sharing_request is not None:
        reference = sharing_request.reference
        url = reverse("sharing-request-detail", args=[reference])
        return f"on request {reference}", url, f"request {reference}"
    if process is not None:
        url = reverse("process-detail", args=[case.reference, process.pk])
        return f"on the {process.kind_label}", url, f"the {process.kind_def.short_label}"
    return f"on case {case.reference}", reverse("case-documents", args=[case.reference]), "the case's documents"


def _groups(document_list) -> list[dict]:
    """Documents by where they hang: the case itself first, then each process, then each request."""
    groups: dict[tuple, dict] = {}
    for document in document_list:
        if document.request_id:
            key = (2, document.request.number)
        elif document.process_id:
            key = (1, document.process.opened_on, document.process_id)
        else:
            key = (0,)
        group = groups.setdefault(key, {"label": documents.place_label(document), "documents": []})
        group["documents"].append(document)
    return [groups[key] for key in sorted(groups)]


def _document_or_404(user, pk: int):
    document = documents.visible_document(user, pk)
    if document is None:
        raise Http404("No such document")
    return document


@login_required
@require_GET
def case_documents(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    document_list = documents.visible_documents(request.user, case=case)
    form = DocumentUploadForm() if documents.may_upload_to_case(request.user, case) else None
    return render(request, "documents/case_documents.html", {"case": case, "groups": _groups(document_list),
                                                             "form": form})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request, reference):
    source = request.POST if request.method == "POST" else request.GET
    case, process, sharing_request = _case_and_place(request.user, reference, source.get("process", ""),
                                                     source.get("request", ""))  # fmt: skip
    initial = {"process": getattr(process, "pk", ""), "request": getattr(sharing_request, "reference", "")}
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES, initial=initial)
    else:
        form = DocumentUploadForm(initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        document = run_service(form, lambda: documents.document_add(
            actor=request.user, case=case, process=process, request=sharing_request, title=data["title"],
            classification=data["classification"], descriptor=data["descriptor"],
            handling_instructions=data["handling_instructions"], upload=data["file"],
        ))  # fmt: skip
        if document:
            messages.success(request, f"“{document.title}” uploaded.")
            return redirect("document-detail", document_pk=document.pk)
    place, back_url, back_label = _where(case, process, sharing_request)
    return render(request, "documents/upload.html", {"case": case, "form": form, "place": place,
                                                     "back_url": back_url, "back_label": back_label})  # fmt: skip


def _detail(request, document, form):
    # Someone may see a document without seeing its whole case: a request's provider, or a grantee.
    case_visible = core_access.may_see_case(request.user, document.case)
    return render(request, "documents/detail.html", {"document": document, "case": document.case, "form": form,
                                                     "case_visible": case_visible})  # fmt: skip


@login_required
@require_GET
def document_detail(request, document_pk):
    document = _document_or_404(request.user, document_pk)
    form = VersionUploadForm() if documents.may_add_version(request.user, document) else None
    return _detail(request, document, form)


@login_required
@require_http_methods(["GET", "POST"])
def version_upload(request, document_pk):
    document = _document_or_404(request.user, document_pk)
    if request.method == "GET":
        if not documents.may_add_version(request.user, document):
            raise PermissionDenied(f"Only {document.owner.display_name} can add a version, while the case is open.")
        return _detail(request, document, VersionUploadForm())
    form = VersionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        version = run_service(form, lambda: documents.version_add(actor=request.user, document=document,
                                                                  upload=form.cleaned_data["file"]))  # fmt: skip
        if version:
            messages.success(request, f"Version {version.number} uploaded; the earlier versions are kept.")
            return redirect("document-detail", document_pk=document.pk)
    return _detail(request, document, form)


@login_required
@require_GET
def version_download(request, document_pk, number):
    found = documents.version_download(actor=request.user, document_pk=document_pk, number=number,
                                       http_request=request)  # fmt: skip
    if found is None:
        raise Http404("No such document")
    return download_response(*found)


def download_response(version, handle) -> FileResponse:
    """The file as a download (the REST API sends it the same way)."""
    # Always a download, never shown in the browser: the portal's own origin must not render uploaded content.
    response = FileResponse(handle, as_attachment=True, filename=version.original_name,
                            content_type=version.content_type)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response

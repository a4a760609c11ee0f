"""Cases: the list (with `updated_since`), one case with its processes in summary, and opening a case."""

from django.db.models import Exists, OuterRef, Prefetch
from rest_framework import exceptions, status

from coordination import access, services
from coordination.models import Case, Process

from ..serializers.cases import CaseOpenSerializer, CaseSerializer
from .base import UPDATED_SINCE, DetailView, ListView, query_parameter


def visible_cases(user):
    """The cases the user may see, each with every process in summary and whether its detail is theirs to read."""
    in_full = access.processes_visible_to(user).filter(pk=OuterRef("pk"))
    processes = Process.objects.select_related("owner").annotate(in_full=Exists(in_full)).order_by("opened_on", "id")
    return (
        access.cases_visible_to(user)
        .select_related("partnership")
        .prefetch_related(Prefetch("processes", queryset=processes))
    )


class CaseList(ListView):
    """Cases you may see, with every process on them in summary."""

    serializer_class = CaseSerializer
    input_serializer_class = CaseOpenSerializer
    updated_since = True
    creates = True
    create_description = "Open a case (partnership managers only); answered with the case and its ETag."
    query_parameters = [UPDATED_SINCE, query_parameter("status", "open or closed", enum=Case.Status.values)]

    def get_queryset(self):
        return visible_cases(self.request.user)

    def filter_list(self, queryset):
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Case.Status.values:
                raise exceptions.ValidationError({"status": ["Give open or closed."]})
            queryset = queryset.filter(status=wanted)
        return queryset

    def post(self, request, *args, **kwargs):
        serializer = self.input_serializer(request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_open(actor=request.user, **serializer.validated_data)
        case = self.get_queryset().get(pk=case.pk)
        return self.represent(case, status_code=status.HTTP_201_CREATED,
                              headers={"Location": self.get_serializer(case).data["url"]})  # fmt: skip


class CaseDetail(DetailView):
    """One case, with every process on it in summary; `url` leads to a process's working detail where yours."""

    serializer_class = CaseSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return visible_cases(self.request.user)

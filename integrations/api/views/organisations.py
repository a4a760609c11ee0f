"""Organisations, for naming the parties of a request: names and kinds are not sensitive, so every caller reads
them all."""

from coordination.models import Organisation

from ..serializers.common import OrganisationSerializer
from .base import DetailView, ListView


class OrganisationList(ListView):
    """Every organisation in Parallel, by id."""

    serializer_class = OrganisationSerializer
    cursor_field = "pk"
    queryset = Organisation.objects.all()


class OrganisationDetail(DetailView):
    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.all()

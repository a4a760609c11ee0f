"""Information-sharing requests: the register the caller may see, one request with its decisions, disclosures
and history, drafting (and submitting), changing a draft, and each step of the workflow. Every step is the
service the browser calls, passed the version the caller's If-Match was checked against."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from rest_framework import exceptions, status

from coordination.access import cases_visible_to, memberships_of
from coordination.models import Process
from integrations.api.views.base import UPDATED_SINCE, ChangeView, DetailView, ListView, query_parameter

from .. import access, deadlines, services
from ..models import Disclosure, RequestGateway, SharingDecision, SharingRequest, StatusChange
from .request_serializers import (
    WRITABLE_FIELDS,
    DecideSerializer,
    DiscloseSerializer,
    NoteSerializer,
    NothingSerializer,
    SharingRequestCreateSerializer,
    SharingRequestDetailSerializer,
    SharingRequestSerializer,
    SharingRequestUpdateSerializer,
    WithdrawSerializer,
)

Status = SharingRequest.Status
SIDES = ("requester", "provider")


def visible_requests(user):
    return (
        access.requests_visible_to(user)
        .select_related("case", "requesting_organisation", "providing_organisation", "requested_by", "addressee")
        .prefetch_related(
            Prefetch("gateways", queryset=RequestGateway.objects.order_by("gateway")),
            "processes",
            Prefetch("decisions", queryset=SharingDecision.objects.select_related("decided_by")),
        )
        .annotate(response_due_date=deadlines.latest_due_date())
    )


def with_detail(requests):
    return requests.prefetch_related(
        Prefetch(
            "disclosures",
            queryset=Disclosure.objects.select_related("disclosed_by", "acknowledged_by").prefetch_related("versions"),
        ),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
    )


def _processes_on(case, ids) -> list[Process]:
    processes = list(Process.objects.filter(case=case, pk__in=set(ids)))
    if len(processes) != len(set(ids)):
        raise exceptions.ValidationError({"processes": ["Give the ids of processes on this request's case."]})
    return processes


class _Requests:
    lookup_field = "reference"
    lookup_url_kwarg = "request_ref"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation_ids": self.organisation_ids()}


class SharingRequestList(_Requests, ListView):
    """Requests you may see: your organisation's, to it once submitted, and on your partnership's cases. POST
    drafts a new one (and submits it, with `submit`)."""

    serializer_class = SharingRequestSerializer
    input_serializer_class = SharingRequestCreateSerializer
    updated_since = True
    creates = True
    create_description = (
        "Draft a request, and with `submit` submit it at once: refused, and nothing kept, if anything the law "
        "needs is missing."
    )
    query_parameters = [
        UPDATED_SINCE,
        query_parameter("status", "Only requests at this point of the workflow.", enum=Status.values),
        query_parameter(
            "side", "requester: requests your organisation made; provider: requests to it.", enum=list(SIDES)
        ),  # fmt: skip
        query_parameter("case", "A case's reference."),
    ]

    def get_queryset(self):
        return visible_requests(self.request.user)

    def get_serializer_class(self):
        # A new request is answered in full, as its own page would show it.
        return SharingRequestDetailSerializer if self.request.method == "POST" else SharingRequestSerializer

    def filter_list(self, queryset):
        params = self.request.query_params
        mine = memberships_of(self.request.user).values("organisation")
        if params.get("status") is not None:
            if params["status"] not in Status.values:
                raise exceptions.ValidationError({"status": ["Not a status a request can have."]})
            queryset = queryset.filter(status=params["status"])
        if params.get("side") is not None:
            if params["side"] not in SIDES:
                raise exceptions.ValidationError({"side": ["Give requester or provider."]})
            party = "requesting_organisation" if params["side"] == "requester" else "providing_organisation"
            queryset = queryset.filter(**{f"{party}__in": mine})
        if params.get("case") is not None:
            queryset = queryset.filter(case__reference=params["case"])
        return queryset

    def post(self, request, *args, **kwargs):
        serializer = self.input_serializer(request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = cases_visible_to(request.user).filter(reference=data["case"]).first()
        if case is None:
            raise exceptions.ValidationError({"case": ["No case with this reference that you may see."]})
        requesting = data.get("requesting_organisation")
        if requesting is None:
            mine = list(memberships_of(request.user).select_related("organisation"))
            if len(mine) != 1:
                raise exceptions.ValidationError({"requesting_organisation": ["Say which of your organisations asks."]})
            requesting = mine[0].organisation
        details = {name: data[name] for name in WRITABLE_FIELDS if name in data}
        with transaction.atomic():  # a submission that lacks something keeps nothing, not a stray draft
            created = services.request_create(
                actor=request.user, case=case, requesting_organisation=requesting,
                providing_organisation=data["providing_organisation"], details=details,
                gateways=data.get("gateways", ()), processes=_processes_on(case, data.get("processes", ())),
            )  # fmt: skip
            if data["submit"]:
                services.request_submit(actor=request.user, request=created, version=created.version)
        created = with_detail(self.get_queryset()).get(pk=created.pk)
        return self.represent(created, status_code=status.HTTP_201_CREATED,
                              headers={"Location": self.get_serializer(created).data["url"]})  # fmt: skip


class SharingRequestDetail(_Requests, DetailView, ChangeView):
    """One request with its decisions, disclosures and history. PATCH changes a draft (the requester only)."""

    serializer_class = SharingRequestDetailSerializer
    input_serializer_class = SharingRequestUpdateSerializer
    input_partial = True

    def get_queryset(self):
        return with_detail(visible_requests(self.request.user))

    def may_change(self, sharing_request):
        if not access.acts_for_requester(self.request.user, sharing_request):
            raise PermissionDenied(f"Only {sharing_request.requesting_organisation.display_name} can change it.")

    def patch(self, request, *args, **kwargs):
        return self.change(request)

    def perform(self, sharing_request, data):
        gateways = data.get("gateways")
        if gateways is None:
            gateways = [row.gateway for row in sharing_request.gateways.all()]
        if "processes" in data:
            processes = _processes_on(sharing_request.case, data["processes"])
        else:
            processes = list(sharing_request.processes.all())
        services.request_update(
            actor=self.request.user, request=sharing_request, version=sharing_request.version,
            details={name: data[name] for name in WRITABLE_FIELDS if name in data}, gateways=gateways,
            processes=processes, providing_organisation=data.get("providing_organisation"),
        )  # fmt: skip


class _RequestChange(_Requests, ChangeView):
    serializer_class = SharingRequestDetailSerializer
    side = "provider"  # who takes this step: "requester", "provider" or "either"

    def get_queryset(self):
        return with_detail(visible_requests(self.request.user))

    def may_change(self, sharing_request):
        user = self.request.user
        requester = access.acts_for_requester(user, sharing_request)
        provider = access.acts_for_provider(user, sharing_request)
        allowed = {"requester": requester, "provider": provider, "either": requester or provider}[self.side]
        if not allowed:
            party = sharing_request.providing_organisation if self.side == "provider" else (
                sharing_request.requesting_organisation)  # fmt: skip
            raise PermissionDenied(f"Only {party.display_name} can take this step.")

    def post(self, request, *args, **kwargs):
        return self.change(request)


class SharingRequestSubmit(_RequestChange):
    """Submit a draft. Refused, naming each field, if anything the law needs is missing."""

    side = "requester"
    input_serializer_class = NothingSerializer

    def perform(self, sharing_request, data):
        services.request_submit(actor=self.request.user, request=sharing_request, version=sharing_request.version)


class SharingRequestAcknowledge(_RequestChange):
    """Acknowledge receipt (the provider); whoever acknowledges becomes the contact unless one was named."""

    input_serializer_class = NoteSerializer

    def perform(self, sharing_request, data):
        services.request_acknowledge(actor=self.request.user, request=sharing_request,
                                     version=sharing_request.version, note=data["note"])  # fmt: skip


class SharingRequestConsider(_RequestChange):
    """Start considering it (the provider), or consider it again after a deferral."""

    input_serializer_class = NoteSerializer

    def perform(self, sharing_request, data):
        services.request_consider(actor=self.request.user, request=sharing_request,
                                  version=sharing_request.version, note=data["note"])  # fmt: skip


class SharingRequestClose(_RequestChange):
    """Close it, once disclosed or refused (either side)."""

    side = "either"
    input_serializer_class = NoteSerializer

    def perform(self, sharing_request, data):
        services.request_close(actor=self.request.user, request=sharing_request, version=sharing_request.version,
                               note=data["note"])  # fmt: skip


class SharingRequestWithdraw(_RequestChange):
    """Withdraw it (the requester), saying why; its response deadline is waived."""

    side = "requester"
    input_serializer_class = WithdrawSerializer

    def perform(self, sharing_request, data):
        services.request_withdraw(actor=self.request.user, request=sharing_request,
                                  version=sharing_request.version, reason=data["reason"])  # fmt: skip


class SharingRequestDecide(_RequestChange):
    """Decide it: share in full, in part or redacted, defer (with a review date) or refuse. Anything but sharing in
    full needs reasons and a ground; a request with sensitivity flags needs conditions on use before sharing."""

    input_serializer_class = DecideSerializer

    def perform(self, sharing_request, data):
        services.request_decide(actor=self.request.user, request=sharing_request, version=sharing_request.version,
                                **data)  # fmt: skip


class SharingRequestDisclose(_RequestChange):
    """Log what was sent, when, how and to whom: documents by version (their SHA-256 is kept) or a description."""

    input_serializer_class = DiscloseSerializer

    def perform(self, sharing_request, data):
        wanted = set(data.pop("versions"))
        versions = list(access.versions_visible_to(self.request.user).filter(pk__in=wanted).select_related("document"))
        if len(versions) != len(wanted):
            raise exceptions.ValidationError({"versions": ["Give the ids of document versions on this request."]})
        services.disclosure_record(actor=self.request.user, request=sharing_request, version=sharing_request.version,
                                   versions=versions, **data)  # fmt: skip

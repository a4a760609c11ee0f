"""The information-sharing pages: the whole workflow through the views, what a submission, a decision and a stale
form are refused with, who sees what (404 for anyone who may not), the registers and their CSV exports, and what
the registers cost in queries."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import grants
from coordination.models import AuditEntry, Membership, Organisation
from sharing import deadlines as sharing_deadlines
from sharing import documents, services
from sharing.models import Disclosure, SharingDecision, SharingRequest
from tests.factories import COMPLETE_REQUEST, draft_request, submitted_request, verified_login

pytestmark = pytest.mark.django_db

Status = SharingRequest.Status
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def document_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@pytest.fixture
def sw(sharing_world):
    return sharing_world


def client_for(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


def detail_url(sharing_request) -> str:
    return reverse("sharing-request-detail", args=[sharing_request.reference])


def action_url(sharing_request, action: str) -> str:
    return reverse("sharing-request-action", args=[sharing_request.reference, action])


def request_form_data(sw, **overrides) -> dict:
    """The new-request form as a browser posts it, complete."""
    data = {
        "requesting_organisation": sw.iopc.pk,
        "providing_organisation": sw.world.council.pk,
        "requester_role": "IOPC lead investigator",
        "gateways": ["pra2002"],
        "classification": "OFFICIAL-SENSITIVE",
        "urgency": "routine",
        "date_range_from": "2026-01-01",
        "date_range_to": "2026-06-30",
        **COMPLETE_REQUEST,
        "submit": "1",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def refreshed(sharing_request) -> SharingRequest:
    return SharingRequest.objects.get(pk=sharing_request.pk)


def registered(client, url, **params) -> set[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {row.reference for row in response.context["page"].object_list}


# --- The whole workflow ---------------------------------------------------------------------------------


def test_the_whole_workflow_through_the_pages(sw):
    world = sw.world
    investigator, council_user, manager = (
        client_for(sw.investigator),
        client_for(world.agency_user),
        client_for(world.manager),
    )

    # The IOPC investigator raises and submits the request.
    response = investigator.post(reverse("sharing-request-new", args=[world.case.reference]), request_form_data(sw))
    sharing_request = SharingRequest.objects.get()
    assert response.status_code == 302 and response.url == detail_url(sharing_request)
    assert sharing_request.status == Status.SUBMITTED
    assert list(sharing_request.gateways.values_list("gateway", flat=True)) == ["pra2002"]
    assert sharing_request.date_range_to == dt.date(2026, 6, 30)
    milestone = sharing_deadlines.milestones_of(sharing_request).get()
    page = investigator.get(detail_url(sharing_request)).content.decode()
    assert "OFFICIAL-SENSITIVE" in page and sharing_request.reference in page
    assert f"{milestone.due_date:%-d %B %Y}" in page
    assert sharing_request.reference in {
        r.reference for r in council_user.get(reverse("sharing-inbox")).context["page"]
    }

    # The council acknowledges and considers it; a manager decides to share in part, with a ground and reasons.
    response = council_user.post(action_url(sharing_request, "acknowledge"), {"acknowledge-version": 2})
    assert response.status_code == 302
    assert refreshed(sharing_request).status == Status.ACKNOWLEDGED
    assert refreshed(sharing_request).addressee == world.agency_user
    council_user.post(action_url(sharing_request, "consider"), {"consider-version": 3, "consider-note": "DPO asked"})
    assert refreshed(sharing_request).status == Status.UNDER_CONSIDERATION
    decide_url = reverse("sharing-request-decide", args=[sharing_request.reference])
    assert manager.get(decide_url).status_code == 200
    response = manager.post(
        decide_url,
        {"version": 4, "outcome": "share_in_part", "ground": "prejudice_criminal",
         "reasons": "Witness statements withheld until the SIO agrees.", "conditions": "Not for publication.",
         "retain_until": f"{timezone.localdate() + dt.timedelta(days=365):%Y-%m-%d}",
         "handling_marking": "OFFICIAL-SENSITIVE"},
    )  # fmt: skip
    assert response.status_code == 302
    decision = SharingDecision.objects.get()
    assert (decision.outcome, decision.ground, decision.decided_by) == ("share_in_part", "prejudice_criminal",
                                                                        world.manager)  # fmt: skip
    assert refreshed(sharing_request).status == Status.DECIDED

    # The council attaches the chronology to the request and logs its disclosure, naming that version.
    document = documents.document_add(
        actor=world.manager, case=world.case, request=sharing_request, title="Chronology",
        classification="OFFICIAL-SENSITIVE", descriptor="", handling_instructions="",
        upload=SimpleUploadedFile("chronology.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    version = document.versions.get()
    disclose_url = reverse("sharing-disclosure-new", args=[sharing_request.reference])
    form_page = manager.get(disclose_url).content.decode()
    assert f"Chronology, v1 (SHA-256 {version.sha256[:12]}" in form_page
    response = manager.post(
        disclose_url,
        {"disclosed_on": f"{timezone.localdate():%Y-%m-%d}", "method": "portal",
         "recipient_name": "The investigator, IOPC", "versions": [version.pk],
         "version": refreshed(sharing_request).version},
    )  # fmt: skip
    assert response.status_code == 302
    # The same form sent twice (a double click, a resubmitted page) logs one disclosure, not two.
    resent = manager.post(
        disclose_url,
        {"disclosed_on": f"{timezone.localdate():%Y-%m-%d}", "method": "portal",
         "recipient_name": "The investigator, IOPC", "versions": [version.pk],
         "version": refreshed(sharing_request).version - 1},
    )  # fmt: skip
    assert "Someone else changed this request" in resent.content.decode()
    disclosure = Disclosure.objects.get()
    assert list(disclosure.versions.all()) == [version]
    assert refreshed(sharing_request).status == Status.DISCLOSED

    # The investigator sees the SHA-256 in the disclosure log and acknowledges receipt.
    page = investigator.get(detail_url(sharing_request)).content.decode()
    assert version.sha256 in page and "Acknowledge receipt" in page
    ack_url = reverse("sharing-disclosure-acknowledge", args=[sharing_request.reference, disclosure.pk])
    assert investigator.post(ack_url).status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_by == sw.investigator
    assert "Acknowledge receipt" not in investigator.get(detail_url(sharing_request)).content.decode()

    # It shows as disclosed in both organisations' registers, then the investigator closes it.
    for client in (investigator, council_user):
        response = client.get(reverse("sharing-register"))
        row = next(r for r in response.context["page"].object_list if r.pk == sharing_request.pk)
        assert row.get_status_display() == "Disclosed" and row.outcome_label == "Share in part"
        assert row.disclosed_on == timezone.localdate()
    response = investigator.post(action_url(sharing_request, "close"), {"close-version": 6, "close-note": "Received."})
    assert response.status_code == 302
    assert refreshed(sharing_request).status == Status.CLOSED
    history = investigator.get(detail_url(sharing_request)).context["history"]
    assert [change.to_status for change in history] == ["draft", "submitted", "acknowledged", "under_consideration",
                                                        "decided", "disclosed", "closed"]  # fmt: skip


# --- What is refused, and what is kept ----------------------------------------------------------------------


def test_a_submission_without_purpose_gateway_or_lawful_basis_names_each_and_keeps_what_was_typed(sw):
    investigator = client_for(sw.investigator)
    typed = "Health visitor notes for March 2026, to establish the last contact."
    data = request_form_data(sw, purpose_function="", purpose_question="", gateways=None, article6_basis="",
                             items_requested=typed)  # fmt: skip
    response = investigator.post(reverse("sharing-request-new", args=[sw.world.case.reference]), data, follow=True)

    draft = SharingRequest.objects.get()
    assert draft.status == Status.DRAFT and draft.items_requested == typed
    assert response.redirect_chain[-1][0] == reverse("sharing-request-edit", args=[draft.reference]) + "?check=1"
    form = response.context["form"]
    assert set(form.errors) == {"purpose_function", "purpose_question", "gateways", "article6_basis"}
    page = response.content.decode()
    for message in (
        "Say which function the information is for",
        "Say which question the information will help answer.",
        "Choose at least one statutory gateway, or voluntary disclosure.",
        "Choose the UK GDPR Article 6 lawful basis.",
    ):
        assert page.count(message) == 2  # once beside the field, once in the summary at the top
    assert typed in page
    assert 'value="e"' in page and 'value="e" checked' not in page  # the basis left empty stays empty

    # Filling in what was missing and submitting again sends it.
    data = request_form_data(sw, version=draft.version, items_requested=typed)
    data.pop("requesting_organisation")
    response = investigator.post(reverse("sharing-request-edit", args=[draft.reference]), data)
    assert response.status_code == 302
    assert refreshed(draft).status == Status.SUBMITTED


def test_the_detail_page_of_a_draft_says_what_is_missing_and_its_submit_leads_back_to_the_form(sw):
    draft = draft_request(sw, purpose_function="")
    investigator = client_for(sw.investigator)
    page = investigator.get(detail_url(draft)).content.decode()
    assert "Say which function the information is for" in page
    response = investigator.post(action_url(draft, "submit"), {"submit-version": draft.version})
    assert response.status_code == 302 and response.url.endswith("/edit/?check=1")
    assert refreshed(draft).status == Status.DRAFT


def test_a_refusal_without_reasons_is_refused_and_keeps_what_was_typed(sw):
    sharing_request = submitted_request(sw)
    services.request_acknowledge(actor=sw.world.manager, request=sharing_request)
    manager = client_for(sw.world.manager)
    response = manager.post(
        reverse("sharing-request-decide", args=[sharing_request.reference]),
        {"version": refreshed(sharing_request).version, "outcome": "refuse", "reasons": "",
         "approver_name": "Head of Legal"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the reasons: a decision to refuse must say why" in page
    assert "Choose the ground for the decision to refuse." in page
    assert 'value="Head of Legal"' in page
    assert not SharingDecision.objects.exists()
    assert refreshed(sharing_request).status == Status.ACKNOWLEDGED


def test_two_people_deciding_at_once_the_second_is_told_and_nothing_is_overwritten(sw):
    sharing_request = submitted_request(sw)
    services.request_acknowledge(actor=sw.world.manager, request=sharing_request)
    url = reverse("sharing-request-decide", args=[sharing_request.reference])
    first, second = client_for(sw.world.manager), client_for(sw.world.agency_user)
    # Both open the form on the same version of the request.
    version = first.get(url).context["form"]["version"].value()
    assert second.get(url).context["form"]["version"].value() == version

    assert first.post(url, {"version": version, "outcome": "share_in_full"}).status_code == 302
    response = second.post(
        url, {"version": version, "outcome": "refuse", "ground": "harm_test", "reasons": "Would prejudice the trial."}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This request has already been decided: share in full" in page
    assert "nothing was overwritten" in page
    assert "Would prejudice the trial." in page  # what the second person typed is still on their form
    assert list(SharingDecision.objects.values_list("outcome", "decided_by")) == [
        ("share_in_full", sw.world.manager.pk)
    ]


def test_a_stale_edit_is_refused_and_overwrites_nothing(sw):
    draft = draft_request(sw)
    investigator = client_for(sw.investigator)
    url = reverse("sharing-request-edit", args=[draft.reference])
    stale_version = investigator.get(url).context["form"]["version"].value()
    # Meanwhile a colleague changes the draft.
    services.request_update(actor=sw.investigator, request=draft, version=draft.version,
                            details={**COMPLETE_REQUEST, "purpose_function": "Colleague's wording"},
                            gateways=["pra2002"], processes=[])  # fmt: skip

    data = request_form_data(sw, version=stale_version, purpose_function="My wording")
    data.pop("submit")
    response = investigator.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this request after you opened it" in page
    assert 'value="My wording"' in page
    assert refreshed(draft).purpose_function == "Colleague's wording"


def test_a_move_made_on_a_stale_page_is_refused_with_why(sw):
    sharing_request = submitted_request(sw)
    stale = refreshed(sharing_request).version
    services.request_acknowledge(actor=sw.world.manager, request=sharing_request)
    services.request_consider(actor=sw.world.manager, request=sharing_request)
    response = client_for(sw.investigator).post(
        action_url(sharing_request, "withdraw"), {"withdraw-version": stale, "withdraw-reason": "Not needed now."}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this request after you opened it" in page
    assert "Not needed now." in page
    assert refreshed(sharing_request).status == Status.UNDER_CONSIDERATION


def test_the_admin_lists_requests_by_reference_read_only(sw, admin_user):
    sharing_request = submitted_request(sw)
    client = client_for(admin_user)
    changelist = reverse("admin:sharing_sharingrequest_changelist")
    response = client.get(changelist, {"q": sharing_request.reference})
    assert response.status_code == 200 and sharing_request.reference in response.content.decode()
    change = client.get(reverse("admin:sharing_sharingrequest_change", args=[sharing_request.pk]))
    assert change.status_code == 200
    assert COMPLETE_REQUEST["purpose_question"] not in change.content.decode()  # content stays behind need-to-know
    delete = client.post(reverse("admin:sharing_sharingrequest_delete", args=[sharing_request.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert SharingRequest.objects.filter(pk=sharing_request.pk).exists()
    for model in ("sharingdecision", "disclosure", "statuschange", "document", "documentversion"):
        assert client.get(reverse(f"admin:sharing_{model}_changelist")).status_code == 200


def test_a_withdrawal_needs_a_reason(sw):
    sharing_request = submitted_request(sw)
    investigator = client_for(sw.investigator)
    response = investigator.post(
        action_url(sharing_request, "withdraw"), {"withdraw-version": 2, "withdraw-reason": ""}
    )
    assert response.status_code == 200
    assert "Say why the request is withdrawn." in response.content.decode()
    response = investigator.post(
        action_url(sharing_request, "withdraw"), {"withdraw-version": 2, "withdraw-reason": "Found elsewhere."}
    )
    assert response.status_code == 302
    assert refreshed(sharing_request).status == Status.WITHDRAWN


# --- Who sees what -------------------------------------------------------------------------------------------


def _request_urls(sharing_request, disclosure_pk=1) -> list[tuple[str, str]]:
    ref = sharing_request.reference
    return [
        ("get", detail_url(sharing_request)),
        ("get", reverse("sharing-request-edit", args=[ref])),
        ("get", reverse("sharing-request-decide", args=[ref])),
        ("get", reverse("sharing-disclosure-new", args=[ref])),
        *[("post", action_url(sharing_request, action)) for action in
          ("submit", "acknowledge", "consider", "close", "withdraw", "bogus")],
        ("post", reverse("sharing-disclosure-acknowledge", args=[ref, disclosure_pk])),
    ]  # fmt: skip


def test_an_outsider_gets_404_everywhere_and_the_registers_do_not_list_the_request(sw):
    sharing_request = submitted_request(sw)
    outsider = client_for(sw.world.outsider)
    for method, url in _request_urls(sharing_request):
        assert getattr(outsider, method)(url).status_code == 404, url
    assert outsider.get(reverse("case-sharing-register", args=[sw.world.case.reference])).status_code == 404
    assert outsider.get(reverse("case-sharing-export", args=[sw.world.case.reference])).status_code == 404
    for name in ("sharing-register", "sharing-inbox", "sharing-outbox"):
        assert registered(outsider, reverse(name)) == set()
    export = outsider.get(reverse("sharing-register-export"))
    assert sharing_request.reference not in export.content.decode()


def test_a_draft_is_the_requesters_own_until_submitted(sw):
    draft = draft_request(sw)
    council_user, manager = client_for(sw.world.agency_user), client_for(sw.world.manager)
    for client in (council_user, manager):
        assert client.get(detail_url(draft)).status_code == 404
        assert registered(client, reverse("sharing-register")) == set()
    assert registered(client_for(sw.investigator), reverse("sharing-outbox")) == {draft.reference}

    services.request_submit(actor=sw.investigator, request=draft, version=draft.version)
    for client in (council_user, manager):
        assert client.get(detail_url(draft)).status_code == 200
        assert registered(client, reverse("sharing-inbox")) == {draft.reference}


def test_the_wrong_side_is_refused_with_403_where_it_may_see_the_request(sw):
    sharing_request = submitted_request(sw)
    investigator, council_user = client_for(sw.investigator), client_for(sw.world.agency_user)
    assert investigator.get(reverse("sharing-request-decide", args=[sharing_request.reference])).status_code == 403
    assert investigator.post(action_url(sharing_request, "acknowledge"), {"acknowledge-version": 2}).status_code == 403
    assert council_user.get(reverse("sharing-request-edit", args=[sharing_request.reference])).status_code == 403
    response = council_user.post(action_url(sharing_request, "withdraw"), {"withdraw-version": 2,
                                                                           "withdraw-reason": "x"})  # fmt: skip
    assert response.status_code == 403
    assert refreshed(sharing_request).status == Status.SUBMITTED


def test_the_case_register_for_a_provider_who_cannot_see_the_case_and_a_viewer_with_no_requests(sw):
    world = sw.world
    # The IOPC asks an organisation that is not on the case: it sees the request, and so the case's register.
    sharing_request = services.request_create(
        actor=sw.investigator, case=world.case, requesting_organisation=sw.iopc,
        providing_organisation=world.outside_agency, details=COMPLETE_REQUEST, gateways=["pra2002"],
    )  # fmt: skip
    services.request_submit(actor=sw.investigator, request=sharing_request, version=sharing_request.version)
    url = reverse("case-sharing-register", args=[world.case.reference])
    assert registered(client_for(world.outsider), url) == {sharing_request.reference}
    # Someone granted the case but party to none of its requests gets an empty register, not a 404.
    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.agency_user, reason="Review.")
    assert registered(client_for(world.agency_user), url) == set()
    assert registered(client_for(world.manager), url) == {sharing_request.reference}
    assert (
        client_for(world.agency_user).get(reverse("case-sharing-register", args=["NSCP-1999-999"])).status_code == 404
    )


# --- Registers ----------------------------------------------------------------------------------------------


def test_the_register_filters_by_status_organisation_gateway_overdue_and_reference(sw):
    first = submitted_request(sw)
    second = submitted_request(sw, gateways=("coroner",))
    draft = draft_request(sw)
    sharing_deadlines.milestones_of(second).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    investigator = client_for(sw.investigator)
    url = reverse("sharing-register")
    assert registered(investigator, url) == {first.reference, second.reference, draft.reference}
    assert registered(investigator, url, status="draft") == {draft.reference}
    assert registered(investigator, url, gateway="coroner") == {second.reference}
    assert registered(investigator, url, overdue="on") == {second.reference}
    assert registered(investigator, url, organisation=sw.world.council.pk) == {first.reference, second.reference,
                                                                               draft.reference}  # fmt: skip
    assert registered(investigator, url, organisation=sw.world.outside_agency.pk) == set()
    assert registered(investigator, url, q=second.reference.lower()) == {second.reference}
    page = investigator.get(url, {"overdue": "on"}).content.decode()
    assert "Overdue" in page


def test_inbox_holds_what_waits_on_us_and_outbox_what_we_asked(sw):
    waiting = submitted_request(sw)
    to_disclose = submitted_request(sw)
    refused = submitted_request(sw)
    for sharing_request, outcome in ((to_disclose, "share_in_full"), (refused, "refuse")):
        services.request_acknowledge(actor=sw.world.manager, request=sharing_request)
        services.request_decide(actor=sw.world.manager, request=sharing_request, version=None, outcome=outcome,
                                ground="harm_test", reasons="Recorded.")  # fmt: skip
    draft = draft_request(sw)
    inbox = registered(client_for(sw.world.agency_user), reverse("sharing-inbox"))
    assert inbox == {waiting.reference, to_disclose.reference}
    assert registered(client_for(sw.investigator), reverse("sharing-outbox")) == {
        waiting.reference,
        to_disclose.reference,
        refused.reference,
        draft.reference,
    }
    assert registered(client_for(sw.investigator), reverse("sharing-inbox")) == set()


def test_the_csv_export_lists_the_register_without_identity_safely_and_is_audited(sw):
    sharing_request = submitted_request(sw)
    # A pseudonym someone typed like a formula must not run in a spreadsheet.
    type(sw.world.case).objects.filter(pk=sw.world.case.pk).update(pseudonym='=HYPERLINK("x")')
    investigator = client_for(sw.investigator)
    response = investigator.get(reverse("case-sharing-export", args=[sw.world.case.reference]), {"status": "submitted"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["reference", "case reference", "pseudonym", "from", "to", "status", "gateways", "submitted",
                       "due", "overdue", "outcome", "disclosed on"]  # fmt: skip
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    milestone = sharing_deadlines.milestones_of(sharing_request).get()
    assert row["reference"] == sharing_request.reference
    assert row["pseudonym"] == '\'=HYPERLINK("x")'
    assert (row["from"], row["to"], row["status"]) == (sw.iopc.name, sw.world.council.name, "Submitted")
    assert row["gateways"].startswith("Children Act 2004 s16H")
    assert (row["submitted"], row["due"], row["overdue"]) == (
        timezone.localdate().isoformat(),
        milestone.due_date.isoformat(),
        "no",
    )
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor == sw.investigator
    assert entry.object_label == f"Sharing register for {sw.world.case.reference}: status=submitted"

    response = investigator.get(reverse("sharing-register-export"), {"status": "nonsense"})
    assert response.status_code == 400
    response = investigator.get(reverse("sharing-register-export"))
    assert sharing_request.reference in response.content.decode()
    assert AuditEntry.objects.filter(action="export", object_label="Sharing register").exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_registers_cost_the_same_queries_for_one_request_or_thirty(sw):
    urls = [reverse(name) for name in ("sharing-register", "sharing-inbox", "sharing-outbox")]
    urls.append(reverse("case-sharing-register", args=[sw.world.case.reference]))
    first = submitted_request(sw)
    services.request_acknowledge(actor=sw.world.manager, request=first)
    services.request_decide(actor=sw.world.manager, request=first, version=None, outcome="share_in_full")
    clients = {"investigator": client_for(sw.investigator), "manager": client_for(sw.world.manager)}
    few = {(who, url): _queries(client, url) for who, client in clients.items() for url in urls}
    for n in range(29):
        sharing_request = submitted_request(sw, gateways=("ca2004_s16h", "pra2002"))
        if n % 3 == 0:
            services.request_acknowledge(actor=sw.world.manager, request=sharing_request)
            services.request_decide(actor=sw.world.manager, request=sharing_request, version=None,
                                    outcome="share_in_full")  # fmt: skip
    many = {(who, url): _queries(client, url) for who, client in clients.items() for url in urls}
    assert many == few
    listed = clients["manager"].get(reverse("sharing-register")).context["page"].object_list
    assert len(listed) == 30


def test_navigation_and_the_case_page_lead_to_the_sharing_pages(sw):
    page = client_for(sw.investigator).get(reverse("case-detail", args=[sw.world.case.reference])).content.decode()
    for name in ("case-sharing-register", "sharing-request-new", "case-documents"):
        assert reverse(name, args=[sw.world.case.reference]) in page
    assert f'href="{reverse("sharing-inbox")}"' in page


def test_a_new_request_on_a_case_the_user_cannot_see_is_404(sw):
    url = reverse("sharing-request-new", args=[sw.world.case.reference])
    assert client_for(sw.world.outsider).get(url).status_code == 404


def test_someone_in_two_organisations_chooses_which_one_asks(sw):
    Membership.objects.create(user=sw.investigator, organisation=sw.world.outside_agency, role="agency_representative")
    response = client_for(sw.investigator).get(reverse("sharing-request-new", args=[sw.world.case.reference]))
    field = response.context["form"]["requesting_organisation"]
    assert not field.is_hidden
    assert {choice.choice_label for choice in field} == {sw.iopc.name, sw.world.outside_agency.name}
    assert Organisation.objects.count() >= 2

"""Demo information-sharing requests on the Northshire cases, one at each point of the workflow, made through
sharing.services like everything else in the demo, once the cases and their grants exist.

The only liberty taken: a request meant to look older has its submission moved back in time, and its response
deadline worked out again from that date, so the demo shows requests due soon and overdue.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coordination.models import Case
from coordination.working_days import add_working_days
from sharing import deadlines, documents, services
from sharing.models import SharingRequest, StatusChange

_BASE = {
    "data_categories": "Case records, contact and referral notes",
    "article6_basis": "e",
    "special_category": "art9",
    "special_category_paragraph": "DPA 2018 Sch 1 para 18 (safeguarding of children)",
    "consent_position": "not_sought",
    "consent_reason": "Consent is not the basis for safeguarding sharing, and asking could prejudice the review.",
    "transparency_position": "will_be_informed",
    "transparency_reason": "The family will be told when the review's terms of reference are shared with them.",
}

CHRONOLOGY = (
    "date,agency,contact,summary\r\n"
    "2025-11-03,Police,Attendance,Neighbour reported shouting; officers attended; no offences disclosed\r\n"
    "2025-11-19,Police,Attendance,Second call; child seen asleep; no referral made\r\n"
    "2025-12-01,Children's social care,Referral,MASH referral from school; no further action\r\n"
)


def build(*, orgs: dict, users: dict) -> int:
    cases = {case.pseudonym: case for case in Case.objects.filter(partnership__code="NSCP")}
    made = [
        _awaiting_acknowledgement(cases["Child D"], orgs, users),
        _disclosed(cases["Child G"], orgs, users),
        _overdue_at_the_trust(cases["Child C"], orgs, users),
        _deferred_by_professional_standards(cases["Child H"], orgs, users),
        _draft(cases["Child I"], orgs, users),
    ]
    return len(made)


def _request(case, *, actor, by, to, gateways, submitted_days_ago=None, **details) -> SharingRequest:
    request = services.request_create(
        actor=actor, case=case, requesting_organisation=by, providing_organisation=to,
        details={**_BASE, **details}, gateways=gateways,
    )  # fmt: skip
    if submitted_days_ago is None:
        return request
    request = services.request_submit(actor=actor, request=request, version=request.version)
    _backdate(request, working_days=submitted_days_ago)
    return request


def _backdate(request: SharingRequest, *, working_days: int) -> None:
    today = timezone.localdate()
    submitted_on = add_working_days(today, -working_days)
    shift = timezone.now() - timedelta(days=(today - submitted_on).days)
    SharingRequest.objects.filter(pk=request.pk).update(created_at=shift, submitted_at=shift, updated_at=shift)
    StatusChange.objects.filter(request=request).update(changed_at=shift)
    deadlines.milestones_of(request).delete()
    request.refresh_from_db()
    deadlines.open_response_milestone(request=request, submitted_on=submitted_on)


def _awaiting_acknowledgement(case, orgs, users) -> SharingRequest:
    return _request(
        case, actor=users["iopc"], by=orgs["iopc"], to=orgs["council"], gateways=["pra2002"],
        submitted_days_ago=3,
        items_requested="Children's social care records for the family from 1 Oct 2025: to establish what the "
        "council told the police before the two attendances.",
        data_subjects=["child", "parents_carers", "siblings"],
        purpose_function="IOPC independent investigation into the police response",
        purpose_question="What did officers know of the family when they attended in November 2025?",
        necessity_proportionality="Only the three months before the death; the force's own records do not show "
        "what the council held.",
        sensitivity_flags=["live_criminal_investigation"],
        handling_instructions="Not for onward disclosure without IOPC consent",
    )  # fmt: skip


def _disclosed(case, orgs, users) -> SharingRequest:
    request = _request(
        case, actor=users["iopc"], by=orgs["iopc"], to=orgs["council"], gateways=["pra2002", "ca2004_s16h"],
        submitted_days_ago=12,
        items_requested="The multi-agency chronology prepared for the rapid review.",
        data_subjects=["child", "practitioners", "officers"],
        purpose_function="IOPC independent investigation into the missing-person response",
        purpose_question="When was the force told the child was at risk of exploitation?",
        necessity_proportionality="The chronology is the only joined-up record of contacts on the day.",
    )  # fmt: skip
    manager = users["manager"]
    services.request_acknowledge(actor=manager, request=request)
    services.request_consider(actor=manager, request=request)
    services.request_decide(
        actor=manager, request=request, version=None, outcome="share_redacted", ground="other",
        reasons="Names of neighbours who reported concerns are redacted (golden rule 5).",
        conditions="For the IOPC investigation only; not to be shown to officers under investigation.",
        handling_marking="OFFICIAL-SENSITIVE", retention_note="Kept with the investigation file",
    )  # fmt: skip
    upload = SimpleUploadedFile("rapid-review-chronology.csv", CHRONOLOGY.encode(), content_type="text/csv")
    document = documents.document_add(
        actor=manager, case=case, title="Rapid review chronology (redacted)", classification="OFFICIAL-SENSITIVE",
        descriptor="PERSONAL", handling_instructions="Not for onward disclosure without the partnership's consent",
        upload=upload, request=request,
    )  # fmt: skip
    services.disclosure_record(
        actor=manager, request=request, disclosed_on=timezone.localdate(), method="portal",
        recipient_name="Daniel Okafor, IOPC lead investigator", versions=document.versions.all(),
        description="Chronology, neighbours' names redacted.",
    )  # fmt: skip
    return request


def _overdue_at_the_trust(case, orgs, users) -> SharingRequest:
    request = _request(
        case, actor=users["manager"], by=orgs["council"], to=orgs["trust"], gateways=["ca2004_s16h"],
        submitted_days_ago=14,
        items_requested="Emergency department and paediatric ward notes for the admission, and any earlier "
        "attendances in 2025.",
        data_subjects=["child"],
        purpose_function="Local child safeguarding practice review",
        purpose_question="Were earlier attendances recognised as signs of neglect?",
        necessity_proportionality="Health records are the only source for the attendances.",
    )  # fmt: skip
    services.request_acknowledge(actor=users["agency"], request=request)
    services.request_consider(actor=users["agency"], request=request)
    return request


def _deferred_by_professional_standards(case, orgs, users) -> SharingRequest:
    request = _request(
        case, actor=users["manager"], by=orgs["council"], to=orgs["psd"], gateways=["ca2004_s16h"],
        submitted_days_ago=20,
        items_requested="The force's account of the two officers' contact with the family.",
        data_subjects=["officers", "child"],
        purpose_function="Local child safeguarding practice review",
        purpose_question="Why was no referral made after the first police contact?",
        necessity_proportionality="Only the officers' accounts can answer this; nothing less intrusive exists.",
        sensitivity_flags=["prospective_witness"],
    )  # fmt: skip
    psd = users["psd"]
    services.request_acknowledge(actor=psd, request=request)
    services.request_decide(
        actor=psd, request=request, version=None, outcome="defer", ground="prejudice_criminal",
        reasons="Both officers are prospective witnesses; their accounts wait until they have been interviewed.",
        review_date=timezone.localdate() + timedelta(weeks=6),
    )  # fmt: skip
    return request


def _draft(case, orgs, users) -> SharingRequest:
    return _request(
        case, actor=users["manager"], by=orgs["council"], to=orgs["iopc"], gateways=["ca2004_s16h"],
        items_requested="The IOPC's decision on the mode of investigation and its terms of reference.",
        data_subjects=["officers"],
        purpose_function="Local child safeguarding practice review",
        purpose_question="",
    )  # fmt: skip

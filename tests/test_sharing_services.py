"""The information-sharing workflow through its services: who may do what, what the law needs before a request
goes, the response deadline, decisions, disclosures, and two people deciding at once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from coordination.models import AuditEntry
from sharing import access, services
from sharing import deadlines as sharing_deadlines
from sharing.models import Disclosure, SharingDecision, SharingRequest, StatusChange
from tests import factories

Status = SharingRequest.Status


def _decided(sw, outcome="share_in_full", **fields):
    council = sw.world.agency_user
    request = factories.submitted_request(sw)
    services.request_acknowledge(actor=council, request=request)
    services.request_consider(actor=council, request=request)
    services.request_decide(actor=sw.world.manager, request=request, version=None, outcome=outcome, **fields)
    return SharingRequest.objects.get(pk=request.pk)


def test_a_request_goes_from_draft_to_closed_and_keeps_each_step(sharing_world):
    sw, council = sharing_world, sharing_world.world.agency_user
    request = factories.draft_request(sw)
    assert request.reference == f"{sw.world.case.reference}-IS01" and request.status == Status.DRAFT
    request = services.request_submit(actor=sw.investigator, request=request, version=request.version)
    services.request_acknowledge(actor=council, request=request)
    services.request_consider(actor=council, request=request)
    services.request_decide(actor=sw.world.manager, request=request, version=None, outcome="share_in_full",
                            conditions="Not for onward disclosure without the council's consent.")  # fmt: skip
    services.disclosure_record(actor=council, request=request, disclosed_on=timezone.localdate(),
                               method="secure_email", recipient_name="IOPC lead investigator",
                               description="Chronology, 12 pages.")  # fmt: skip
    disclosure = Disclosure.objects.get(request=request)
    services.disclosure_acknowledge(actor=sw.investigator, disclosure=disclosure)
    services.request_close(actor=sw.investigator, request=request)

    steps = list(StatusChange.objects.filter(request=request).values_list("to_status", flat=True))
    assert steps == ["draft", "submitted", "acknowledged", "under_consideration", "decided", "disclosed", "closed"]
    assert Disclosure.objects.get(pk=disclosure.pk).acknowledged_by == sw.investigator
    # Every step is in the audit trail, and the disclosure as a disclosure.
    assert AuditEntry.objects.filter(action="disclose", object_label=request.reference).count() == 1
    assert AuditEntry.objects.filter(object_label=request.reference).count() >= 8


def test_submitting_without_purpose_gateway_or_lawful_basis_names_each_missing_field(sharing_world):
    request = factories.draft_request(sharing_world, gateways=(), purpose_function="", purpose_question="",
                                      article6_basis="")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.request_submit(actor=sharing_world.investigator, request=request, version=request.version)
    missing = refused.value.message_dict
    assert {"purpose_function", "purpose_question", "gateways", "article6_basis"} <= set(missing)
    assert "Article 6" in missing["article6_basis"][0]
    # The draft is still there, as typed.
    request.refresh_from_db()
    assert request.status == Status.DRAFT and request.items_requested.startswith("Children's social care")


def test_special_category_and_criminal_offence_data_need_their_paragraphs(sharing_world):
    request = factories.draft_request(sharing_world, special_category="part3", special_category_paragraph="",
                                      criminal_offence_data=True)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.request_submit(actor=sharing_world.investigator, request=request, version=request.version)
    assert "Schedule 8" in refused.value.message_dict["special_category_paragraph"][0]
    assert "article10_paragraph" in refused.value.message_dict


def test_the_response_deadline_comes_from_the_rule_or_the_date_asked_for(sharing_world):
    request = factories.submitted_request(sharing_world)
    milestone = sharing_deadlines.milestones_of(request).get()
    assert milestone.process is None and milestone.rule.code == "IS1"
    assert "10 working days after" in milestone.explanation and "request submitted" in milestone.explanation

    asked = timezone.localdate() + dt.timedelta(days=3)
    urgent = factories.submitted_request(sharing_world, requested_by_date=asked, urgency="urgent")
    milestone = sharing_deadlines.milestones_of(urgent).get()
    assert milestone.due_date == asked
    assert "urgent, set by the requester" in milestone.explanation and "IS1 would give" in milestone.explanation


def test_deciding_meets_the_deadline_and_withdrawing_waives_it(sharing_world):
    decided = _decided(sharing_world)
    assert sharing_deadlines.milestones_of(decided).get().completed_on == timezone.localdate()
    withdrawn = factories.submitted_request(sharing_world)
    services.request_withdraw(actor=sharing_world.investigator, request=withdrawn, reason="Obtained elsewhere.")
    assert sharing_deadlines.milestones_of(withdrawn).get().waived_at is not None


@pytest.mark.parametrize("outcome", ["share_in_part", "share_redacted", "defer", "refuse"])
def test_a_decision_not_to_share_in_full_needs_reasons_and_a_ground(sharing_world, outcome):
    request = factories.submitted_request(sharing_world)
    services.request_acknowledge(actor=sharing_world.world.agency_user, request=request)
    with pytest.raises(ValidationError) as refused:
        services.request_decide(actor=sharing_world.world.manager, request=request, version=None, outcome=outcome,
                                review_date=timezone.localdate() + dt.timedelta(days=30))  # fmt: skip
    assert {"reasons", "ground"} <= set(refused.value.message_dict)
    assert not SharingDecision.objects.exists()


def test_a_deferral_needs_a_review_date_and_can_be_reconsidered(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    services.request_acknowledge(actor=sw.world.agency_user, request=request)
    with pytest.raises(ValidationError) as refused:
        services.request_decide(actor=sw.world.manager, request=request, version=None, outcome="defer",
                                ground="prejudice_criminal", reasons="Charging decision awaited.")  # fmt: skip
    assert "review_date" in refused.value.message_dict
    services.request_decide(actor=sw.world.manager, request=request, version=None, outcome="defer",
                            ground="prejudice_criminal", reasons="Charging decision awaited.",
                            review_date=timezone.localdate() + dt.timedelta(days=60))  # fmt: skip
    services.request_consider(actor=sw.world.manager, request=request, note="Charge decided.")
    services.request_decide(actor=sw.world.manager, request=request, version=None, outcome="share_in_full")
    assert [d.outcome for d in SharingDecision.objects.filter(request=request)] == ["defer", "share_in_full"]


def test_only_each_side_may_take_its_own_steps(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    with pytest.raises(PermissionDenied):
        services.request_acknowledge(actor=sw.investigator, request=request)  # the requester cannot answer itself
    with pytest.raises(PermissionDenied):
        services.request_withdraw(actor=sw.world.agency_user, request=request, reason="Not ours to withdraw.")
    with pytest.raises(PermissionDenied):
        services.request_acknowledge(actor=sw.world.outsider, request=request)


def test_a_request_is_seen_by_its_two_parties_and_the_partnership_managers_only(sharing_world):
    sw = sharing_world
    draft = factories.draft_request(sw)
    # A draft is the requester's working paper.
    assert access.may_see_request(sw.investigator, draft)
    assert not access.may_see_request(sw.world.agency_user, draft)
    assert not access.may_see_request(sw.world.manager, draft)
    submitted = services.request_submit(actor=sw.investigator, request=draft, version=draft.version)
    for user in (sw.investigator, sw.world.agency_user, sw.world.manager):
        assert access.may_see_request(user, submitted)
    assert not access.may_see_request(sw.world.outsider, submitted)


def test_both_sides_are_notified_of_each_move_but_not_the_person_who_made_it(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    council_side = {sw.world.manager.pk, sw.world.agency_user.pk}
    told = set(factories.request_notifications(request).values_list("user_id", flat=True))
    assert told == council_side  # the investigator submitted it
    services.request_acknowledge(actor=sw.world.agency_user, request=request)
    latest = factories.request_notifications(request).order_by("-id").first()
    assert latest.user == sw.investigator and "acknowledged" in latest.message
    assert "Child Q" in latest.message  # the pseudonym, never the identity


def test_a_stale_form_is_refused_and_nothing_is_overwritten(sharing_world):
    sw = sharing_world
    request = factories.draft_request(sw)
    opened_at = request.version
    gateways = ["ca2004_s16h"]
    services.request_update(actor=sw.investigator, request=request, version=opened_at,
                            details={"purpose_question": "First edit"}, gateways=gateways, processes=[])  # fmt: skip
    with pytest.raises(ValidationError, match="Someone else changed this request"):
        services.request_update(actor=sw.investigator, request=request, version=opened_at,
                                details={"purpose_question": "Second"}, gateways=gateways, processes=[])  # fmt: skip
    assert SharingRequest.objects.get(pk=request.pk).purpose_question == "First edit"


def test_deciding_a_request_already_decided_says_so_and_keeps_the_first_decision(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    services.request_acknowledge(actor=sw.world.agency_user, request=request)
    version = SharingRequest.objects.get(pk=request.pk).version
    services.request_decide(actor=sw.world.manager, request=request, version=version, outcome="share_in_full")
    with pytest.raises(ValidationError, match="already been decided: share in full"):
        services.request_decide(actor=sw.world.agency_user, request=request, version=version, outcome="refuse",
                                ground="proportionality", reasons="Too broad.")  # fmt: skip
    assert list(SharingDecision.objects.values_list("outcome", flat=True)) == ["share_in_full"]


def test_a_disclosure_needs_a_decision_to_share(sharing_world):
    refused = _decided(sharing_world, outcome="refuse", ground="harm_test", reasons="Harm test met.")
    with pytest.raises(ValidationError, match="decided in favour of sharing"):
        services.disclosure_record(actor=sharing_world.world.agency_user, request=refused,
                                   disclosed_on=timezone.localdate(), method="secure_email", recipient_name="IOPC",
                                   description="Chronology.")  # fmt: skip
    services.request_close(actor=sharing_world.investigator, request=refused)


def test_flags_make_conditions_on_use_required_when_sharing(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw, sensitivity_flags=["live_criminal_investigation"])
    services.request_acknowledge(actor=sw.world.agency_user, request=request)
    with pytest.raises(ValidationError) as refused:
        services.request_decide(actor=sw.world.manager, request=request, version=None, outcome="share_in_full")
    assert "conditions" in refused.value.message_dict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_the_same_moment_get_one_decision(world):
    sw = factories.build_sharing_world(world)
    request = factories.submitted_request(sw)
    services.request_acknowledge(actor=world.agency_user, request=request)
    version = SharingRequest.objects.get(pk=request.pk).version
    barrier = threading.Barrier(2)
    outcomes, refusals = [], []

    def decide(actor, outcome):
        try:
            barrier.wait(timeout=10)
            services.request_decide(actor=actor, request=request, version=version, outcome=outcome,
                                    ground="proportionality", reasons="Decided at once.")  # fmt: skip
            outcomes.append(outcome)
        except ValidationError as error:
            refusals.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(world.manager, "share_in_full")),
               threading.Thread(target=decide, args=(world.agency_user, "refuse"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 1 and len(refusals) == 1
    assert "already been decided" in refusals[0]
    assert list(SharingDecision.objects.values_list("outcome", flat=True)) == outcomes


def test_a_partnership_manager_can_show_a_request_to_another_organisation_until_a_date(sharing_world, monkeypatch):
    from sharing import grants as sharing_grants

    sw = sharing_world
    request = factories.submitted_request(sw)
    coroner = factories.OrganisationFactory(name="HM Coroner", kind="coroner")
    officer = factories.member(coroner, "coroners_officer", username="coroner_officer")
    assert not access.may_see_request(officer, request)
    with pytest.raises(PermissionDenied):
        sharing_grants.request_grant(actor=sw.investigator, request=request, organisation=coroner, reason="Inquest.")
    sharing_grants.request_grant(actor=sw.world.manager, request=request, organisation=coroner,
                                 reason="The inquest needs to know what was asked.",
                                 expires_on=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
    assert access.may_see_request(officer, request)
    assert AuditEntry.objects.filter(action="grant", object_label=request.reference).exists()
    later = timezone.now() + dt.timedelta(days=9)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert not access.may_see_request(officer, request)

"""Partnership managers keep their own timescales in the browser: local rules, contested triggers, closures."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from coordination import services
from coordination.models import ClosureDay, Milestone, RuleChoice, TimescaleRule
from tests.factories import add_process, verified_login


def test_everyone_sees_the_rules_with_their_sources(client, world):
    verified_login(client, world.agency_user)
    page = client.get(reverse("timescales")).content.decode()
    assert "Serious incident notification to the Panel" in page
    assert "Working Together 2023" in page
    assert "Add a local rule" not in page
    response = client.post(reverse("timescale-add") + "?kind=lcspr", {"process_kind": "lcspr"})
    assert response.status_code == 403


def test_a_local_rule_added_in_the_browser_applies_to_processes_under_way(client, world):
    lcspr = add_process(world, "lcspr", opened_on=timezone.localdate() - dt.timedelta(days=20))
    services.process_move(
        actor=world.manager, process=lcspr, to_stage="reviewer_appointed", expected_stage="commissioning",
        effective_on=timezone.localdate() - dt.timedelta(days=10),
    )  # fmt: skip
    verified_login(client, world.manager)
    form = {
        "process_kind": "lcspr",
        "milestone": "Agency chronologies returned",
        "trigger": "stage:reviewer_appointed",
        "trigger_label": "reviewer appointed",
        "amount": "10",
        "unit": "working_days",
        "direction": "after",
        "roll": "next",
        "completed_by_stage": "",
        "force": "local",
        "source": "NSCP procedures 4.2",
        "effective_from": "2020-01-01",
        "reminder_working_days": "3,0",
        "escalate_after_working_days": "",
    }
    response = client.post(reverse("timescale-add") + "?kind=lcspr", {**form, "trigger": "stage:nonsense"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post(reverse("timescale-add") + "?kind=lcspr", form)
    assert response.status_code == 302, response.context["form"].errors
    rule = TimescaleRule.objects.get(partnership=world.partnership)
    assert rule.code == "NSCP-1"
    milestone = Milestone.objects.get(process=lcspr, rule=rule)
    assert "10 working days after" in milestone.explanation and "NSCP procedures 4.2" in milestone.explanation


def test_choosing_the_rapid_review_trigger_waives_the_other_and_applies_the_choice(client, world):
    review = add_process(world, "rapid_review", opened_on=world.case.la_aware_date)
    # The national default counts from the notification, which has not been recorded on this review yet.
    assert not review.milestones.filter(rule__alternative_group="rapid_review_start").exists()
    from_awareness = TimescaleRule.objects.get(
        alternative_group="rapid_review_start", trigger="case:la_aware_date", edition_of=""
    )
    verified_login(client, world.manager)
    assert client.post(reverse("timescale-choose"), {"rule": from_awareness.pk}).status_code == 302
    assert RuleChoice.objects.get(partnership=world.partnership).rule == from_awareness
    milestone = review.milestones.get(rule=from_awareness)
    assert milestone.trigger_date == world.case.la_aware_date


def test_a_closure_day_is_added_for_the_partnership(client, world):
    verified_login(client, world.manager)
    day = timezone.localdate() + dt.timedelta(days=30)
    client.post(reverse("closure-add"), {"date": day.isoformat(), "name": "Council closure day"})
    assert ClosureDay.objects.get(partnership=world.partnership).name == "Council closure day"
    response = client.post(reverse("closure-add"), {"date": day.isoformat(), "name": "Again"}, follow=True)
    assert "already a closure day" in response.content.decode()

"""What an agency user's pages cost in queries: the same however many cases or processes are granted to them,
and however many grants others hold. Access is answered inside the page's own queries, not one per grant."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import grants, services
from coordination.models import CaseGroupObjectPermission, CaseUserObjectPermission, Membership
from tests.factories import OrganisationFactory, member, open_case

TODAY = timezone.localdate


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def _listed(response) -> set[str]:
    return {case.reference for case in response.context["page"].object_list}


def _grant_case(world, case, grantee: str):
    target = {"organisation": world.outside_agency} if grantee == "organisation" else {"user": world.outsider}
    grants.grant(actor=world.manager, case=case, scope="case", reason="Needed for the review.", **target)


def _case_with_processes(world, n: int):
    case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
    for kind in ("serious_incident_notification", "rapid_review"):
        services.process_add(actor=world.manager, case=case, kind=kind, owner=world.council, opened_on=TODAY())
    return case


def _grants_to_others(world, cases, n: int):
    """n grants on the cases to other organisations and people, some of them expired."""
    permission = Permission.objects.get(codename="view_case", content_type__app_label="coordination")
    others = [OrganisationFactory(name=f"Other agency {i}") for i in range(10)]
    for organisation in others:
        grants.organisation_group(organisation)
    people = [member(others[i], Membership.Role.AGENCY_REPRESENTATIVE) for i in range(10)]
    expired = timezone.now() - dt.timedelta(days=1)
    common = {"permission": permission, "granted_by": world.manager, "granted_at": timezone.now(), "reason": "x"}
    to_groups, to_people = [], []
    for i in range(n):
        case = cases[i % len(cases)]
        expires_at = expired if i % 4 == 0 else None
        if i % 2:
            group = others[(i // len(cases)) % len(others)].group
            to_groups.append(
                CaseGroupObjectPermission(group=group, content_object=case, expires_at=expires_at, **common)
            )
        else:
            user = people[(i // len(cases)) % len(people)]
            to_people.append(CaseUserObjectPermission(user=user, content_object=case, expires_at=expires_at, **common))
    CaseGroupObjectPermission.objects.bulk_create(to_groups, ignore_conflicts=True)
    CaseUserObjectPermission.objects.bulk_create(to_people, ignore_conflicts=True)


@pytest.mark.parametrize("grantee", ["organisation", "person"])
def test_the_case_list_costs_an_agency_user_the_same_for_one_case_or_fifty_and_many_grants(
    client, world, sign_in, grantee
):
    url = reverse("case-list")
    _grant_case(world, world.case, grantee)
    sign_in(client, world.outsider)
    response, one = _get(client, url)
    assert _listed(response) == {world.case.reference}

    cases = [world.case] + [_case_with_processes(world, n) for n in range(49)]
    for case in cases[1:]:
        _grant_case(world, case, grantee)
    hidden = _case_with_processes(world, 99)  # never granted to the outsider
    response, fifty = _get(client, url)
    assert response.context["page"].paginator.count == 50
    assert len(response.context["page"].object_list) == 25
    assert fifty == one

    # Expired grants to the outsider match nothing; others' grants, live or expired, cost nothing either.
    grants.grant(
        actor=world.manager,
        case=hidden,
        scope="case",
        reason="Was needed once.",
        organisation=world.outside_agency,
        expires_on=TODAY() + dt.timedelta(days=1),
    )
    CaseGroupObjectPermission.objects.filter(content_object=hidden).update(expires_at=timezone.now())
    _grants_to_others(world, cases + [hidden], 200)
    assert CaseGroupObjectPermission.objects.count() + CaseUserObjectPermission.objects.count() >= 250
    response, noisy = _get(client, url)
    assert response.context["page"].paginator.count == 50
    assert hidden.reference not in _listed(response)
    assert noisy == one


def _granted_process(world, n: int):
    case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
    process = services.process_add(
        actor=world.manager, case=case, kind="serious_incident_notification", owner=world.council, opened_on=TODAY()
    )
    grants.grant(
        actor=world.manager,
        case=case,
        scope="process",
        process=process,
        organisation=world.outside_agency,
        reason="The force investigates.",
    )
    return process


def test_the_dashboard_costs_an_agency_user_the_same_for_one_process_or_fifty(client, world, sign_in):
    url = reverse("home")
    first = _granted_process(world, 0)
    sign_in(client, world.outsider)
    response, one = _get(client, url)
    assert {row.milestone.process_id for row in response.context["rows"]} == {first.pk}

    processes = [first] + [_granted_process(world, n) for n in range(1, 50)]
    _case_with_processes(world, 99)  # not granted: its deadlines stay off the outsider's dashboard
    response, fifty = _get(client, url)
    assert len(response.context["rows"]) == 50  # a full page of deadlines
    assert {m.process_id for m in response.context["filter"].qs} == {process.pk for process in processes}
    assert fifty == one

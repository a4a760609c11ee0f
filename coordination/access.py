"""Who may see and change what: the one place that answers, for every page, list, feed, e-mail and export.

Each question has two forms that cannot disagree: a queryset filter ("the cases this user may see") and an
object check built on it ("may this user see this case?"). The rules, need to know as the UK GDPR's data minimisation
principle (Art 5(1)(c)) and the DfE information-sharing advice (2024) ask:

- A partnership manager (a member with that role in one of the partnership's three statutory partners) sees
  and manages every case of the partnership, and every process on it in full.
- Anyone else sees a case only once it is granted to them or to their organisation (a django-guardian grant
  on the case, or on one of its processes), or when their organisation owns one of its processes.
- On a case they may see, they see every process's kind, stage and key dates; a process's working detail
  (history, notes, deadlines, details) only if their organisation owns it, or it is granted to them, or the
  kind names their kind of organisation as a reader (an IOPC investigation names the IOPC and police
  professional standards, the appropriate authority).
- The child's identifiable details are seen only by those explicitly granted them.
- A grant may carry an expiry; from that moment it no longer matches, with no job to run.
- A deadline is working detail: seen with its process in full, or with the app's record it belongs to.

An app whose records others read (an information-sharing request, a document) answers who may see them in its own
access module and registers that answer here (`register_readable`), so every question about any object, from the
webhooks, the reminders, the calendar feed and the PDF summaries alike, is asked through `visible` and `may_see`.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from . import kinds, subjects
from .models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ChildIdentity,
    ChildIdentityGroupObjectPermission,
    ChildIdentityUserObjectPermission,
    Membership,
    Milestone,
    Notification,
    Organisation,
    Partnership,
    Process,
    ProcessGroupObjectPermission,
    ProcessUserObjectPermission,
)


def memberships_of(user):
    return Membership.objects.filter(user=user)


def is_member(user) -> bool:
    return user.is_authenticated and user.is_active and memberships_of(user).exists()


def acts_for(user, organisation: Organisation | int) -> bool:
    """Whether the user is, today, an active member of the organisation (someone who left is not)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return user.is_active and memberships_of(user).filter(organisation_id=organisation_id).exists()


def still_acting_for(people: Iterable[tuple[object, int]]) -> set[tuple[int, int]]:
    """Of (user, organisation id) pairs, those where the user is an active member of the organisation, as
    (user id, organisation id), in one query: a process lead who has left the owning organisation drops out."""
    people = [(user, organisation_id) for user, organisation_id in people if user is not None and user.is_active]
    if not people:
        return set()
    pairs = Membership.objects.filter(
        user_id__in={user.pk for user, _ in people}, organisation_id__in={org for _, org in people}
    ).values_list("user_id", "organisation_id")
    return set(pairs) & {(user.pk, organisation_id) for user, organisation_id in people}


def live_grants(grants: QuerySet) -> QuerySet:
    return grants.filter(Q(expires_at=None) | Q(expires_at__gt=timezone.now()))


def granted_q(user, user_model, group_model, codename: str) -> Q:
    """Objects granted to the user or to one of their organisations' groups (an Exists filter each)."""
    groups = memberships_of(user).values("organisation__group")
    to_user = live_grants(user_model.objects.filter(user=user, permission__codename=codename))
    to_group = live_grants(group_model.objects.filter(group__in=groups, permission__codename=codename))
    return Q(Exists(to_user.filter(content_object=OuterRef("pk")))) | Q(
        Exists(to_group.filter(content_object=OuterRef("pk")))
    )


# --- Partnerships ----------------------------------------------------------------------------------


def _as_manager(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The memberships in which someone manages a partnership: that role, in one of its statutory partners."""
    return memberships.filter(role=Membership.Role.PARTNERSHIP_MANAGER)


def manages_for(user, organisation: Organisation) -> bool:
    """Whether the user is a partnership manager on behalf of this organisation (one of a partnership's partners)."""
    return user.is_active and _as_manager(memberships_of(user)).filter(organisation=organisation).exists()


def partnerships_managed_by(user) -> QuerySet[Partnership]:
    if not user.is_authenticated or not user.is_active:
        return Partnership.objects.none()
    manager_orgs = _as_manager(memberships_of(user)).values("organisation")
    return Partnership.objects.filter(
        Q(local_authority__in=manager_orgs) | Q(icb__in=manager_orgs) | Q(police__in=manager_orgs)
    )


def managers_of(partnerships: Iterable[Partnership]) -> dict[int, dict[int, object]]:
    """The active partnership managers of each partnership ({partnership id: {user id: user}}), in one query:
    members with that role in one of its three statutory partners (Children Act 2004 s16E), the people
    `partnerships_managed_by` answers for the other way round."""
    partnerships = {p.pk: p for p in partnerships}
    partners = {p.pk: (p.local_authority_id, p.icb_id, p.police_id) for p in partnerships.values()}
    by_org: dict[int, list] = defaultdict(list)
    memberships = _as_manager(Membership.objects.all()).filter(
        organisation_id__in={org for orgs in partners.values() for org in orgs}, user__is_active=True
    ).select_related("user")
    for membership in memberships.order_by("user_id"):
        by_org[membership.organisation_id].append(membership.user)
    return {pk: {user.pk: user for org in orgs for user in by_org[org]} for pk, orgs in partners.items()}


def may_manage_partnership(user, partnership: Partnership) -> bool:
    return partnerships_managed_by(user).filter(pk=partnership.pk).exists()


def require_manage_partnership(user, partnership: Partnership) -> None:
    if not may_manage_partnership(user, partnership):
        raise PermissionDenied("Only a manager of this safeguarding partnership can do that.")


# --- Cases -----------------------------------------------------------------------------------------


def cases_visible_to(user) -> QuerySet[Case]:
    if not is_member(user):
        return Case.objects.none()
    # A grant on one of the case's processes, or owning one, also shows the case it belongs to.
    process_granted = Process.objects.filter(
        granted_q(user, ProcessUserObjectPermission, ProcessGroupObjectPermission, "view_process")
        | Q(owner__in=memberships_of(user).values("organisation")),
        case=OuterRef("pk"),
    )
    return Case.objects.filter(
        Q(partnership__in=partnerships_managed_by(user))
        | granted_q(user, CaseUserObjectPermission, CaseGroupObjectPermission, "view_case")
        | Q(Exists(process_granted))
    )


def may_see_case(user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def may_manage_case(user, case: Case) -> bool:
    return may_manage_partnership(user, case.partnership)


def require_manage_case(user, case: Case) -> None:
    require_manage_partnership(user, case.partnership)


# --- Processes -------------------------------------------------------------------------------------


def processes_visible_to(user) -> QuerySet[Process]:
    """Processes whose working detail the user may see (every process on a visible case shows its summary)."""
    if not is_member(user):
        return Process.objects.none()
    organisations = memberships_of(user).values("organisation")
    organisation_kinds = set(memberships_of(user).values_list("organisation__kind", flat=True))
    read_by_kind = [kind.key for kind in kinds.all_kinds() if organisation_kinds & set(kind.detail_readers)]
    full = (
        Q(case__partnership__in=partnerships_managed_by(user))
        | Q(owner__in=organisations)
        | Q(kind__in=read_by_kind)
        | granted_q(user, ProcessUserObjectPermission, ProcessGroupObjectPermission, "view_process")
    )
    return Process.objects.filter(full, case__in=cases_visible_to(user))


def may_see_process(user, process: Process) -> bool:
    return processes_visible_to(user).filter(pk=process.pk).exists()


# --- The child's identity --------------------------------------------------------------------------


def identities_visible_to(user) -> QuerySet[ChildIdentity]:
    if not is_member(user):
        return ChildIdentity.objects.none()
    granted = granted_q(
        user, ChildIdentityUserObjectPermission, ChildIdentityGroupObjectPermission, "view_childidentity"
    )
    return ChildIdentity.objects.filter(granted, case__in=cases_visible_to(user))


# --- Deadlines and notifications -----------------------------------------------------------------------


def milestones_visible_to(user) -> QuerySet[Milestone]:
    """Deadlines the user may see: those of processes they see in full, and those of the registered records
    (coordination/subjects.py) they may see."""
    if not is_member(user):
        return Milestone.objects.none()
    condition = Q(process__in=processes_visible_to(user))
    for subject in subjects.registered():
        condition |= subjects.within(subject.key, visible(user, subject.model))
    return Milestone.objects.filter(condition)


def notifications_visible_to(user) -> QuerySet[Notification]:
    """The person's notifications about what they may still see: one sent before a grant was revoked or expired
    names a case they no longer may, so it is no longer shown or counted. A notification about a registered
    record (a request) follows the record instead: a provider may be party to a request on a case whose page it
    does not see."""
    about_case = Q(subject_type="") & (Q(case=None) | Q(case__in=cases_visible_to(user)))
    about_record = Q(pk__in=[])
    for subject in subjects.registered():
        about_record |= subjects.within(subject.key, visible(user, subject.model))
    return Notification.objects.filter(about_case | about_record, user=user)


# --- Every kind of object ------------------------------------------------------------------------------

_readable: dict[type[Model], Callable[[object], QuerySet]] = {}


def register_readable(model: type[Model], visible_to: Callable[[object], QuerySet]) -> None:
    """An app's records that people read: `visible_to(user)` is the app's own answer to who may see them."""
    _readable[model] = visible_to


def visible(user, model: type[Model]) -> QuerySet:
    """The objects of this kind the user may see, whatever the kind: one question for every list and check."""
    core: dict[type[Model], Callable[[object], QuerySet]] = {
        Case: cases_visible_to,
        Process: processes_visible_to,
        ChildIdentity: identities_visible_to,
        Milestone: milestones_visible_to,
    }
    return {**core, **_readable}[model](user)


def may_see(user, obj) -> bool:
    return visible(user, type(obj)).filter(pk=obj.pk).exists()

"""Who may see and change what: the one place that answers, for every page, list, feed, e-mail and export.

Each question has two forms that cannot disagree: a queryset filter ("the cases this user may see") and an
object check built on it ("may this user see this case?"). The rules, after DOMAIN.md §4.2:

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
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import kinds
from .models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ChildIdentity,
    ChildIdentityGroupObjectPermission,
    ChildIdentityUserObjectPermission,
    Membership,
    Partnership,
    Process,
    ProcessGroupObjectPermission,
    ProcessUserObjectPermission,
)


def memberships_of(user):
    return Membership.objects.filter(user=user)


def is_member(user) -> bool:
    return user.is_authenticated and user.is_active and memberships_of(user).exists()


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


def partnerships_managed_by(user) -> QuerySet[Partnership]:
    if not user.is_authenticated or not user.is_active:
        return Partnership.objects.none()
    manager_orgs = memberships_of(user).filter(role=Membership.Role.PARTNERSHIP_MANAGER).values("organisation")
    return Partnership.objects.filter(
        Q(local_authority__in=manager_orgs) | Q(icb__in=manager_orgs) | Q(police__in=manager_orgs)
    )


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

"""Who may see and change what. Every view and service asks here, so the answers cannot disagree.

Per-agency grants arrive with the need-to-know work (issue 4); until then any signed-in member of an
organisation may read every case, and only partnership managers of a case's lead partnership may
change it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Case, Membership, Partnership, Process


def _is_member(user) -> bool:
    return user.is_authenticated and user.is_active and user.memberships.exists()


def cases_visible_to(user) -> QuerySet[Case]:
    return Case.objects.all() if _is_member(user) else Case.objects.none()


def processes_visible_to(user) -> QuerySet[Process]:
    return Process.objects.filter(case__in=cases_visible_to(user))


def partnerships_managed_by(user) -> QuerySet[Partnership]:
    if not user.is_authenticated:
        return Partnership.objects.none()
    manager_orgs = Membership.objects.filter(user=user, role=Membership.Role.PARTNERSHIP_MANAGER).values("organisation")
    return Partnership.objects.filter(
        Q(local_authority__in=manager_orgs) | Q(icb__in=manager_orgs) | Q(police__in=manager_orgs)
    )


def may_manage_partnership(user, partnership: Partnership) -> bool:
    return partnerships_managed_by(user).filter(pk=partnership.pk).exists()


def may_manage_case(user, case: Case) -> bool:
    return may_manage_partnership(user, case.partnership)


def require_manage_partnership(user, partnership: Partnership) -> None:
    if not may_manage_partnership(user, partnership):
        raise PermissionDenied("Only a manager of this safeguarding partnership can do that.")


def require_manage_case(user, case: Case) -> None:
    require_manage_partnership(user, case.partnership)

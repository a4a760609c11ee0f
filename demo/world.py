"""The demo world's partnership, organisations and people: one login per role, each with the published password and
second factor, which the README and `seed_demo` list.

Everything here is invented. NHS numbers are in the 999 range, which is never issued to patients.
"""

import base64
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.models import Membership, Organisation, Partnership

DEMO_PASSWORD = "parallel-demo-2026"
# The second factor every demo user has from the start (accounts/two_factor.py): add this secret to an
# authenticator app as a time-based key, or sign in with one of the backup codes (each works once until
# seed_demo is run again).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_BACKUP_CODES = tuple(f"demo-{digit * 6}" for digit in "1234567890")
# The demo's API key, for the README's examples: a read-and-write key of the trust, whose case system answers the
# health-records request overdue there. Published, like the password, so for the demo only; the key is created
# only while `trustadmin` still has the demo password (ensure_demo_api_key).
DEMO_API_PREFIX = "demotrust"
DEMO_API_KEY = f"pk_{DEMO_API_PREFIX}_demo-only-key-published-in-the-README-2026"
DEMO_API_KEY_NAME = "Demo case system (published key: demo only)"
PARTNERSHIP_CODE = "NSCP"
PARTNERSHIP_NAME = "Northshire Safeguarding Children Partnership"

# key: (name, short name, kind)
ORGANISATIONS = {
    "council": ("Northshire County Council", "Northshire CC", Organisation.Kind.LOCAL_AUTHORITY),
    "icb": ("NHS Northshire Integrated Care Board", "Northshire ICB", Organisation.Kind.ICB),
    "police": ("Northshire Police", "Northshire Police", Organisation.Kind.POLICE_FORCE),
    "psd": (
        "Northshire Police Professional Standards Department",
        "Northshire PSD",
        Organisation.Kind.PROFESSIONAL_STANDARDS,
    ),
    "iopc": ("Independent Office for Police Conduct", "IOPC", Organisation.Kind.IOPC),
    "coroner": ("HM Coroner for Northshire", "Northshire Coroner", Organisation.Kind.CORONER),
    "cps": ("Crown Prosecution Service – Northshire", "CPS Northshire", Organisation.Kind.CPS),
    "school": ("Riverside Academy", "Riverside Academy", Organisation.Kind.SCHOOL),
    "trust": (
        "Northshire Hospitals NHS Foundation Trust",
        "Northshire Hospitals",
        Organisation.Kind.HEALTH_PROVIDER,
    ),
}
RELEVANT_AGENCIES = ("school", "trust", "psd", "iopc", "coroner", "cps")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str  # a Membership.Role; blank for the system administrator
    organisation: str  # a key of ORGANISATIONS; blank for the system administrator

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def role_label(self) -> str:
        return Membership.Role(self.role).label if self.role else "System administrator"

    @property
    def organisation_short_name(self) -> str:
        return ORGANISATIONS[self.organisation][1] if self.organisation else "–"


DEMO_LOGINS = (
    DemoLogin("manager", "Helen", "Marsh", Membership.Role.PARTNERSHIP_MANAGER, "council"),
    DemoLogin("agency", "Priya", "Natarajan", Membership.Role.AGENCY_REPRESENTATIVE, "trust"),
    DemoLogin("iopc", "Daniel", "Okafor", Membership.Role.IOPC_INVESTIGATOR, "iopc"),
    DemoLogin("psd", "Sarah", "Whitfield", Membership.Role.PROFESSIONAL_STANDARDS, "psd"),
    DemoLogin("reviewer", "Margaret", "Ellison", Membership.Role.INDEPENDENT_REVIEWER, "council"),
    DemoLogin("coroner", "Thomas", "Berry", Membership.Role.CORONERS_OFFICER, "coroner"),
    DemoLogin("auditor", "Gareth", "Lloyd", Membership.Role.AUDITOR, "council"),
    DemoLogin("trustadmin", "Nia", "Evans", Membership.Role.AGENCY_ADMINISTRATOR, "trust"),
    DemoLogin("admin", "Alex", "Morgan", "", ""),
)


def nhs_number(first_nine: str) -> str:
    """Append the modulus-11 check digit. A check digit of 10 means no valid number has these digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        raise ValueError(f"{first_nine} has no valid NHS number")
    return first_nine + str(0 if check == 11 else check)


def demo_loaded() -> bool:
    return Partnership.objects.filter(code=PARTNERSHIP_CODE).exists()


def ensure_demo_second_factors() -> int:
    """Give each demo user the documented authenticator and backup codes, also in demo databases made before
    the second factor existed; returns how many users were given them. Only users who still have the
    published demo password are touched: their account is as open as the README, so a published second
    factor costs nothing, while a real person who took over a demo username and changed the password is left
    alone. Never run outside seed_demo."""
    if not demo_loaded():
        return 0
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    given = 0
    users = get_user_model().objects.filter(username__in=[login.username for login in DEMO_LOGINS])
    for user in users:
        if not user.check_password(DEMO_PASSWORD):
            continue
        with transaction.atomic():
            TOTPDevice.objects.get_or_create(
                user=user, name="Demo authenticator", defaults={"key": key, "confirmed": True}
            )
            static, _ = StaticDevice.objects.get_or_create(user=user, name="Demo backup codes")
            have = set(static.token_set.values_list("token", flat=True))
            static.token_set.bulk_create(
                static.token_set.model(device=static, token=code) for code in DEMO_BACKUP_CODES if code not in have
            )
        given += 1
    return given


# --- Organisations, partnership and people ---------------------------------------------------------


def build_people() -> tuple:
    orgs = {key: _organisation(name, short, kind) for key, (name, short, kind) in ORGANISATIONS.items()}
    partnership = Partnership.objects.create(
        name=PARTNERSHIP_NAME,
        code=PARTNERSHIP_CODE,
        local_authority=orgs["council"],
        icb=orgs["icb"],
        police=orgs["police"],
    )
    partnership.relevant_agencies.set([orgs[key] for key in RELEVANT_AGENCIES])
    users = {login.username: _user(login, orgs) for login in DEMO_LOGINS}
    return partnership, orgs, users


def _organisation(name: str, short_name: str, kind: str) -> Organisation:
    # An administrator may already have set up real-looking agencies by name; reuse rather than clash.
    org, _ = Organisation.objects.get_or_create(name=name, defaults={"short_name": short_name, "kind": kind})
    if org.group is None:
        org.group, _ = Group.objects.get_or_create(name=name)
        org.save(update_fields=["group"])
    return org


def _user(login: DemoLogin, orgs: dict[str, Organisation]):
    user, created = get_user_model().objects.get_or_create(
        username=login.username,
        defaults={
            "first_name": login.first_name,
            "last_name": login.last_name,
            "email": f"{login.first_name}.{login.last_name}@example.org".lower(),
            "is_staff": not login.role,
            "is_superuser": not login.role,
        },
    )
    if created:  # never reset the password of an account someone already uses
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if login.organisation:
        org = orgs[login.organisation]
        Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": login.role})
        user.groups.add(org.group)
    return user

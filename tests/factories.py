"""factory_boy factories and the small world the tests share."""

import datetime as dt
from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination import clock, grants, services
from coordination.models import Case, Membership, Organisation, Partnership, TimescaleRule
from sharing import deadlines as sharing_deadlines
from sharing import services as sharing_services

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app, enrolled now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the device's app would show now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def verified_login(client, user) -> TOTPDevice:
    """Sign the client in as a user who has given their second factor: force_login, then what
    django_otp.login does on a correct code (the device's persistent id in the session)."""
    client.force_login(user)
    device = authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.OTHER


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Partnership {n}")
    code = factory.Sequence(lambda n: "T" + "".join(chr(65 + int(d)) for d in f"{n:03d}"))
    local_authority = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.LOCAL_AUTHORITY)
    icb = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.ICB)
    police = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.POLICE_FORCE)


def member(organisation: Organisation, role: str, **user_fields):
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def open_case(*, manager, partnership: Partnership, pseudonym: str = "Child Q", **fields) -> Case:
    today = timezone.localdate()
    values = {
        "incident_type": Case.IncidentType.DEATH,
        "incident_date": today - dt.timedelta(days=30),
        "la_aware_date": today - dt.timedelta(days=28),
        "summary": "A fictional incident.",
    }
    values.update(fields)
    return services.case_open(actor=manager, partnership=partnership, pseudonym=pseudonym, **values)


@dataclass
class World:
    partnership: Partnership
    council: Organisation
    outside_agency: Organisation
    manager: object  # partnership manager of the lead partnership
    agency_user: object  # a member of the council who is not a manager
    outsider: object  # a member of an agency not on the case
    case: Case


def build_world() -> World:
    # Transactional tests empty every table afterwards, the seeded national rules included.
    clock.seed_national_rules()
    partnership = PartnershipFactory(code="NSCP")
    council = partnership.local_authority
    outside_agency = OrganisationFactory(name="Elsewhere Police", kind=Organisation.Kind.POLICE_FORCE)
    manager = member(council, Membership.Role.PARTNERSHIP_MANAGER, username="manager")
    agency_user = member(council, Membership.Role.AGENCY_REPRESENTATIVE, username="agency")
    outsider = member(outside_agency, Membership.Role.AGENCY_REPRESENTATIVE, username="outsider")
    case = open_case(manager=manager, partnership=partnership)
    return World(partnership, council, outside_agency, manager, agency_user, outsider, case)


# The details a kind cannot do without (the rest are optional).
REQUIRED_DETAILS = {"iopc_investigation": {"matter_type": "dsi"}}


def add_process(world: World, kind: str, **fields):
    fields.setdefault("owner", world.council)
    fields.setdefault("opened_on", timezone.localdate())
    fields.setdefault("details", REQUIRED_DETAILS.get(kind))
    return services.process_add(actor=world.manager, case=world.case, kind=kind, **fields)


def test_rule(**fields):
    """A national timescale rule of the test's own, so a test does not depend on the seeded ones."""
    values = {
        "code": "T1",
        "process_kind": "serious_incident_notification",
        "milestone": "Test notification",
        "trigger": "case:la_aware_date",
        "trigger_label": "local authority aware",
        "amount": 5,
        "unit": "working_days",
        "force": "statutory_guidance",
        "source": "Working Together 2023 ch.5",
        "verification": "P",
        "effective_from": dt.date(2018, 6, 29),
    }
    values.update(fields)
    return TimescaleRule.objects.create(**values)


test_rule.__test__ = False  # a helper, not a test, despite its name


# --- Information sharing ------------------------------------------------------------------------------

# Everything submitting a request needs (sharing.services.submission_errors), as a requester would fill it in.
COMPLETE_REQUEST = {
    "items_requested": "Children's social care chronology, Jan to Jun 2026: to establish contact before the death.",
    "data_subjects": ["child", "parents_carers"],
    "data_categories": "Social care records; contact notes",
    "purpose_function": "IOPC independent investigation",
    "purpose_question": "What did the force know of the family before the incident?",
    "article6_basis": "e",
    "special_category": "art9",
    "special_category_paragraph": "Sch 1 para 18",
    "necessity_proportionality": "Only the period before the death; no less intrusive source holds it.",
    "consent_position": "not_sought",
    "consent_reason": "Seeking consent could prejudice the investigation.",
    "transparency_position": "not_informed",
    "transparency_reason": "Risk to the investigation; to be reviewed after interviews.",
}


@dataclass
class SharingWorld:
    world: World
    iopc: Organisation
    investigator: object  # an IOPC investigator, granted the case


def build_sharing_world(world: World) -> SharingWorld:
    sharing_deadlines.seed_rules()
    iopc = OrganisationFactory(name="Independent Office for Police Conduct", short_name="IOPC",
                               kind=Organisation.Kind.IOPC)  # fmt: skip
    investigator = member(iopc, Membership.Role.IOPC_INVESTIGATOR, username="investigator")
    grants.grant(actor=world.manager, case=world.case, scope="case", organisation=iopc, reason="IOPC investigation.")
    return SharingWorld(world, iopc, investigator)


def request_notifications(request):
    """The notifications about an information-sharing request (what it is about is a registered record)."""
    from coordination.models import Notification

    return Notification.objects.filter(subject_type=sharing_deadlines.SUBJECT, subject_id=request.pk)


def draft_request(sw: SharingWorld, *, gateways=("ca2004_s16h",), **details):
    return sharing_services.request_create(
        actor=sw.investigator,
        case=sw.world.case,
        requesting_organisation=sw.iopc,
        providing_organisation=sw.world.council,
        details={**COMPLETE_REQUEST, **details},
        gateways=gateways,
    )


def submitted_request(sw: SharingWorld, **details):
    request = draft_request(sw, **details)
    return sharing_services.request_submit(actor=sw.investigator, request=request, version=request.version)


# --- Integrations (integrations/) -----------------------------------------------------------------------------


def webhook_endpoint(organisation: Organisation, *, events=None, url="https://hooks.example.org/parallel", admin=None):
    """An endpoint of the organisation acting as a new API key of its own (issued by an administrator)."""
    from coordination.events import EVENTS
    from integrations import webhook_endpoints
    from integrations.api import keys

    admin = admin or member(organisation, Membership.Role.AGENCY_ADMINISTRATOR)
    api_key, _ = keys.key_create(actor=admin, organisation=organisation, name="Case system", scope="read")
    events = list(EVENTS) if events is None else events
    return webhook_endpoints.endpoint_create(actor=admin, api_key=api_key, url=url, events=events)

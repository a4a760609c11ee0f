"""Each agency's administrators read their own people's part of the audit trail, and nothing else."""

from django.urls import reverse

from coordination import audit
from coordination.models import Membership
from tests.factories import member


def test_an_agency_administrator_sees_only_their_own_peoples_entries(client, world, sign_in):
    admin = member(world.outside_agency, Membership.Role.AGENCY_ADMINISTRATOR, username="policeadmin")
    audit.record(action="download", actor=world.outsider, object_type="test", object_label="outsider's download")
    audit.record(action="download", actor=world.manager, object_type="test", object_label="manager's download")
    sign_in(client, admin)
    page = client.get(reverse("audit")).content.decode()
    assert "outsider&#x27;s download" in page or "outsider's download" in page
    assert "manager&#x27;s download" not in page and "manager's download" not in page
    export = b"".join(client.get(reverse("audit-export")).streaming_content).decode()
    assert "outsider's download" in export and "manager's download" not in export


def test_people_who_are_neither_auditors_nor_agency_administrators_cannot_read_the_trail(client, world, sign_in):
    sign_in(client, world.manager)
    assert client.get(reverse("audit")).status_code == 403

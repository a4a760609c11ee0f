"""The demo's published API key, for the README's examples: a read-and-write key of the trust, whose case system
answers the health-records request overdue there. The key and its name are the demo's (coordination/demo.py), where
the rest of what seed_demo prints is."""

from django.contrib.auth import get_user_model

from coordination.demo import (
    DEMO_API_KEY,
    DEMO_API_KEY_NAME,
    DEMO_API_PREFIX,
    DEMO_PASSWORD,
    ORGANISATIONS,
    demo_loaded,
)
from coordination.models import Organisation

from .api import keys
from .models import ApiKey


def ensure_demo_api_key() -> bool:
    """Give the demo trust its published API key, if the demo is loaded, the key is not there yet, and the trust's
    administrator still has the demo password (as for the demo's second factors). Never run outside seed_demo."""
    admin = get_user_model().objects.filter(username="trustadmin").first()
    if not demo_loaded() or admin is None or not admin.check_password(DEMO_PASSWORD):
        return False
    if ApiKey.objects.filter(prefix=DEMO_API_PREFIX).exists():
        return False
    trust = Organisation.objects.get(name=ORGANISATIONS["trust"][0])
    keys.key_create(actor=admin, organisation=trust, name=DEMO_API_KEY_NAME, scope=ApiKey.Scope.READ_WRITE,
                    prefix=DEMO_API_PREFIX, secret=DEMO_API_KEY.split("_", 2)[2])  # fmt: skip
    return True


def demo_step(*, orgs, users) -> None:
    """As a step of loading the demo (coordination.demo.add_step): the key, once the trust and its people exist."""
    ensure_demo_api_key()

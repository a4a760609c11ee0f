"""The demo's published API key, for the README's examples: a read-and-write key of the trust, whose case system
answers the health-records request overdue there. The key and its name are the demo world's (demo/world.py), with
the rest of what seed_demo prints."""

from django.contrib.auth import get_user_model

from coordination.models import Organisation
from integrations.api import keys
from integrations.models import ApiKey

from .world import (
    DEMO_API_KEY,
    DEMO_API_KEY_NAME,
    DEMO_API_PREFIX,
    DEMO_PASSWORD,
    ORGANISATIONS,
    demo_loaded,
)


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

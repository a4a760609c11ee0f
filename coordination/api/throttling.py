"""Throttling per API key (per person for a session): API_THROTTLE_RATE requests in a period, counted in the
cache (Redis when REDIS_URL is set, so all web workers share the count). Over the rate answers 429 with
Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import api_key_of


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE  # read each time, so a test (or a reload) may change it

    def get_cache_key(self, request, view):
        api_key = api_key_of(request)
        if api_key is not None:
            ident = f"key-{api_key.prefix}"  # the prefix, not the id: ids are reused by a fresh test database
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

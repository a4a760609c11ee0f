"""Throttling per API key (per person for a session): API_THROTTLE_RATE requests in a period, counted in the
cache (Redis when REDIS_URL is set, so all web workers share the count). Over the rate answers 429 with
Retry-After.

Redis going down must not take the API down with it: while the shared cache does not answer, each process counts
in its own memory (so the limit holds per process, a little looser overall) and says so once in the log; it tries
Redis again every RETRY_SECONDS and says so when it answers again.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from .permissions import api_key_of

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30


class SharedOrLocalCache:
    """The shared cache while it answers; this process's own memory while it does not."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self._local = LocMemCache(f"throttle-fallback-{alias}", {})
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout=None):
        return self._call("set", key, value, timeout)

    def _call(self, method: str, *args):
        if not self._down or time.monotonic() >= self._retry_at:
            try:
                result = getattr(caches[self.alias], method)(*args)
            except (RedisError, OSError) as error:
                self._went_down(error)
            else:
                self._came_back()
                return result
        return getattr(self._local, method)(*args)

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if not self._down:
                self._down = True
                logger.warning("The cache does not answer (%s): counting API requests in each process's memory "
                               "until it does", error)  # fmt: skip

    def _came_back(self) -> None:
        if self._down:
            with self._lock:
                if self._down:
                    self._down = False
                    logger.warning("The cache answers again: counting API requests in it")


_cache = SharedOrLocalCache()


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api"
    cache = _cache

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

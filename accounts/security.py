"""Account security applied to every request: session limits, the second factor, and no caching.

Each middleware is small on purpose; settings.py lists them in order after django-otp's OTPMiddleware,
which gives `request.user.is_verified()`.
"""

import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device

# Pages a signed-in user may reach before giving their second factor: signing in and out, enrolling and
# verifying, the health check, and the calendar feed (a calendar client proves itself by its secret token).
# Every other page, the Django admin included, sends them to the second-factor step first.
SECOND_FACTOR_EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "two-factor-setup",
        "two-factor-verify",
        "healthz",
        "calendar-feed",
    }
)

API_PREFIX = "/api/"
SIGNED_IN_AT = "signed_in_at"  # session keys, seconds since the epoch
LAST_ACTIVITY = "last_activity"


def is_api(request) -> bool:
    """A request to the REST API, which answers in JSON: never redirected to a sign-in page."""
    return request.path.startswith(API_PREFIX)


def _to_login(request, message: str):
    logout(request)
    messages.info(request, message)
    return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")


def _minutes(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}" if seconds < 3600 else f"{seconds // 3600} hours"


class SessionTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_SECONDS, and any session older than SESSION_COOKIE_AGE.

    Noting the last activity changes the session, and Django re-saves a changed session with a fresh
    SESSION_COOKIE_AGE, which would make the lifetime slide. So on the first request after sign-in the
    session's expiry is fixed to a date (set_expiry with a datetime), and the sign-in time is checked here
    as well in case a cookie outlives it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.get(SIGNED_IN_AT)
            last_activity = request.session.get(LAST_ACTIVITY, now)
            if signed_in_at is None:
                signed_in_at = now
                request.session[SIGNED_IN_AT] = now
                request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
            message = ""
            if now - signed_in_at > settings.SESSION_COOKIE_AGE:
                age = _minutes(settings.SESSION_COOKIE_AGE)
                message = f"You were signed out because you signed in more than {age} ago."
            elif now - last_activity > settings.SESSION_IDLE_SECONDS:
                idle = _minutes(settings.SESSION_IDLE_SECONDS)
                message = f"You were signed out after {idle} without activity."
            if message and is_api(request):
                logout(request)
                return self.get_response(request)  # signed out: the API answers 401, not a redirect to a form
            if message:
                return _to_login(request, message)
            request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Until a signed-in user has given a code from their authenticator (or a backup code) in this session,
    send them to enrol a device (if they have none) or to give a code, then back where they were going."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in SECOND_FACTOR_EXEMPT_URL_NAMES:
            return None
        if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return None
        if is_api(request):
            return None  # the API refuses an unverified session itself, with a 401 problem (integrations/api/)
        step = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (and friends) on every response to a signed-in user.

    Every signed-in page may show case data, so this is done once here rather than per view: a new view can
    not forget it, and a shared computer's browser cache or a proxy keeps no copy of OFFICIAL-SENSITIVE pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def client_ip_address(request) -> str | None:
    """The address django-axes counts failures against. Behind a trusted TLS proxy (SECURE_PROXY_SSL_HEADER is
    set only then) it is the last X-Forwarded-For entry, the one that proxy appended; otherwise REMOTE_ADDR."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers a locked-out sign-in with: the sign-in page saying why and for how long,
    rather than a bare error page. 429 Too Many Requests, as axes itself would send."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)

"""Who is calling: an organisation's case system by its key, or a person by their signed-in session.

A key comes as `Authorization: Bearer pk_…`. A request that names a key is judged by that key alone: a wrong,
revoked or expired key answers 401 even if a session cookie came too. A session counts only once its second
factor has been given (accounts/security.py leaves /api/ to this module rather than redirecting to the
second-factor page, so a script gets a 401 problem, not an HTML page); unsafe methods then need the CSRF token,
as in the browser.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from integrations.models import ApiKey

from . import keys

KEYWORD = "Bearer"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None  # no key: perhaps a session
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as `Authorization: Bearer pk_…`.")
        plaintext = header[1]
        parts = keys.split_key(plaintext)
        api_key = None
        if parts is not None:
            api_key = ApiKey.objects.select_related("user", "organisation").filter(prefix=parts[0]).first()
        if api_key is None or not keys.matches(api_key, plaintext):
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        now = timezone.now()
        refusal = keys.refusal(api_key, now=now)
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        keys.note_use(api_key, now=now)
        return api_key.user, api_key

    def authenticate_header(self, request):
        # Makes an unauthenticated request answer 401 (with this challenge) rather than 403.
        return f'{KEYWORD} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, once the second factor has been given in it."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active or not user.is_authenticated:
            return None
        if not (hasattr(user, "is_verified") and user.is_verified()):
            return None
        self.enforce_csrf(request)
        return user, None


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the schema describes a key: HTTP bearer."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pk_<prefix>_<secret>"}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """A signed-in browser session (with the CSRF token on changes)."""

    target_class = VerifiedSessionAuthentication
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

"""What a caller may do at all: be signed in (by key or verified session), and write only with a read-write key.
Which objects they may see or change is the access layer's answer, applied by each view's queryset and service."""

from rest_framework import permissions

from integrations.models import ApiKey


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ApiAccess(permissions.BasePermission):
    message = "This API key may only read: ask your organisation's administrator for a read-and-write key."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        api_key = api_key_of(request)
        if api_key is None or request.method in permissions.SAFE_METHODS:
            return True
        return api_key.scope == ApiKey.Scope.READ_WRITE

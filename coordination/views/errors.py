"""The portal's own answer to an error it did not expect: never Django's technical page (settings, traceback).

People get templates/500.html; the API's clients get a problem document, as for every other API error. The error
itself is logged by Django (django.request) for the operators.
"""

from django.http import JsonResponse
from django.views import defaults

from ..problems import CONTENT_TYPE, TYPE_PREFIX


def server_error(request):
    if request.path.startswith("/api/"):
        body = {
            "type": TYPE_PREFIX + "server-error",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "Parallel could not finish this request; the error has been logged. Read the object again "
            "before retrying a change (a retry with the same Idempotency-Key is never applied twice).",
        }
        return JsonResponse(body, status=500, content_type=CONTENT_TYPE)
    return defaults.server_error(request)

"""/api/v1/: one path per object and per action, named api-…, so tests/test_authorisation_matrix.py can fill
each one in and check that an organisation without access gets 404 from every one of them. The core's resources
are here; each app's are in its own URLconf, included from what it registered."""

from django.urls import include, path, re_path, register_converter
from django.urls.converters import IntConverter
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from coordination import extensions

from .views import cases, milestones, notifications, organisations, processes


class IdConverter(IntConverter):
    """An id: at most 18 digits, so a number too big for the database is a 404, not an overflow."""

    regex = "[0-9]{1,18}"


register_converter(IdConverter, "id")


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, rest=""):
    """Any other address under /api/v1/: a problem document, not the portal's HTML 404 page."""
    raise exceptions.NotFound("There is nothing at this address. The API's operations are listed at /api/v1/docs/.")


urlpatterns = [
    # The OpenAPI 3 schema (committed as docs/openapi.yaml) and its interactive documentation: Swagger UI from the
    # sidecar's static files (Redoc is left out: it injects <style> elements our Content-Security-Policy refuses).
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Cases and processes.
    path("cases/", cases.CaseList.as_view(), name="api-case-list"),
    path("cases/<str:reference>/", cases.CaseDetail.as_view(), name="api-case-detail"),
    path("processes/", processes.ProcessList.as_view(), name="api-process-list"),
    path("processes/<id:pk>/", processes.ProcessDetail.as_view(), name="api-process-detail"),
    path("processes/<id:pk>/move/", processes.ProcessMove.as_view(), name="api-process-move"),
    path("processes/<id:pk>/pause/", processes.ProcessPause.as_view(), name="api-process-pause"),
    path("processes/<id:pk>/resume/", processes.ProcessResume.as_view(), name="api-process-resume"),
    # Deadlines.
    path("milestones/", milestones.MilestoneList.as_view(), name="api-milestone-list"),
    path("milestones/<id:pk>/", milestones.MilestoneDetail.as_view(), name="api-milestone-detail"),
    path("milestones/<id:pk>/complete/", milestones.MilestoneComplete.as_view(), name="api-milestone-complete"),
    path("milestones/<id:pk>/extend/", milestones.MilestoneExtend.as_view(), name="api-milestone-extend"),
    path(
        "milestones/<id:pk>/correct-trigger/",
        milestones.MilestoneCorrectTrigger.as_view(),
        name="api-milestone-correct-trigger",
    ),
    # Organisations and the caller's notifications.
    path("organisations/", organisations.OrganisationList.as_view(), name="api-organisation-list"),
    path("organisations/<id:pk>/", organisations.OrganisationDetail.as_view(), name="api-organisation-detail"),
    path("notifications/", notifications.NotificationList.as_view(), name="api-notification-list"),
    path("notifications/<id:pk>/read/", notifications.NotificationRead.as_view(), name="api-notification-read"),
    # The apps' own resources (coordination/extensions.py), e.g. information-sharing requests and documents.
    *[path("", include(module)) for module in extensions.api_urls()],
    re_path(r"^(?P<rest>.*)$", not_found, name="api-not-found"),
]  # fmt: skip

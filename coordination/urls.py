from django.contrib import admin
from django.urls import include, path

from . import extensions
from .views import (
    access,
    audit,
    calendar,
    cases,
    dashboard,
    health,
    milestones,
    notifications,
    processes,
    relationships,
    summaries,
    timescales,
)

urlpatterns = [
    path("", dashboard.deadlines, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("cases/", cases.case_list, name="case-list"),
    path("cases/new/", cases.case_open, name="case-open"),
    path("cases/<str:reference>/", cases.case_detail, name="case-detail"),
    path("cases/<str:reference>/close/", cases.case_close, name="case-close"),
    path("cases/<str:reference>/dates/", cases.case_dates, name="case-dates"),
    path("cases/<str:reference>/identity/", cases.case_identity, name="case-identity"),
    path("cases/<str:reference>/access/", access.case_access, name="case-access"),
    path("cases/<str:reference>/access/revoke/", access.case_access_revoke, name="case-access-revoke"),
    path("cases/<str:reference>/processes/new/", processes.process_add, name="process-add"),
    path("cases/<str:reference>/processes/<int:pk>/", processes.process_detail, name="process-detail"),
    path("cases/<str:reference>/processes/<int:pk>/move/", processes.process_move, name="process-move"),
    path("cases/<str:reference>/processes/<int:pk>/pause/", processes.process_pause, name="process-pause"),
    path("cases/<str:reference>/processes/<int:pk>/resume/", processes.process_resume, name="process-resume"),
    path("cases/<str:reference>/processes/<int:pk>/events/new/", processes.process_event, name="process-event"),
    path("cases/<str:reference>/processes/<int:pk>/details/", processes.process_details, name="process-details"),
    path(
        "cases/<str:reference>/milestones/<int:pk>/<str:action>/",
        milestones.milestone_action,
        name="milestone-action",
    ),
    path(
        "cases/<str:reference>/relationships/new/",
        relationships.relationship_record,
        name="relationship-record",
    ),
    path(
        "cases/<str:reference>/relationships/<int:pk>/end/",
        relationships.relationship_end,
        name="relationship-end",
    ),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path("timescales/", timescales.timescales, name="timescales"),
    path("timescales/new/", timescales.local_rule_add, name="timescale-add"),
    path("timescales/choose/", timescales.alternative_choose, name="timescale-choose"),
    path("timescales/closures/", timescales.closure_add, name="closure-add"),
    path("admin/", admin.site.urls),
]

# Calendar feed: the settings page, and the secret address calendar clients fetch without signing in.
urlpatterns += [
    path("calendar/", calendar.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
]

# The audit trail, for auditors.
urlpatterns += [
    path("audit/", audit.audit_list, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit-export"),
]

# The apps' own pages (coordination/extensions.py), e.g. signing in, information sharing between agencies, and the
# REST API with the keys and webhooks agency case systems connect with.
urlpatterns += [path("", include(module)) for module in extensions.web_urls()]

# PDF summaries (coordination/summaries/): ask for one, follow its progress, download it (the requester only).
urlpatterns += [
    path("cases/<str:reference>/summaries/new/", summaries.case_summary_request, name="case-summary-request"),
    path("summaries/<slug:kind>/new/", summaries.organisation_summary_request, name="organisation-summary-request"),
    path("summaries/<int:summary_pk>/status/", summaries.summary_status, name="summary-status"),
    path("summaries/<int:summary_pk>/download/", summaries.summary_download, name="summary-download"),
]

# An unexpected error: the portal's own page, or a problem document under /api/ (coordination/views/errors.py).
handler500 = "coordination.views.errors.server_error"

from django.urls import path

from .views import access, documents, registers, requests

urlpatterns = [
    # Registers: the organisation's inbox and outbox, its whole register, and each case's.
    path("sharing/inbox/", registers.inbox, name="sharing-inbox"),
    path("sharing/outbox/", registers.outbox, name="sharing-outbox"),
    path("sharing/register/", registers.organisation_register, name="sharing-register"),
    path("sharing/register.csv", registers.organisation_register_export, name="sharing-register-export"),
    path("cases/<str:reference>/sharing/", registers.case_register, name="case-sharing-register"),
    path("cases/<str:reference>/sharing.csv", registers.case_register_export, name="case-sharing-export"),
    # One request and its workflow.
    path("cases/<str:reference>/sharing/new/", requests.request_new, name="sharing-request-new"),
    path("sharing/requests/<str:request_ref>/", requests.request_detail, name="sharing-request-detail"),
    path("sharing/requests/<str:request_ref>/edit/", requests.request_edit, name="sharing-request-edit"),
    path("sharing/requests/<str:request_ref>/decide/", requests.request_decide, name="sharing-request-decide"),
    path("sharing/requests/<str:request_ref>/disclose/", requests.disclosure_new, name="sharing-disclosure-new"),
    path(
        "sharing/requests/<str:request_ref>/disclosures/<int:pk>/acknowledge/",
        requests.disclosure_acknowledge,
        name="sharing-disclosure-acknowledge",
    ),
    path("sharing/requests/<str:request_ref>/access/", access.request_access, name="sharing-request-access"),
    path(
        "sharing/requests/<str:request_ref>/access/revoke/",
        access.request_access_revoke,
        name="sharing-request-access-revoke",
    ),
    path("sharing/requests/<str:request_ref>/<str:action>/", requests.request_action, name="sharing-request-action"),
    # Documents: on a case, a process or a request; every download is access-checked and audited.
    path("cases/<str:reference>/documents/", documents.case_documents, name="case-documents"),
    path("cases/<str:reference>/documents/new/", documents.document_upload, name="document-upload"),
    path("documents/<int:document_pk>/", documents.document_detail, name="document-detail"),
    path("documents/<int:document_pk>/versions/new/", documents.version_upload, name="document-version-upload"),
    path(
        "documents/<int:document_pk>/versions/<int:number>/download/",
        documents.version_download,
        name="document-download",
    ),
]

"""This app's part of /api/v1/ (integrations/api/urls.py includes it): requests and documents, named api-… so the
authorisation matrix fills each one in and checks that an organisation without access gets 404 from every one."""

from django.urls import path

from . import documents, requests

urlpatterns = [
    # Information-sharing requests.
    path("sharing-requests/", requests.SharingRequestList.as_view(), name="api-sharing-request-list"),
    path("sharing-requests/<str:request_ref>/", requests.SharingRequestDetail.as_view(),
         name="api-sharing-request-detail"),
    path("sharing-requests/<str:request_ref>/submit/", requests.SharingRequestSubmit.as_view(),
         name="api-sharing-request-submit"),
    path("sharing-requests/<str:request_ref>/acknowledge/", requests.SharingRequestAcknowledge.as_view(),
         name="api-sharing-request-acknowledge"),
    path("sharing-requests/<str:request_ref>/consider/", requests.SharingRequestConsider.as_view(),
         name="api-sharing-request-consider"),
    path("sharing-requests/<str:request_ref>/decide/", requests.SharingRequestDecide.as_view(),
         name="api-sharing-request-decide"),
    path("sharing-requests/<str:request_ref>/disclose/", requests.SharingRequestDisclose.as_view(),
         name="api-sharing-request-disclose"),
    path("sharing-requests/<str:request_ref>/close/", requests.SharingRequestClose.as_view(),
         name="api-sharing-request-close"),
    path("sharing-requests/<str:request_ref>/withdraw/", requests.SharingRequestWithdraw.as_view(),
         name="api-sharing-request-withdraw"),
    # Documents.
    path("documents/", documents.DocumentList.as_view(), name="api-document-list"),
    path("documents/<id:document_pk>/", documents.DocumentDetail.as_view(), name="api-document-detail"),
    path("documents/<id:document_pk>/versions/", documents.DocumentVersionUpload.as_view(),
         name="api-document-version-upload"),
    path("documents/<id:document_pk>/versions/<id:number>/download/", documents.DocumentDownload.as_view(),
         name="api-document-download"),
]  # fmt: skip

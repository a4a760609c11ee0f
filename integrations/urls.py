"""The integrations app's addresses, included by the core's URLconf (registered in integrations/apps.py)."""

from django.urls import include, path

from .views import keys, webhooks

# The REST API (integrations/api/), and its API keys, managed by each organisation's administrators.
urlpatterns = [
    path("api/v1/", include("integrations.api.urls")),
    path("integrations/", keys.integrations, name="integrations"),
    path("integrations/keys/<int:key_pk>/revoke/", keys.key_revoke, name="integration-key-revoke"),
]

# Webhook endpoints, for an organisation's administrators (integrations/views/webhooks.py).
urlpatterns += [
    path("integrations/webhooks/", webhooks.webhook_list, name="webhook-list"),
    path("integrations/webhooks/new/", webhooks.webhook_add, name="webhook-add"),
    path("integrations/webhooks/<int:endpoint_pk>/", webhooks.webhook_detail, name="webhook-detail"),
    path("integrations/webhooks/<int:endpoint_pk>/enable/", webhooks.webhook_enable, name="webhook-enable"),
    path("integrations/webhooks/<int:endpoint_pk>/disable/", webhooks.webhook_disable, name="webhook-disable"),
    path(
        "integrations/webhooks/<int:endpoint_pk>/secret/",
        webhooks.webhook_rotate_secret,
        name="webhook-rotate-secret",
    ),
]

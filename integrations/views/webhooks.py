"""Webhook endpoints, for the organisation's administrators: register, enable and disable, re-key, and read the
delivery log. Another organisation's endpoint is a 404; the pages themselves are no secret (403 to others)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coordination.events import EVENTS
from coordination.forms import run_service

from .. import webhook_delivery, webhook_endpoints
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50
Pending, Failed = WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address", max_length=500, assume_scheme="https",
        help_text="Where Parallel sends each event, by POST: an https address of your case system.",
    )  # fmt: skip
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events to send", choices=lambda: list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    api_key = forms.ModelChoiceField(
        label="Acts as the API key",
        queryset=None,
        help_text="Events go only where this key may read what they are about; your system then fetches the "
        "details through the API with the same key.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_key"].queryset = webhook_endpoints.keys_for_endpoints(user)
        self.fields["api_key"].label_from_instance = lambda key: f"{key.name} ({key.prefix}…, {key.organisation})"


def _require_manager(user) -> None:
    if not webhook_endpoints.may_manage_webhooks(user):
        raise PermissionDenied("Only an organisation's administrators manage its webhooks.")


def _endpoint(request, endpoint_pk: int) -> WebhookEndpoint:
    return get_object_or_404(webhook_endpoints.endpoints_managed_by(request.user).select_related("api_key"),
                             pk=endpoint_pk)  # fmt: skip


@login_required
def webhook_list(request):
    _require_manager(request.user)
    endpoints = (
        webhook_endpoints.endpoints_managed_by(request.user)
        .select_related("organisation", "api_key")
        .annotate(pending=Count("deliveries", filter=Q(deliveries__status=Pending)),
                  failed=Count("deliveries", filter=Q(deliveries__status=Failed)))
        .order_by("organisation__name", "url")
    )  # fmt: skip
    return render(request, "integrations/webhooks.html",
                  {"endpoints": endpoints, "timeout": webhook_delivery.timeout_seconds()})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def webhook_add(request):
    _require_manager(request.user)
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        endpoint = run_service(form, lambda: webhook_endpoints.endpoint_create(
            actor=request.user, api_key=data["api_key"], url=data["url"], events=data["events"],
            description=data["description"], request=request,
        ))  # fmt: skip
        if endpoint:
            # The secret is shown in this answer only (signed-in pages are never cached), not kept in the session.
            return render(request, "integrations/webhook_secret.html", {"endpoint": endpoint, "new": True})
    return render(request, "integrations/webhook_form.html", {"form": form})


@login_required
def webhook_detail(request, endpoint_pk: int):
    endpoint = _endpoint(request, endpoint_pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-id").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "id"))
    )[:RECENT_DELIVERIES]
    pending = endpoint.deliveries.filter(status=Pending).count()
    events = [EVENTS.get(event, event) for event in endpoint.events]
    return render(request, "integrations/webhook_detail.html",
                  {"endpoint": endpoint, "deliveries": deliveries, "pending": pending, "events": events})  # fmt: skip


@login_required
@require_POST
def webhook_enable(request, endpoint_pk: int):
    endpoint = webhook_endpoints.endpoint_enable(actor=request.user, endpoint=_endpoint(request, endpoint_pk),
                                                 request=request)  # fmt: skip
    messages.success(request, "The endpoint is enabled. Deliveries that waited are sent within a minute.")
    return redirect("webhook-detail", endpoint_pk=endpoint.pk)


@login_required
@require_POST
def webhook_disable(request, endpoint_pk: int):
    endpoint = webhook_endpoints.endpoint_disable(actor=request.user, endpoint=_endpoint(request, endpoint_pk),
                                                  request=request)  # fmt: skip
    messages.success(request, "The endpoint is disabled. New events wait for it, unsent, until you enable it.")
    return redirect("webhook-detail", endpoint_pk=endpoint.pk)


@login_required
@require_POST
def webhook_rotate_secret(request, endpoint_pk: int):
    endpoint = webhook_endpoints.endpoint_rotate_secret(
        actor=request.user, endpoint=_endpoint(request, endpoint_pk), request=request
    )
    return render(request, "integrations/webhook_secret.html", {"endpoint": endpoint, "new": False})

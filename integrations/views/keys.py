"""API keys, for an organisation's administrators: the organisation's keys, issuing one (shown once), revoking
one. Another organisation's key is a 404; the page itself is no secret (403 to people who administer nothing).
Webhook endpoints, which act as these keys, are managed from here too (integrations/views/webhooks.py)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from coordination.forms import date_field, run_service

from ..api import keys
from ..models import ApiKey


class KeyForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Organisation", empty_label=None)
    name = forms.CharField(
        label="Name", max_length=100, help_text="Which system will use it, e.g. “Force case management”."
    )
    scope = forms.ChoiceField(
        label="What it may do", choices=ApiKey.Scope.choices, initial=ApiKey.Scope.READ, widget=forms.RadioSelect,
        help_text="Read only, unless the system must also act: move requests on, upload documents.",
    )  # fmt: skip
    expires_on = date_field(
        "Expires on", required=False, help_text="It stops working at the end of this day. Leave empty for no expiry."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = keys.administered_organisations(user)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"].widget = forms.HiddenInput()

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _require_administrator(user) -> None:
    if not keys.administered_organisations(user).exists():
        raise PermissionDenied("Only an organisation's administrators manage its API keys.")


@login_required
@require_http_methods(["GET", "POST"])
def integrations(request):
    _require_administrator(request.user)
    form = KeyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = run_service(form, lambda: keys.key_create(
            actor=request.user, organisation=data["organisation"], name=data["name"], scope=data["scope"],
            expires_at=form.expires_at(),
        ))  # fmt: skip
        if issued:
            api_key, plaintext = issued
            # Rendered, not redirected: the key is never put in a URL, a message or the session.
            return render(request, "integrations/key_created.html", {"api_key": api_key, "plaintext": plaintext})
    api_keys = keys.keys_managed_by(request.user).select_related("organisation", "created_by", "revoked_by")
    return render(request, "integrations/keys.html", {"api_keys": api_keys, "form": form, "now": timezone.now()})


@login_required
@require_POST
def key_revoke(request, key_pk):
    api_key = get_object_or_404(keys.keys_managed_by(request.user), pk=key_pk)
    try:
        keys.key_revoke(actor=request.user, api_key=api_key)
    except ValidationError as error:  # already revoked: say so
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Key {api_key.prefix}… revoked: it stopped working at once.")
    return redirect("integrations")

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coordination import access as core_access
from coordination.forms import date_field, run_service
from coordination.models import Organisation

from .. import access, grants
from ..models import SharingRequest


class RequestGrantForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all(), label="Show it to")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why do they need to see it?")
    expires_on = date_field("Access ends after", required=False, help_text="Leave empty for no end date.")


def _managed_request(user, request_ref: str) -> SharingRequest:
    """The request, if the user may see it and manages its case's partnership; 404 otherwise, as for anyone
    who may not see it, so that nothing about it leaks."""
    request = access.requests_visible_to(user).select_related("case").filter(reference=request_ref).first()
    if request is None or not core_access.may_manage_case(user, request.case):
        raise Http404
    return request


@login_required
@require_http_methods(["GET", "POST"])
def request_access(request, request_ref):
    """Who besides the two parties and the partnership's managers may see the request; grant and revoke."""
    sharing_request = _managed_request(request.user, request_ref)
    form = RequestGrantForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            form, lambda: grants.request_grant(actor=request.user, request=sharing_request, **form.cleaned_data)
        )
    ):
        messages.success(request, f"{form.cleaned_data['organisation'].display_name} can now see the request.")
        return redirect("sharing-request-access", request_ref=sharing_request.reference)
    context = {"sharing_request": sharing_request, "form": form, "grants": grants.grants_on(sharing_request)}
    return render(request, "sharing/request_access.html", context)


@login_required
@require_POST
def request_access_revoke(request, request_ref):
    sharing_request = _managed_request(request.user, request_ref)
    try:
        grants.request_revoke(actor=request.user, request=sharing_request, grant_id=int(request.POST.get("grant", 0)))
        messages.success(request, "Access revoked.")
    except (ValueError, grants.ValidationError):
        messages.error(request, "That grant no longer exists.")
    return redirect("sharing-request-access", request_ref=sharing_request.reference)

"""The second step of signing in: enrol an authenticator app the first time, give a code every time after."""

import django_otp
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device

from .. import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """First sign-in: scan the QR code (or type the secret), give a code to confirm, then see the backup codes
    once. Someone who already has a confirmed device gives a code from it instead."""
    if user_has_device(request.user):
        return redirect(_next_url(request) if request.user.is_verified() else "two-factor-verify")
    device = two_factor.pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = two_factor.authenticator_confirm(user=request.user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            django_otp.login(request, device)
            # Rendered in the answer to the POST, not stored: the codes exist in readable form only here.
            return render(
                request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)}
            )
        form.add_error("code", "That code did not match. Enter the 6-digit code your app shows now.")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "secret": two_factor.base32_secret(device),
            "qr_svg": mark_safe(two_factor.qr_code_svg(device)),  # drawn by qrcode from our own data
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(request.user):
        return redirect("two-factor-setup")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        wait = two_factor.verify(request, form.cleaned_data["code"])
        if wait is None:
            return redirect(_next_url(request))
        if wait:
            plural = "s" if wait != 1 else ""
            form.add_error(
                "code", f"Too many wrong codes. Wait {wait} second{plural}, then enter the code your app shows."
            )
        else:
            form.add_error("code", "That code did not match, or it has been used. Try the code your app shows now.")
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})

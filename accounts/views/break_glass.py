from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods

from coordination import audit
from coordination.forms import run_service

from .. import break_glass


class BreakGlassForm(forms.Form):
    reference = forms.CharField(max_length=30, label="Case reference", help_text="For example NSCP-2026-014.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why must you act on this case now?",
        help_text=f"At least {break_glass.MIN_REASON_LENGTH} characters. It is kept with the grant and sent to "
        "the partnership's managers.",
    )
    confirm = forms.BooleanField(
        label="I understand that this is recorded, that the partnership's managers are told at once, and that "
        "they may ask me to account for it."
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass_open(request):
    """Emergency access to a case not granted to you: a typed reason, a time limit, the audit trail."""
    break_glass.require_may_break_glass(request.user)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            form,
            lambda: break_glass.break_glass(
                actor=request.user,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
                request=request,
            ),
        )
        if outcome is None and "reference" in form.errors:
            # Nothing was opened, but someone trying references must still leave a trace.
            audit.record(
                action="break_glass", actor=request.user, object_type="coordination.case",
                object_label=form.data.get("reference", "").strip()[:30],
                changes={"outcome": ["", "refused: no such case"]}, request=request,
            )  # fmt: skip
        if outcome:
            if outcome.opened:
                until = formats.date_format(timezone.localtime(outcome.expires_at), "H:i \\o\\n j M Y")
                messages.warning(
                    request,
                    f"You have emergency access to {outcome.case.reference} until {until}. "
                    "It is recorded and the partnership's managers have been told.",
                )
            return redirect("case-detail", reference=outcome.case.reference)
    return render(request, "break_glass.html", {"form": form, "minutes": settings.BREAK_GLASS_MINUTES})

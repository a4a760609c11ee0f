from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, grants, selectors
from ..forms import GrantForm, run_service


@login_required
@require_http_methods(["GET", "POST"])
def case_access(request, reference):
    """Who can see the case, its processes and the child's identity; grant and revoke."""
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    form = GrantForm(request.POST or None, case=case, scopes=grants.SCOPE_LABELS)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: grants.grant(actor=request.user, case=case, **form.cleaned_data))
    ):
        messages.success(request, "Access granted.")
        return redirect("case-access", reference=case.reference)
    return render(request, "cases/access.html", {"case": case, "form": form, "grants": grants.grants_on(case)})


@login_required
@require_POST
def case_access_revoke(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    try:
        grants.revoke(
            actor=request.user,
            case=case,
            scope=request.POST.get("scope", ""),
            grant_id=int(request.POST.get("grant", 0)),
            to_group=request.POST.get("to") == "group",
        )
        messages.success(request, "Access revoked.")
    except (KeyError, ValueError, grants.ValidationError):
        messages.error(request, "That grant no longer exists.")
    return redirect("case-access", reference=case.reference)

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, kinds, rules, subjects
from ..forms import ClosureDayForm, LocalRuleForm, run_service
from ..models import ClosureDay, Partnership, RuleChoice, TimescaleRule


def _managed_partnership(request) -> Partnership | None:
    managed = access.partnerships_managed_by(request.user)
    code = request.GET.get("partnership") or request.POST.get("partnership")
    return (managed.filter(code=code) if code else managed).order_by("name").first()


def _applies_to(rule: TimescaleRule) -> str:
    """What a rule's milestones belong to, in words: a kind of process, or a registered subject (e.g. requests)."""
    if rule.subject_type != subjects.PROCESS:
        return dict(subjects.choices()).get(rule.subject_type, rule.subject_type)
    return kinds.get(rule.process_kind).label if kinds.exists(rule.process_kind) else rule.process_kind


@login_required
def timescales(request):
    """Every rule the clock applies, with its source; a partnership manager also sees and changes their own."""
    partnership = _managed_partnership(request)
    all_rules = rules.rules_of(partnership) if partnership else rules.rules_of(None)
    chosen = (
        dict(RuleChoice.objects.filter(partnership=partnership).values_list("alternative_group", "rule_id"))
        if partnership
        else {}
    )
    by_kind = [(label, list(group)) for label, group in groupby(all_rules, key=_applies_to)]
    alternatives = {}
    for rule in all_rules:
        if rule.alternative_group and not rule.edition_of:  # choosing a rule chooses its earlier editions too
            alternatives.setdefault(rule.alternative_group, []).append(rule)
    # Alternatives that start on the same trigger differ in how long they give, not in when they start.
    same_start = {group: len({rule.trigger for rule in members}) == 1 for group, members in alternatives.items()}
    in_use = {
        group: chosen.get(group) or next((r.pk for r in members if r.default_alternative), None)
        for group, members in alternatives.items()
    }
    return render(
        request,
        "timescales/list.html",
        {
            "partnership": partnership,
            "by_kind": by_kind,
            "alternatives": [
                (group, members, in_use[group], same_start[group]) for group, members in alternatives.items()
            ],
            "closures": ClosureDay.objects.filter(partnership__in=[partnership, None] if partnership else [None]),
            "closure_form": ClosureDayForm(),
            "kinds": kinds.all_kinds(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def local_rule_add(request):
    partnership = _managed_partnership(request)
    if partnership is None:
        raise PermissionDenied("Only a partnership manager can add a local rule.")
    kind_key = request.POST.get("process_kind") or request.GET.get("kind")
    if not kind_key or not kinds.exists(kind_key):
        return redirect("timescales")
    kind = kinds.get(kind_key)
    form = LocalRuleForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        rule = run_service(
            form,
            lambda: rules.local_rule_add(
                actor=request.user, partnership=partnership, process_kind=kind.key, **form.cleaned_data
            ),
        )
        if rule:
            messages.success(request, f"Local rule {rule.code} added; processes under way now show its deadline.")
            return redirect("timescales")
    return render(request, "timescales/rule_form.html", {"form": form, "kind": kind, "partnership": partnership})


@login_required
@require_POST
def alternative_choose(request):
    partnership = _managed_partnership(request)
    if partnership is None:
        raise PermissionDenied("Only a partnership manager can choose between rules.")
    rule = get_object_or_404(TimescaleRule, pk=request.POST.get("rule"), alternative_group__gt="")
    rules.alternative_choose(actor=request.user, partnership=partnership, rule=rule)
    messages.success(
        request, f"{partnership.code} now follows {rule.code}: {rule.milestone} from {rule.trigger_label}."
    )
    return redirect("timescales")


@login_required
@require_POST
def closure_add(request):
    partnership = _managed_partnership(request)
    if partnership is None:
        raise PermissionDenied("Only a partnership manager can add closure days.")
    form = ClosureDayForm(request.POST)
    if form.is_valid() and run_service(
        form, lambda: rules.closure_day_add(actor=request.user, partnership=partnership, **form.cleaned_data)
    ):
        messages.success(request, "Closure day added; deadlines counted from now on skip it.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("timescales")

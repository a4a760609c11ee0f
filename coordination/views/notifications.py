from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import access, subjects

NOTIFICATIONS_SHOWN = 100


@login_required
def notification_list(request):
    notifications = access.notifications_visible_to(request.user).select_related("case", "milestone")
    notifications = subjects.attach(notifications[:NOTIFICATIONS_SHOWN])
    return render(request, "notifications.html", {"notifications": notifications})


@login_required
@require_POST
def notifications_read(request):
    request.user.notifications.filter(read_at=None).update(read_at=timezone.now())
    return redirect("notifications")

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import audit
from .. import calendar_feed as feeds
from ..models import CalendarFeed

FILENAME = "parallel-deadlines.ics"


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
def calendar_feed(request, token):
    """The feed a calendar client subscribes to. Calendar clients cannot sign in: the secret token in the
    address is the credential, so an unknown or revoked token, or a deactivated user, gets a plain 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar")
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    # Calendar clients fetch every hour or so; each fetch is a download of deadlines, so it is audited.
    audit.record(action="download", actor=feed.user, obj=feed, object_label="calendar feed", request=request)
    response = HttpResponse(
        feeds.calendar_for(feed.user, site_url=_site_url(request)), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'inline; filename="{FILENAME}"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    if request.method == "POST":
        feed = feeds.revoke(request.user)
        audit.record(action="change", actor=request.user, obj=feed, object_label="calendar feed",
                     changes={"address": ["revoked", "new"]}, request=request)  # fmt: skip
        messages.success(
            request, "Your old calendar address no longer works. Subscribe to the new one below in your calendar."
        )
        return redirect("calendar-settings")
    feed = feeds.feed_for(request.user)
    return render(
        request,
        "calendar/feed_settings.html",
        {
            "feed": feed,
            "feed_url": request.build_absolute_uri(reverse("calendar-feed", args=[feed.token])),
        },
    )

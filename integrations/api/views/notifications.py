"""The caller's own notifications, about what they may still see, newest last (follow `next`)."""

from django.utils import timezone

from coordination import access

from ..serializers.notifications import NotificationSerializer
from .base import ApiView, ListView, flag, query_parameter


def own_notifications(user):
    return access.notifications_visible_to(user).select_related("case")


class NotificationList(ListView):
    serializer_class = NotificationSerializer
    cursor_field = "created_at"
    query_parameters = [query_parameter("unread", "true: only those not yet read.", enum=["true", "false"])]

    def get_queryset(self):
        return own_notifications(self.request.user)

    def filter_list(self, queryset):
        unread = flag(self.request, "unread")
        if unread is not None:
            queryset = queryset.filter(read_at=None) if unread else queryset.exclude(read_at=None)
        return queryset


class NotificationRead(ApiView):
    """Mark it read. Doing it twice changes nothing, so no If-Match is needed."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return own_notifications(self.request.user)

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return self.represent(notification)

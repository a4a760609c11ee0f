"""The caller's own notifications (for a key, those of its user: the requests and deadlines it takes part in)."""

from rest_framework import serializers

from coordination.models import Notification

from .common import AttachingListSerializer, SubjectField


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    subject = SubjectField(help_text="The record it is about, if any (e.g. a sharing request).")

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "case", "subject", "milestone", "created_at", "read_at"]
        read_only_fields = fields
        list_serializer_class = AttachingListSerializer

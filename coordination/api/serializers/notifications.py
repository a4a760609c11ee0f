"""The caller's own notifications (for a key, those of its user: the requests and deadlines it takes part in)."""

from rest_framework import serializers

from coordination.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    sharing_request = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "case", "sharing_request", "milestone", "created_at", "read_at"]
        read_only_fields = fields

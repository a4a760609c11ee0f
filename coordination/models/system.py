"""The running system itself."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the heartbeat task (scheduled by beat): shows the background side is alive."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from ..models import WorkerHeartbeat


def healthz(request):
    """For load balancers and docker health checks: the database answers, and when a worker last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    return JsonResponse(
        {
            "database": "ok",
            "worker_last_seen": last.seen_at.isoformat() if last else None,
            "time": timezone.now().isoformat(),
        }
    )

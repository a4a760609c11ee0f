"""/healthz, for load balancers, orchestrators and docker health checks.

200 when the database, the broker and the cache all answer; 503 "degraded" naming what does not, so an
orchestrator sees a broken dependency. The pages go on working without the broker and the cache (work waits in
the database, the API counts its rate in memory), which is why this says "degraded" and not "down".
"""

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from redis.exceptions import RedisError

from .. import broker
from ..models import WorkerHeartbeat


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _cache() -> bool:
    if not settings.REDIS_URL:
        return True  # each process's own memory: nothing to be unreachable
    try:
        caches["default"].get("healthz")
    except (RedisError, OSError):
        return False
    return True


def healthz(request):
    checks = {"database": _database(), "broker": broker.reachable(), "cache": _cache()}
    failing = [name for name, ok in checks.items() if not ok]
    body = {
        "status": f"degraded: {'/'.join(failing)} unreachable" if failing else "ok",
        **{name: "ok" if ok else "unreachable" for name, ok in checks.items()},
        "worker_last_seen": None,
        "time": timezone.now().isoformat(),
    }
    if checks["database"]:
        last = WorkerHeartbeat.objects.order_by("-seen_at").first()
        body["worker_last_seen"] = last.seen_at.isoformat() if last else None
    return JsonResponse(body, status=503 if failing else 200)

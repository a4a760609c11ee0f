"""Sending work to the Celery broker from a web request, and asking whether the broker answers.

A web request never waits on a broker that is down: one attempt, a one-second connection timeout, no retries.
That is safe because nothing lives only in the broker: each piece of work is a database row first (a PDF summary
stays queued, a reminder is worked out from the milestones), and a beat-scheduled sweep sends again whatever was
not sent, once the broker is back.
"""

import logging

from .celery import app

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0
# kombu's redis transport: the socket's own timeouts, and no reconnecting loop before giving up.
_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": TIMEOUT_SECONDS,
    "socket_timeout": TIMEOUT_SECONDS,
}


def _connection():
    options = {**app.conf.broker_transport_options, **_TRANSPORT_OPTIONS}
    return app.connection_for_write(connect_timeout=TIMEOUT_SECONDS, transport_options=options)


def send_now(task, *, args: list, queue: str) -> bool:
    """Publish `task` once, within about a second. False (and a log line) if the broker did not take it."""
    try:
        with _connection() as connection:
            task.apply_async(args=args, queue=queue, connection=connection, retry=False, ignore_result=True)
    except Exception as error:  # kombu raises OperationalError, but a broken transport may raise anything
        logger.warning("Could not send %s%s to the %s queue (%s); the sweep sends it later", task.name, args, queue,
                       error)  # fmt: skip
        return False
    return True


def reachable() -> bool:
    """Whether the broker accepts a connection within about a second."""
    try:
        with _connection() as connection:
            connection.ensure_connection(max_retries=0, timeout=TIMEOUT_SECONDS)
    except Exception:
        return False
    return True

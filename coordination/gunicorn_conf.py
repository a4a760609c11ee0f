"""gunicorn's settings, for `make run` and the `web` service of docker-compose.yml.

Threads in a few worker processes: the portal's requests wait on the database far more than they compute, so
threads give concurrency cheaply, and the processes use the cores. One process that crashes is replaced by the
gunicorn master without dropping the others' connections.
"""

import os

# WEB_CONCURRENCY is gunicorn's own variable; one process per core suits this workload (2 on a 2-core machine).
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = int(os.environ.get("WEB_THREADS", "4"))
# Connections waiting for a thread queue here instead of being reset under a burst.
backlog = 2048
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # a request still running after this is killed, and logged
graceful_timeout = 10
# No access log: calendar feed addresses carry their secret in the path. Log at the TLS proxy, masking them.
accesslog = None
errorlog = "-"
# Preload so that a broken settings module stops the server at once with its error, rather than every worker
# failing in a loop.
preload_app = True

# Parallel: one image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

# The code runs from /app (PYTHONPATH), not from site-packages: settings.py finds templates/ and var/
# beside the packages (BASE_DIR), and the wheel that `pip install .` builds carries neither templates/
# nor the apps' static/ directories.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

RUN useradd --system --create-home --home-dir /home/parallel --uid 10001 --user-group parallel

COPY . /app
# Installs the dependencies from pyproject.toml (and the project's packages, which /app shadows).
RUN pip install . && rm -rf /app/build /app/*.egg-info

# DEBUG=False selects the manifest storage; settings refuse to load without a SECRET_KEY, so this one
# line gets a dummy key that never reaches the image's environment. VAR_DIR points at a throw-away
# directory so that importing settings leaves nothing root-owned in /app/var.
RUN DEBUG=False SECRET_KEY=build-only-dummy-key-for-collectstatic VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown parallel:parallel /app/var

USER parallel
EXPOSE 8000

CMD ["gunicorn", "coordination.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

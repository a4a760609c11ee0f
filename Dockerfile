# Parallel: one image for the web server, the Celery workers and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN useradd --system --create-home --home-dir /home/parallel --uid 10001 --user-group parallel

# Pango and HarfBuzz for WeasyPrint, which renders the PDF summaries; the fonts are the project's own
# (coordination/static/coordination/fonts), so the image needs none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

COPY . /app
# An editable install: the code runs from /app, where settings.py finds templates/ and var/ beside the
# packages, as it does in a checkout (`make run` installs the same way). The s3 extra lets DOCUMENT_STORAGE=s3
# keep documents in S3-compatible storage without rebuilding.
RUN pip install -e '.[s3]'

# DEBUG=False selects the manifest storage; settings refuse to load without a SECRET_KEY, so this one
# line gets a dummy key that never reaches the image's environment. VAR_DIR points at a throw-away
# directory so that importing settings leaves nothing root-owned in /app/var.
RUN DEBUG=False SECRET_KEY=build-only-dummy-key-for-collectstatic VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var /app/documents \
    && chown parallel:parallel /app/var /app/documents

USER parallel
EXPOSE 8000

CMD ["gunicorn", "coordination.wsgi:application", "--config=python:coordination.gunicorn_conf", "--bind=0.0.0.0:8000"]

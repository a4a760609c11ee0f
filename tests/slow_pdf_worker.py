"""A test-only pdf worker: Celery's own command line, with every render blocking for SLOW_PDF_SECONDS first.

Run as `python -m tests.slow_pdf_worker -A coordination worker ...` (the repository root on the path). In each pool
process the WeasyPrint step (render.html_to_pdf) sleeps before it starts, so a render stays under way, in one
blocking call as a real long render would, for as long as a test needs to watch its lease being renewed and to
kill the worker mid-render.
"""

import os
import sys
import time

from celery import signals


@signals.worker_process_init.connect
def _slow_down(**kwargs):
    import django

    django.setup()  # already done by Celery's Django fixup in the parent; cheap and certain here
    from coordination.summaries import render

    real = render.html_to_pdf
    delay = float(os.environ.get("SLOW_PDF_SECONDS", "30"))

    def slow(html):
        time.sleep(delay)
        return real(html)

    render.html_to_pdf = slow


if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv[0] = "celery"
    main()

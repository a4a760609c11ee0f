"""A test-only e-mail backend: Django's file backend, slowed down and observable from outside the process.

A worker started by a test selects it with EMAIL_BACKEND=tests.slow_mail_backend.EmailBackend (the repository
root is on the worker's path). Before each message it appends the recipients to `sending.log` next to the
mail directory, then sleeps SLOW_MAIL_SECONDS (default 1) before writing the message to its own file. A test
can so tell when a send has begun, and kill the worker while it is under way, before the message is written.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("SLOW_MAIL_SECONDS", "1"))
        started = Path(self.file_path).parent / "sending.log"
        for message in email_messages:
            with started.open("a") as log:
                log.write(",".join(message.to) + "\n")
            time.sleep(delay)
        return super().send_messages(email_messages)

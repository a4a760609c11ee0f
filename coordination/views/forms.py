"""Running a service from a form: errors the service raises land on the form, which keeps what was typed."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError


def run_service(form: forms.Form, service: Callable[[], object]):
    """Call the service; on a ValidationError put its messages on the form and return None."""
    try:
        return service()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.error_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error)
        return None

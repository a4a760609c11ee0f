"""Reading a large queryset a batch at a time, for background runs (reminders, e-mails, webhooks)."""

from collections.abc import Callable, Iterator

from django.db.models import Q, QuerySet


def by_id(queryset: QuerySet, *, size: int, each: Callable[[], Q] | None = None) -> Iterator[list]:
    """The queryset's rows in id order, `size` at a time. Each batch is a fresh query for ids after the last one,
    so memory stays flat and a row changed by the work done on an earlier batch is never read twice; `each`, if
    given, is a filter worked out again for every batch (e.g. one that depends on the time)."""
    last_id = 0
    while True:
        rows = queryset.filter(pk__gt=last_id)
        if each is not None:
            rows = rows.filter(each())
        batch = list(rows.order_by("pk")[:size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        last_id = batch[-1].pk

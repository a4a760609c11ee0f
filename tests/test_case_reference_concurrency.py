"""Two cases opened at the same moment never get the same reference (real PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from coordination.models import Case
from tests.factories import open_case

OPENERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cases_opened_at_once_get_distinct_consecutive_references(world):
    barrier = threading.Barrier(OPENERS)
    references, errors = [], []

    def open_one(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
            references.append(case.reference)
        except Exception as error:  # noqa: BLE001 - collected and reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    year = world.case.year
    # The world's case is 001; the eight opened together are 002 to 009, each exactly once.
    assert sorted(references) == [f"NSCP-{year}-{n:03d}" for n in range(2, OPENERS + 2)]
    assert Case.objects.count() == OPENERS + 1

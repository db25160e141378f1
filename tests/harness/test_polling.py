"""harness.polling.poll: the value that met the condition, or the last one seen at the deadline."""

import itertools

from harness.polling import poll


def test_poll_returns_the_first_value_that_meets_the_condition():
    counter = itertools.count(1)
    assert poll(lambda: next(counter), lambda n: n == 3, timeout_s=5) == 3
    assert next(counter) == 4  # no probe after the one that met it


def test_poll_returns_the_last_value_once_the_deadline_has_passed():
    counter = itertools.count(1)
    last = poll(lambda: next(counter), lambda n: False, timeout_s=0.12)
    assert last >= 2  # probed again before giving up
    assert next(counter) == last + 1

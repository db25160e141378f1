"""A failing suite for tests/ci/test_mutate_errors.py: mutate must refuse to measure against it."""


def test_always_fails():
    assert 1 + 1 == 3

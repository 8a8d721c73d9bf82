"""Fixtures of the test suite (the root ``conftest.py`` holds the settings
shared with the doctests)."""

import pytest


@pytest.fixture
def parallel_kernels(monkeypatch):
    """Parallel kernels start their threads whatever the size of the input.

    A parallel kernel runs on one thread when a call's work is below
    ``skvariance._kernels._config.SMALL_WORK``; the tests that compare
    thread counts (or record them) use this fixture so that their small
    inputs still run on every thread the rule gives.
    """
    from skvariance._kernels import _config

    monkeypatch.setattr(_config, "SMALL_WORK", 0)

"""Mutation tests of the package's thread rule (issue 17).

``skvariance._config.compiled_n_threads`` is every core the process may use,
capped by numba's ``NUMBA_NUM_THREADS``, by the OpenMP limit the calling
thread sees (``threadpoolctl`` / ``OMP_NUM_THREADS``, read by
``skvariance.utils._sklearn_compat.openmp_thread_limit``; ``None``: no cap)
and by ``set_config(max_threads=...)``;
``skvariance._kernels._config._threaded`` runs a parallel kernel on that many
threads (never more than the caller's own numba setting) and restores the
caller's setting afterwards. The references are the rule written out here on
machine sizes set by the test.
"""

import joblib
import numba
import numpy as np
import pytest

import skvariance
from skvariance import _config
from skvariance._config import compiled_n_threads
from skvariance._kernels._config import _threaded
from skvariance.utils import _sklearn_compat


@pytest.mark.parametrize(
    "cores, numba_max, cap, openmp, expected",
    [
        (8, 8, -1, None, 8),  # every core
        (4, 8, -1, None, 4),  # fewer cores than numba's ceiling
        (8, 2, -1, None, 2),  # numba's ceiling (a joblib worker's share)
        (8, 8, 3, None, 3),  # the package cap
        (8, 8, 1, None, 1),
        (2, 8, 5, None, 2),  # a cap above the cores changes nothing
        (8, 2, 5, None, 2),  # nor one above numba's ceiling
        (0, 8, -1, None, 1),  # never fewer than one thread
        (8, 8, -1, 3, 3),  # the OpenMP limit (threadpoolctl, OMP_NUM_THREADS)
        (8, 8, -1, 1, 1),
        (4, 8, -1, 6, 4),  # an OpenMP limit above the cores changes nothing
        (8, 2, -1, 6, 2),  # nor one above numba's ceiling
        (8, 8, 2, 5, 2),  # the smallest of the package cap and the limit
        (8, 8, 5, 2, 2),
    ],
)
def test_compiled_n_threads_is_the_smallest_of_cores_ceiling_and_cap(
    monkeypatch, cores, numba_max, cap, openmp, expected
):
    monkeypatch.setattr(_config, "_process_cpu_count", lambda: cores)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", numba_max)
    monkeypatch.setattr(_sklearn_compat, "openmp_thread_limit", lambda: openmp)
    with skvariance.config_context(max_threads=cap):
        n = compiled_n_threads()
    assert n == expected and type(n) is int


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0, ValueError, r"^max_threads must be a positive int or -1 \(every core\), "),
        (-2, ValueError, r"^max_threads must be a positive int or -1 \(every core\), "),
        (True, TypeError, r"^max_threads must be a positive int or -1, got bool\.$"),
        (2.0, TypeError, r"^max_threads must be a positive int or -1, got float\.$"),
        ("1", TypeError, r"^max_threads must be a positive int or -1, got str\.$"),
    ],
)
def test_bad_max_threads_is_refused_with_its_message(value, error, message):
    with pytest.raises(error, match=message):
        skvariance.set_config(max_threads=value)
    assert skvariance.get_config()["max_threads"] == -1


def test_valid_max_threads_are_stored_as_int():
    with skvariance.config_context(max_threads=np.int64(1)):
        assert type(skvariance.get_config()["max_threads"]) is int
        assert skvariance.get_config()["max_threads"] == 1
    with skvariance.config_context(max_threads=-1):
        assert skvariance.get_config()["max_threads"] == -1


class _Recorder:
    """Stands for a numba dispatcher: records the threads it ran on."""

    def __init__(self, fail=False):
        self.seen = []
        self.fail = fail

    def py_func(self, *args):  # what functools.wraps copies
        """The kernel's docstring."""

    def __call__(self, *args):
        self.seen.append((numba.get_num_threads(), args))
        if self.fail:
            raise RuntimeError("kernel failed")
        return sum(args)


needs_two = pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads"
)


@needs_two
@pytest.mark.usefixtures("parallel_kernels")
def test_threaded_kernel_runs_on_the_rule_and_restores_the_setting():
    rec = _Recorder()
    call = _threaded(rec)
    assert call.dispatcher is rec and call.__doc__ == "The kernel's docstring."
    before = numba.get_num_threads()
    with skvariance.config_context(max_threads=1):
        assert call(1, 2, 3) == 6
    assert rec.seen == [(1, (1, 2, 3))]
    assert numba.get_num_threads() == before
    with skvariance.config_context(max_threads=-1):
        call(4)
    assert rec.seen[-1] == (min(compiled_n_threads(), before), (4,))


@needs_two
@pytest.mark.usefixtures("parallel_kernels")
def test_threaded_kernel_honours_a_lower_setting_of_the_caller():
    rec = _Recorder()
    call = _threaded(rec)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with skvariance.config_context(max_threads=2):
            call(0)  # the cap is higher than the caller's setting
        assert rec.seen == [(1, (0,))]
        assert numba.get_num_threads() == 1  # left as the caller set it
    finally:
        numba.set_num_threads(before)


@needs_two
@pytest.mark.usefixtures("parallel_kernels")
def test_threaded_kernel_restores_the_setting_when_it_raises():
    call = _threaded(_Recorder(fail=True))
    before = numba.get_num_threads()
    with skvariance.config_context(max_threads=1):
        with pytest.raises(RuntimeError, match="^kernel failed$"):
            call(1)
    assert numba.get_num_threads() == before


def test_a_small_call_does_not_read_the_rule(monkeypatch):
    # below SMALL_WORK a call runs on one thread whatever the rule says, so
    # the rule is not read at all
    from skvariance._kernels._config import SMALL_WORK

    reads = []
    monkeypatch.setattr(_config, "_process_cpu_count", lambda: reads.append(1) or 2)
    rec = _Recorder()
    call = _threaded(rec)
    call(np.zeros(SMALL_WORK - 1))
    assert reads == [] and rec.seen[-1][0] == 1
    call(np.zeros(SMALL_WORK))
    assert reads == [1]


def test_the_cores_are_counted_once_per_process(monkeypatch):
    # joblib.cpu_count reads the cgroup files (~50 us a call): the rule,
    # read around every parallel kernel call, counts the cores once
    calls = []
    monkeypatch.setattr(_config, "_cpu_count", [])
    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: calls.append(1) or 3)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 8)
    monkeypatch.setattr(_sklearn_compat, "openmp_thread_limit", lambda: None)
    assert [compiled_n_threads() for _ in range(3)] == [3, 3, 3]
    assert calls == [1]

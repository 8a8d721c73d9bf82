"""Mutation tests of the body of monotonize (input checks, methods, threads).

References by hand: rows sorted / pooled by hand, error messages in full,
the kernel's thread count recorded from ``numba.set_num_threads``.
"""

import re

import joblib
import numba
import numpy as np
import pytest

import skvariance
from skvariance.quantile import monotonize

Q = np.array([[3.0, 1.0, 2.0, 5.0], [0.0, 4.0, 4.0, 1.0]])


@pytest.mark.parametrize(
    "value, what",
    [(np.nan, "NaN"), (np.inf, "infinity or a value too large for dtype('float64')")],
)
@pytest.mark.parametrize("method", [None, "sort", "isotonic"])
def test_non_finite_quantiles_are_refused_by_name(value, what, method):
    q = Q.copy()
    q[1, 2] = value
    msg = f"Input y_quantiles contains {what}."
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        monotonize(q, method)


def test_integer_input_gives_floats_by_hand():
    q = [[3, 1, 2], [0, 5, 4]]
    out = monotonize(q, "sort")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]])
    out = monotonize(q, "isotonic")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[2.0, 2.0, 2.0], [0.0, 4.5, 4.5]])


def test_methods_by_hand_row_by_row():
    out = monotonize(Q, None)
    np.testing.assert_array_equal(out, Q)
    out[0, 0] = -1.0  # a copy
    assert Q[0, 0] == 3.0
    np.testing.assert_array_equal(
        monotonize(Q, "sort"), [[1.0, 2.0, 3.0, 5.0], [0.0, 1.0, 4.0, 4.0]]
    )
    np.testing.assert_array_equal(
        monotonize(Q, "isotonic"), [[2.0, 2.0, 2.0, 5.0], [0.0, 3.0, 3.0, 3.0]]
    )


@pytest.mark.usefixtures("parallel_kernels")
def test_isotonic_kernel_runs_on_the_package_threads_and_restores_them(monkeypatch):
    calls = []
    original = numba.set_num_threads

    def record(n):
        calls.append(n)
        original(n)

    monkeypatch.setattr(numba, "set_num_threads", record)
    before = numba.get_num_threads()
    expected = np.array([[2.0, 2.0, 2.0, 5.0], [0.0, 3.0, 3.0, 3.0]])
    # a compiled loop: every core whatever n_jobs says, capped by max_threads
    every_core = min(joblib.cpu_count(), numba.config.NUMBA_NUM_THREADS)
    for n_jobs, cap, threads in [(1, -1, every_core), (2, -1, every_core), (2, 1, 1)]:
        calls.clear()
        with skvariance.config_context(max_threads=cap):
            np.testing.assert_array_equal(
                monotonize(Q, "isotonic", n_jobs=n_jobs), expected
            )
        assert calls == [threads, before]
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        monotonize(Q, "isotonic", n_jobs=0)
    assert numba.get_num_threads() == before

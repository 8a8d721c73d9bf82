import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skvariance.utils.parallel import aligned, fit_estimator


def _misaligned(X, shift):
    """A copy of ``X`` whose data start ``shift`` bytes past a 64-byte boundary."""
    buffer = np.empty(X.nbytes + 128, dtype=np.uint8)
    start = (-buffer.ctypes.data) % 64 + shift
    out = buffer[start : start + X.nbytes].view(X.dtype).reshape(X.shape)
    out[...] = X
    return out


@pytest.mark.parametrize("shift", [8, 16, 27, 3])
def test_fit_is_identical_whatever_the_alignment_of_the_input(shift):
    # A Dask worker received X at 27 bytes past a 64-byte boundary (not even
    # aligned to float64): scikit-learn's LogisticRegression then differed in
    # the last bit from the caller's fit.
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    reference = fit_estimator(LogisticRegression(), _misaligned(X, 0), y)
    shifted = _misaligned(X, shift)
    assert shifted.ctypes.data % 64 == shift
    got = fit_estimator(LogisticRegression(), shifted, y)
    np.testing.assert_array_equal(got.coef_, reference.coef_)
    np.testing.assert_array_equal(got.predict_proba(X), reference.predict_proba(X))


def test_aligned_keeps_values_order_and_leaves_aligned_arrays_alone():
    X = np.asfortranarray(np.arange(30.0).reshape(5, 6))
    shifted = _misaligned(X, 8)
    shifted = np.asfortranarray(shifted)
    out = aligned(_misaligned(np.ascontiguousarray(X), 8))
    assert out.ctypes.data % 64 == 0 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, X)
    F = aligned(X[:, 1:])
    assert F.ctypes.data % 64 == 0 and F.flags.f_contiguous
    np.testing.assert_array_equal(F, X[:, 1:])
    ok = aligned(out)
    assert ok is out
    assert aligned(None) is None
    labels = np.array(["a", None, "b"], dtype=object)[1:]
    assert aligned(labels) is labels
    strings = _misaligned(np.array(["ab", "cd", "ef"]), 3)
    np.testing.assert_array_equal(aligned(strings), ["ab", "cd", "ef"])
    assert aligned([1, 2]) == [1, 2]

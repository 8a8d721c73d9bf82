"""monotonize: sorting and isotonic regression across levels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skvariance.metrics import pinball_loss, weighted_interval_score
from skvariance.quantile import monotonize


def _levels(n):
    return np.linspace(0.5 / n, 1 - 0.5 / n, n)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    n_levels=st.integers(2, 9),
    n_samples=st.integers(1, 6),
    method=st.sampled_from(["sort", "isotonic"]),
)
def test_never_increases_wis_for_any_target(data, n_levels, n_samples, method):
    """Fakoor et al.: sorting and isotonic never raise WIS, pointwise in y."""
    q = data.draw(arrays(np.float64, (n_samples, n_levels), elements=finite))
    y = data.draw(arrays(np.float64, (n_samples,), elements=finite))
    levels = _levels(n_levels)
    fixed = monotonize(q, method)
    assert np.all(np.diff(fixed, axis=1) >= 0)
    before = pinball_loss(y, q, levels, multioutput="raw_values")
    after = pinball_loss(y, fixed, levels, multioutput="raw_values")
    # summed over levels, sample by sample
    for i in range(n_samples):
        b = pinball_loss(y[[i]], q[[i]], levels)
        a = pinball_loss(y[[i]], fixed[[i]], levels)
        assert a <= b + 1e-9 * (1 + abs(b))
    assert after.sum() <= before.sum() + 1e-9 * (1 + abs(before.sum()))


def test_random_crossing_predictions_improve_strictly_somewhere():
    rng = np.random.default_rng(0)
    levels = _levels(7)
    q = rng.normal(size=(300, 7))  # independent columns: heavy crossing
    y = rng.normal(size=300)
    base = weighted_interval_score(y, q, levels)
    for method in ("sort", "isotonic"):
        fixed = monotonize(q, method)
        assert np.all(np.diff(fixed, axis=1) >= 0)
        assert weighted_interval_score(y, fixed, levels) < base


def test_methods_on_a_known_row():
    q = [[1.0, 3.0, 2.0, 0.0]]
    np.testing.assert_array_equal(monotonize(q, "sort"), [[0.0, 1.0, 2.0, 3.0]])
    np.testing.assert_allclose(monotonize(q, "isotonic"), [[1.0, 5 / 3, 5 / 3, 5 / 3]])
    np.testing.assert_array_equal(monotonize(q, None), q)


def test_input_not_mutated():
    q = np.array([[2.0, 1.0]])
    monotonize(q, "isotonic")
    monotonize(q, "sort")
    np.testing.assert_array_equal(q, [[2.0, 1.0]])


@pytest.mark.parametrize("bad", [[[np.nan, 1.0]], [[np.inf, 1.0]], [1.0, 2.0]])
def test_bad_input(bad):
    with pytest.raises(ValueError, match="y_quantiles|2D"):
        monotonize(bad)


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        monotonize([[1.0, 2.0]], "median")


def test_n_jobs_does_not_change_the_result():
    q = np.random.default_rng(0).normal(size=(2000, 9))
    np.testing.assert_array_equal(
        monotonize(q, "isotonic", n_jobs=1), monotonize(q, "isotonic", n_jobs=2)
    )
    with pytest.raises(ValueError, match="n_jobs == 0"):
        monotonize(q, "isotonic", n_jobs=0)

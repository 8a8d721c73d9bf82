import numpy as np
import pytest
from sklearn.metrics import mean_pinball_loss

from skvariance.metrics import (
    coverage_score,
    interval_score,
    mean_interval_width,
    pinball_loss,
    weighted_interval_score,
)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    y = rng.normal(size=200)
    levels = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    q = np.sort(rng.normal(size=(200, levels.size)), axis=1)
    w = rng.uniform(0.5, 2.0, size=200)
    return y, q, levels, w


def test_pinball_matches_sklearn_per_level(data):
    y, q, levels, w = data
    raw = pinball_loss(y, q, levels, sample_weight=w, multioutput="raw_values")
    for k, tau in enumerate(levels):
        expected = mean_pinball_loss(y, q[:, k], alpha=tau, sample_weight=w)
        assert raw[k] == pytest.approx(expected)
    assert pinball_loss(y, q, levels, sample_weight=w) == pytest.approx(raw.mean())


def test_wis_equals_interval_score_definition(data):
    y, q, levels, _ = data
    # K = 3 central intervals (alpha = 0.1, 0.2, 0.5) plus the median
    median = q[:, 3]
    total = 0.5 * np.abs(y - median)
    for lo, hi in [(0, 6), (1, 5), (2, 4)]:
        alpha = 2 * levels[lo]
        total = total + alpha / 2 * interval_score(
            y, q[:, lo], q[:, hi], alpha, multioutput="raw_values"
        )
    expected = np.mean(total / (3 + 0.5))
    assert weighted_interval_score(y, q, levels) == pytest.approx(expected)


def test_interval_coverage_width(data):
    y, _, _, w = data
    lo, hi = y - 1.0, y + 1.0
    lo[:50] = y[:50] + 0.5  # the first 50 intervals lie above their target
    hi[:50] = y[:50] + 2.0
    assert coverage_score(y, lo, hi) == pytest.approx(0.75)
    assert mean_interval_width(lo, hi) == pytest.approx((150 * 2.0 + 50 * 1.5) / 200)
    # each miss costs width + (2 / alpha) * distance
    raw = interval_score(y, lo, hi, 0.2, multioutput="raw_values")
    np.testing.assert_allclose(raw[:50], 1.5 + 10 * 0.5)
    np.testing.assert_allclose(raw[50:], 2.0)
    assert interval_score(y, lo, hi, 0.2, sample_weight=w) == pytest.approx(
        np.average(raw, weights=w)
    )


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pinball_loss([1.0, 2.0], [[1.0], [2.0]], [0.5, 0.6]), "shape"),
        (lambda: pinball_loss([1.0], [[1.0, 2.0]], [0.6, 0.5]), "increasing"),
        (lambda: pinball_loss([np.nan], [[1.0]], [0.5]), "y_true"),
        (lambda: pinball_loss([1.0], [[np.inf]], [0.5]), "y_quantiles"),
        (
            lambda: pinball_loss([1.0], [[1.0]], [0.5], multioutput="x"),
            "multioutput",
        ),
        (lambda: interval_score([0.0], [1.0], [0.0], 0.1), "crossed"),
        (lambda: interval_score([0.0], [0.0], [1.0], 1.5), "alpha"),
        (lambda: coverage_score([0.0, 1.0], [0.0], [1.0]), "rows"),
        (lambda: mean_interval_width([], []), "empty"),
        (
            lambda: coverage_score([0.0], [0.0], [1.0], sample_weight=[-1.0]),
            "sample_weight",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()

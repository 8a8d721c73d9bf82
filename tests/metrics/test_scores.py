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
        (lambda: pinball_loss([1.0], [[np.nan]], [0.5]), "y_quantiles contains NaN"),
        (lambda: pinball_loss([np.inf], [[1.0]], [0.5]), "y_true"),
        (lambda: interval_score([0.0], [np.nan], [1.0], 0.1), "lower contains NaN"),
        (lambda: coverage_score([0.0], [0.0], [np.nan]), "upper contains NaN"),
        (lambda: mean_interval_width([np.inf], [np.inf]), r"lower contains \+inf"),
        (lambda: coverage_score([0.0], [-np.inf], [-np.inf]), "upper contains -inf"),
        (lambda: interval_score([np.inf], [0.0], [np.inf], 0.1), "y_true"),
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


# -- infinite bounds: the documented rule, against values computed by hand -----
# rows: covered; above a finite upper under lower=-inf; (-inf, inf);
# inside [4, inf); below a finite lower under upper=+inf.
Y_INF = np.array([0.0, 3.0, -2.0, 5.0, 3.0])
LO_INF = np.array([-1.0, -np.inf, -np.inf, 4.0, 4.0])
HI_INF = np.array([1.0, 1.0, np.inf, np.inf, np.inf])


def test_coverage_counts_an_infinite_bound_as_covering():
    # rows 0, 2, 3 covered; row 1 above its upper 1, row 4 below its lower 4
    assert coverage_score(Y_INF, LO_INF, HI_INF) == 3 / 5
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    assert coverage_score(Y_INF, LO_INF, HI_INF, sample_weight=w) == 3 / 4
    assert coverage_score([7.0], [-np.inf], [np.inf]) == 1.0
    assert coverage_score([7.0], [-np.inf], [6.0]) == 0.0


def test_width_and_interval_score_are_plus_inf():
    assert mean_interval_width(LO_INF, HI_INF) == np.inf
    raw = interval_score(Y_INF, LO_INF, HI_INF, 0.5, multioutput="raw_values")
    # no NaN from (lo - y) * 0 with lo = -inf: the width alone, +inf
    np.testing.assert_array_equal(raw, [2.0, np.inf, np.inf, np.inf, np.inf])
    assert interval_score(Y_INF, LO_INF, HI_INF, 0.5) == np.inf
    # a row of weight 0 counts for nothing, even when it is infinite
    w = np.array([3.0, 0.0, 0.0, 0.0, 0.0])
    assert mean_interval_width(LO_INF, HI_INF, sample_weight=w) == 2.0
    assert interval_score(Y_INF, LO_INF, HI_INF, 0.5, sample_weight=w) == 2.0
    assert interval_score(Y_INF, LO_INF, HI_INF, 0.5, sample_weight=w + 1) == np.inf
    # finite rows mixed with a zero-weight infinite row: (2 + (2 + 4 * 2)) / 2,
    # the miss of row 1 (y = 3 above 1) costs width 2 + (2 / 0.5) * 2
    lo = np.array([-1.0, -1.0, -np.inf])
    hi = np.array([1.0, 1.0, 1.0])
    y = np.array([0.0, 3.0, 0.0])
    assert interval_score(y, lo, hi, 0.5, sample_weight=[1, 1, 0]) == 6.0
    assert mean_interval_width(lo, hi, sample_weight=[1, 1, 0]) == 2.0


def test_pinball_and_wis_of_infinite_quantiles_are_plus_inf():
    levels = [0.1, 0.5, 0.9]
    y = np.array([1.0, 2.0])
    q = np.array([[-np.inf, 1.0, np.inf], [0.0, 2.0, 3.0]])
    raw = pinball_loss(y, q, levels, multioutput="raw_values")
    # level 0.1: row 0 infinitely far; 0.5: both exact; 0.9: row 0 infinite
    np.testing.assert_array_equal(raw, [np.inf, 0.0, np.inf])
    assert pinball_loss(y, q, levels) == np.inf
    assert weighted_interval_score(y, q, levels) == np.inf
    # row 0 weighted out: u = (2, 0, -1) -> (0.1 * 2, 0, 0.1 * 1)
    w = [0.0, 1.0]
    np.testing.assert_allclose(
        pinball_loss(y, q, levels, sample_weight=w, multioutput="raw_values"),
        [0.2, 0.0, 0.1],
        rtol=1e-15,
    )
    assert weighted_interval_score(y, q, levels, sample_weight=w) == pytest.approx(
        2 * 0.3 / 3, rel=1e-15
    )


def test_input_checks_say_what_is_wrong():
    # a degenerate interval lower == upper is allowed (only crossing raises)
    assert interval_score([1.0, 2.0], [1.0, 1.0], [1.0, 1.0], 0.5) == 2.0
    with pytest.raises(ValueError, match=r"found 1 crossed interval\(s\)"):
        coverage_score([0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [1.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="only -inf is allowed in lower"):
        coverage_score([0.0], [np.inf], [np.inf])
    with pytest.raises(ValueError, match=r"only \+inf is allowed in upper"):
        coverage_score([0.0], [-np.inf], [-np.inf])
    with pytest.raises(ValueError, match="an infinite bound is allowed, a missing"):
        coverage_score([0.0], [np.nan], [1.0])
    with pytest.raises(ValueError, match="an infinite quantile is allowed, a missing"):
        pinball_loss([0.0], [[np.nan]], [0.5])
    with pytest.raises(ValueError, match="y_true is empty"):
        pinball_loss([], np.zeros((0, 1)), [0.5])
    with pytest.raises(ValueError, match="lower and upper have 1 rows, y_true has 2"):
        interval_score([0.0, 1.0], [0.0], [1.0], 0.5)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        mean_interval_width([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="sample_weight has 3 entries, y_true has 2"):
        interval_score([0.0, 1.0], [0.0, 0.0], [1.0, 1.0], 0.5, sample_weight=[1, 1, 1])
    with pytest.raises(ValueError, match="alpha"):
        interval_score([0.0], [0.0], [1.0], 0.0)
    with pytest.raises(ValueError, match="multioutput must be 'average'"):
        interval_score([0.0], [0.0], [1.0], 0.5, multioutput="mean")
    with pytest.raises(ValueError, match="multioutput must be 'uniform_average'"):
        pinball_loss([0.0], [[0.0]], [0.5], multioutput="mean")
    with pytest.raises(ValueError, match="y_quantiles must have shape"):
        pinball_loss([0.0, 1.0], [0.0, 1.0], [0.1, 0.9])


@pytest.mark.parametrize(
    "w", [[1.0, -0.5, 1.0], [0.0, 0.0, 0.0], [1.0, np.inf, 1.0], [1.0, np.nan, 1.0]]
)
def test_bad_weights_raise(w):
    with pytest.raises(ValueError, match="finite, non-negative, not all zero"):
        coverage_score([0.0, 1.0, 2.0], [0.0] * 3, [1.0] * 3, sample_weight=w)


def test_small_weights_and_single_level_quantiles():
    # weights summing to less than one are valid: only their ratios matter
    w = [0.1, 0.3]
    assert coverage_score([0.0, 5.0], [0.0, 0.0], [1.0, 1.0], sample_weight=w) == (
        pytest.approx(0.25, rel=1e-15)
    )
    assert mean_interval_width([0.0, 0.0], [1.0, 3.0], sample_weight=w) == (
        pytest.approx(2.5, rel=1e-15)
    )
    # one level: a 1-d prediction is one column
    assert pinball_loss([1.0, 3.0], [2.0, 2.0], [0.25]) == pytest.approx(
        (0.75 * 1.0 + 0.25 * 1.0) / 2, rel=1e-15
    )

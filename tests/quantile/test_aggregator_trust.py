"""QuantileAggregator (issue 15): the aggregator consumes sample_weight itself,
and its conformal step takes the ceil((n + 1)(1 - alpha))-th smallest score."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sklearn
import sklearn.exceptions
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skvariance.quantile import QuantileAggregator

from ._helpers import ShiftedOracle, oracle_data

LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9]


class _Unweightable(ShiftedOracle):
    """ShiftedOracle whose ``fit`` takes no ``sample_weight`` at all."""

    def fit(self, X, y):
        return super().fit(X, y)


class _Zero(RegressorMixin, BaseEstimator):
    """Native multi-quantile model predicting 0 at every level: the CQR
    scores of an aggregate of such models are ``|y|`` exactly."""

    def __init__(self, quantiles=(0.1, 0.5, 0.9)):
        self.quantiles = quantiles

    def fit(self, X, y, sample_weight=None):
        validate_data(self, X, y)
        self.fitted_ = True
        return self

    def predict(self, X, quantiles=None):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        levels = self.quantiles if quantiles is None else quantiles
        return np.zeros((X.shape[0], len(levels)))


def _zero_aggregator(levels, **params):
    return QuantileAggregator(
        [("a", _Zero(levels)), ("b", _Zero(levels))],
        quantiles=levels,
        weighting="global",
        conformalize=True,
        cv=2,
        random_state=0,
        **params,
    )


# -- 1. sample_weight consumed by the aggregator itself ----------------------


def _weighted_pinball(P0, P1, y, levels, w, a):
    """Weighted mean pinball loss of ``a P0 + (1 - a) P1`` for each ``a``."""
    a = np.atleast_1d(a)[:, None, None]
    u = y[None, :, None] - (P1[None] + a * (P0 - P1)[None])
    tau = np.asarray(levels)
    loss = u * (tau - (u < 0))
    return np.sum(w[None, :, None] * loss, axis=(1, 2)) / (w.sum() * tau.size)


def _exact_two_model_weight(P0, P1, y, levels, w):
    """Exact minimiser over a in [0, 1]: the loss is convex piecewise linear
    in ``a`` with kinks where ``y = a P0 + (1 - a) P1``; try them all."""
    d = P0 - P1
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = ((y[:, None] - P1) / d)[d != 0]
    candidates = np.unique(np.r_[0.0, 1.0, kinks[(kinks > 0) & (kinks < 1)]])
    losses = _weighted_pinball(P0, P1, y, levels, w, candidates)
    best = int(np.argmin(losses))
    return candidates[best], losses[best]


def _experts(left_request=False, right=ShiftedOracle):
    left = ShiftedOracle(good_side=-1, bias=1.0, quantiles=LEVELS)
    if left_request is not None:
        left = left.set_fit_request(sample_weight=left_request)
    return [("left", left), ("right", right(good_side=1, bias=-0.8, quantiles=LEVELS))]


def _truth(X, y):
    """The experts' predictions, computed without the aggregator."""
    P0 = ShiftedOracle(-1, 1.0, LEVELS).fit(X, y).predict(X)
    P1 = ShiftedOracle(1, -0.8, LEVELS).fit(X, y).predict(X)
    return P0, P1


@pytest.mark.parametrize("routing", [False, True])
def test_sample_weight_changes_the_weights_to_the_weighted_optimum(routing):
    X, y = oracle_data(200, seed=21)
    # heavy weights where the right expert is good: its weight must grow
    w = np.where(X[:, 0] > 0, 5.0, 1.0)
    P0, P1 = _truth(X, y)
    a_w, loss_w = _exact_two_model_weight(P0, P1, y, LEVELS, w)
    a_1, _ = _exact_two_model_weight(P0, P1, y, LEVELS, np.ones_like(y))
    assert a_1 - a_w > 0.1  # the weights matter for the optimum
    with sklearn.config_context(enable_metadata_routing=routing):
        # routing on: no base model requests the weights (the right one
        # cannot even take them); the aggregator consumes them alone
        experts = _experts(False, _Unweightable) if routing else _experts(None)
        agg = QuantileAggregator(
            experts, quantiles=LEVELS, weighting="global", cv=3, random_state=0
        ).fit(X, y, sample_weight=w)
        plain = QuantileAggregator(
            experts, quantiles=LEVELS, weighting="global", cv=3, random_state=0
        ).fit(X, y)
    np.testing.assert_allclose(agg.weights_, [a_w, 1 - a_w], atol=1e-6)
    np.testing.assert_allclose(
        _weighted_pinball(P0, P1, y, LEVELS, w, agg.weights_[0]), loss_w, rtol=1e-9
    )
    np.testing.assert_allclose(plain.weights_, [a_1, 1 - a_1], atol=1e-6)


def test_per_quantile_weights_minimise_the_weighted_loss_of_each_level():
    X, y = oracle_data(200, seed=22)
    w = np.where(X[:, 0] > 0, 4.0, 1.0)
    P0, P1 = _truth(X, y)
    with sklearn.config_context(enable_metadata_routing=True):
        agg = QuantileAggregator(
            _experts(False, _Unweightable), quantiles=LEVELS, cv=3, random_state=0
        ).fit(X, y, sample_weight=w)
    for t, tau in enumerate(LEVELS):
        a, _ = _exact_two_model_weight(P0[:, [t]], P1[:, [t]], y, [tau], w)
        np.testing.assert_allclose(agg.weights_[:, t], [a, 1 - a], atol=1e-6)


def test_routing_base_model_gets_weights_only_when_it_requests_them():
    X, y = oracle_data(90, seed=23)
    w = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    seen = {}

    class Recorder(ShiftedOracle):
        def fit(self, X, y, sample_weight=None):
            seen.setdefault(self.good_side, []).append(sample_weight)
            return super().fit(X, y)

    with sklearn.config_context(enable_metadata_routing=True):
        experts = [
            ("left", Recorder(-1, 1.0, LEVELS).set_fit_request(sample_weight=True)),
            ("right", Recorder(1, -0.8, LEVELS).set_fit_request(sample_weight=False)),
        ]
        QuantileAggregator(experts, quantiles=LEVELS, cv=3).fit(X, y, sample_weight=w)
        # an unset request still raises, as everywhere in scikit-learn
        with pytest.raises(sklearn.exceptions.UnsetMetadataPassedError):
            QuantileAggregator(_experts(None), quantiles=LEVELS, cv=3).fit(
                X, y, sample_weight=w
            )
    # 3 folds + the refit, each with its training rows' weights
    assert len(seen[-1]) == len(seen[1]) == 4
    assert all(sw is None for sw in seen[1])
    assert sorted(len(sw) for sw in seen[-1]) == [60, 60, 60, 90]
    np.testing.assert_array_equal(seen[-1][-1], w)


def test_routing_weights_for_the_aggregation_alone_with_a_wrapped_model():
    """A per-level model (wrapped in MultiQuantileRegressor) that does not
    request the weights: unweighted base fits, weighted aggregation."""
    from sklearn.linear_model import QuantileRegressor

    X, y = oracle_data(120, seed=25)
    w = np.where(X[:, 0] > 0, 5.0, 1.0)
    levels = [0.25, 0.5, 0.75]
    with sklearn.config_context(enable_metadata_routing=True):
        lin = QuantileRegressor(alpha=0.0).set_fit_request(sample_weight=False)
        agg = QuantileAggregator(
            [("lin", lin), ("right", _Unweightable(1, -0.8, levels))],
            quantiles=levels,
            weighting="global",
            cv=3,
            random_state=0,
        ).fit(X, y, sample_weight=w)
    plain = QuantileRegressor(alpha=0.0, quantile=0.25).fit(X, y)
    np.testing.assert_allclose(
        agg.estimators_[0].predict(X)[:, 0], plain.predict(X), atol=1e-6
    )


def test_without_routing_a_model_that_cannot_take_weights_raises():
    X, y = oracle_data(60, seed=24)
    with pytest.raises(TypeError, match=r"estimators\['right'\] _Unweightable"):
        QuantileAggregator(_experts(None, _Unweightable), quantiles=LEVELS, cv=3).fit(
            X, y, sample_weight=np.ones(60)
        )


# -- 3. the conformal rank ---------------------------------------------------

#: levels whose pairs have coverages 0.95, 0.9, 0.8 (alpha 0.05, 0.1, 0.2)
CQR_LEVELS = [0.025, 0.05, 0.1, 0.9, 0.95, 0.975]
#: 1 - alpha as exact fractions of the decimal levels the user typed
EXACT = [Fraction(1) - 2 * Fraction(lv) for lv in ("0.025", "0.05", "0.1")]
# every n in 10..1000 where the old formula (a weighted_quantile at level
# ceil((n + 1)(1 - alpha)) / n) took one rank too high, and small n
BITES = [35, 77, 135, 285, 290, 301, 304, 563, 564, 586, 607, 608]


def _hand_rank(n, exact_coverage):
    return math.ceil((n + 1) * exact_coverage)


@pytest.mark.parametrize("chunk", [[10, 11, 18, 19, 20, 21, 39, 99], BITES])
def test_correction_is_the_ceil_n_plus_one_order_statistic(chunk):
    for n in chunk:
        X = np.zeros((n, 1))
        y = np.random.default_rng(n).normal(size=n)
        agg = _zero_aggregator(CQR_LEVELS).fit(X, y)
        scores = np.sort(np.abs(y))
        for p, cov in enumerate(EXACT):
            k = _hand_rank(n, cov)
            expected = np.inf if k > n else scores[k - 1]
            assert agg.conformal_corrections_[p] == expected, (n, float(cov), k)


def test_rank_on_levels_whose_float_product_is_an_integer():
    """(n + 1)(1 - alpha) is an integer (900 for n=999, alpha=0.1) but is
    computed as 900.0000000000001: the rank must stay 900."""
    n = 999
    X = np.zeros((n, 1))
    y = np.random.default_rng(1).normal(size=n)
    agg = _zero_aggregator([0.05, 0.5, 0.95]).fit(X, y)
    assert agg.conformal_corrections_[0] == np.sort(np.abs(y))[899]


def test_weighted_conformal_rank_is_explicit():
    """Weights: smallest score whose weight sum reaches (1 - alpha)(W + mean w);
    integer weights of mean 1 equal the unweighted rank on repeated rows."""
    n = 99
    X = np.zeros((n, 1))
    y = np.random.default_rng(5).normal(size=n)
    scores = np.abs(y)
    w = np.tile([0.0, 1.0, 2.0], n // 3)  # mean exactly 1
    agg = _zero_aggregator(CQR_LEVELS).fit(X, y, sample_weight=w)
    repeated = np.sort(np.repeat(scores, w.astype(int)))
    for p, cov in enumerate(EXACT):
        k = _hand_rank(n, cov)  # W = n rows after repetition
        expected = np.inf if k > repeated.size else repeated[k - 1]
        assert agg.conformal_corrections_[p] == expected
    # scale invariance, and equal weights give the unweighted rank
    scaled = _zero_aggregator(CQR_LEVELS).fit(X, y, sample_weight=3.5 * w)
    np.testing.assert_array_equal(
        scaled.conformal_corrections_, agg.conformal_corrections_
    )
    flat = _zero_aggregator(CQR_LEVELS).fit(X, y, sample_weight=np.full(n, 2.0))
    plain = _zero_aggregator(CQR_LEVELS).fit(X, y)
    np.testing.assert_array_equal(
        flat.conformal_corrections_, plain.conformal_corrections_
    )
    # general weights: the definition written out
    v = np.random.default_rng(6).uniform(0.5, 3.0, size=n)
    agg_v = _zero_aggregator(CQR_LEVELS).fit(X, y, sample_weight=v)
    order = np.argsort(scores)
    cum = np.cumsum(v[order])
    for p, cov in enumerate(EXACT):
        target = float(cov) * (v.sum() + v.mean())
        idx = int(np.searchsorted(cum, target * (1 - 1e-12)))
        expected = np.inf if idx >= n else scores[order][idx]
        assert agg_v.conformal_corrections_[p] == expected


@pytest.mark.slow
def test_coverage_from_both_sides_where_the_old_rank_was_one_high():
    """n = 9: the old formula took rank 7 instead of 6 at coverage 0.6 and 2
    instead of 1 at coverage 0.1. Scores are |y|, y ~ N(0, 1), so a fit's
    coverage is exactly 2 Phi(c) - 1; averaged over fits it is k / (n + 1)."""
    n, n_reps = 9, 100
    levels = [0.2, 0.45, 0.55, 0.8]
    nominal = np.array([0.6, 0.1])
    rng = np.random.default_rng(7)
    X = np.zeros((n, 1))
    cover = np.empty((n_reps, 2))
    for r in range(n_reps):
        y = rng.normal(size=n)
        c = _zero_aggregator(levels).fit(X, y).conformal_corrections_
        cover[r] = 2 * norm.cdf(c) - 1
    k = np.ceil((n + 1) * nominal - 1e-9)
    exact = k / (n + 1)  # 0.6 and 0.1
    # Beta(k, n + 1 - k) variance of a fit's coverage
    se = np.sqrt(exact * (1 - exact) / (n + 2) / n_reps)
    mean = cover.mean(axis=0)
    assert np.all(mean >= nominal - 3 * se), mean
    assert np.all(mean <= nominal + 1 / (n + 1) + 3 * se), mean
    # one rank high would add 1 / (n + 1) = 0.1, about 8 standard errors
    assert np.all(np.abs(mean - exact) <= 3 * se), (mean, exact)


def test_predict_weights_shape_and_feature_check():
    X, y = oracle_data(90, seed=26)
    agg = QuantileAggregator(
        _experts(None), quantiles=LEVELS, weighting="global", cv=3, random_state=0
    ).fit(X, y)
    w = agg.predict_weights(X[:7])  # 7 rows, 2 features
    assert w.shape == (7, 2, len(LEVELS))
    np.testing.assert_array_equal(
        w, np.broadcast_to(agg.weights_[None, :, None], w.shape)
    )
    with pytest.raises(ValueError, match="QuantileAggregator is expecting 2"):
        agg.predict_weights(np.c_[X[:7], X[:7]])
    # and predict still expects the fitted number of features afterwards
    assert agg.predict(X[:3]).shape == (3, len(LEVELS))


class _Jitter(_Zero):
    """Quantiles of N(0, 1) at levels 0.1 / 0.9, with the levels 0.11 / 0.89
    moved inward by a row-dependent amount in [0, 0.4]."""

    def predict(self, X, quantiles=None):
        X = validate_data(self, X, reset=False)
        gap = 0.2 * (1 + np.sin(40 * X[:, 0]))
        z = norm.ppf(0.9)
        return np.column_stack([-z + 0 * gap, -z + gap, 0 * gap, z - gap, z + 0 * gap])


def test_calibrated_levels_close_together_are_widened_not_crossed():
    """Calibration moves levels 0.1 and 0.11 by different amounts, so the
    calibrated bounds cross on some rows; the output is the running min of the
    lower bounds and max of the upper ones, outward from the median."""
    levels = [0.1, 0.11, 0.5, 0.89, 0.9]
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(60, 1))
    y = rng.normal(size=60)
    agg = QuantileAggregator(
        [("a", _Jitter(levels)), ("b", _Jitter(levels))],
        quantiles=levels,
        weighting="global",
        conformalize=True,
        cv=2,
        random_state=0,
    ).fit(X, y)
    X_test = rng.uniform(size=(400, 1))
    q = agg.predict(X_test, calibrated=False)
    c0, c1 = agg.conformal_corrections_
    raw = q + np.array([-c0, -c1, 0.0, c1, c0])
    assert np.any(raw[:, 0] > raw[:, 1]) and np.any(raw[:, 4] < raw[:, 3])
    expected = raw.copy()
    expected[:, 0] = np.minimum(raw[:, 0], raw[:, 1])
    expected[:, 4] = np.maximum(raw[:, 3], raw[:, 4])
    np.testing.assert_array_equal(agg.predict(X_test), expected)

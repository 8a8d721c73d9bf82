"""QuantileAggregator: weights, crossing, calibration, bad input, weights routing."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import QuantileRegressor, Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.metrics import interval_score, pinball_loss, weighted_interval_score
from skvariance.quantile import (
    KNNQuantileRegressor,
    MultiQuantileRegressor,
    QuantileAggregator,
)

from ._helpers import DecreasingQuantile, ShiftedOracle, oracle_data

LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9]


def _experts(levels=LEVELS):
    return [
        ("left", ShiftedOracle(good_side=-1, bias=1.0, quantiles=levels)),
        ("right", ShiftedOracle(good_side=1, bias=-0.8, quantiles=levels)),
    ]


@pytest.mark.parametrize("weighting", ["global", "per_quantile", "local"])
def test_aggregate_beats_every_base_where_bases_are_good_in_different_places(
    weighting,
):
    X, y = oracle_data(600, seed=0)
    X_test, y_test = oracle_data(4000, seed=1)
    agg = QuantileAggregator(
        _experts(), quantiles=LEVELS, weighting=weighting, cv=3, random_state=0
    ).fit(X, y)
    wis = weighted_interval_score(y_test, agg.predict(X_test), LEVELS)
    base = [
        weighted_interval_score(y_test, m.predict(X_test), LEVELS)
        for m in agg.estimators_
    ]
    assert wis < min(base)
    if weighting == "local":
        # the local weights learn which expert to trust where: close to the
        # truth (WIS of the true quantiles) and far below either expert
        truth = ShiftedOracle(bias=0.0, quantiles=LEVELS).fit(X, y)
        best = weighted_interval_score(y_test, truth.predict(X_test), LEVELS)
        assert wis < best + 0.25 * (min(base) - best)
        w = agg.predict_weights(np.array([[-0.8, 0.0], [0.8, 0.0]]))
        assert np.all(w[0, 0] > 0.5) and np.all(w[1, 1] > 0.5)
        assert w[0, 0].mean() > 0.75 and w[1, 1].mean() > 0.75


def _brute_force(P, y, levels, step=0.005):
    """Best weights of three models on a simplex grid, one vector for all levels."""
    grid = np.arange(0.0, 1.0 + step / 2, step)
    a, b = (g.ravel() for g in np.meshgrid(grid, grid))
    keep = a + b <= 1 + 1e-12
    W = np.column_stack([a[keep], b[keep], np.clip(1 - a[keep] - b[keep], 0, None)])
    q = np.einsum("ikt,gk->git", P, W)
    u = y[None, :, None] - q
    tau = np.asarray(levels)
    losses = np.mean(u * (tau - (u < 0)), axis=(1, 2))
    best = int(np.argmin(losses))
    return losses[best], W[best]


def test_lp_weights_equal_the_brute_force_optimum():
    X, y = oracle_data(40, seed=3)
    y = y + 0.1 * np.random.default_rng(3).normal(size=40)
    levels = [0.25, 0.5, 0.75]
    agg = QuantileAggregator(
        [
            ("left", ShiftedOracle(-1, 1.0, levels)),
            ("right", ShiftedOracle(1, -0.7, levels)),
            ("knn", KNNQuantileRegressor(n_neighbors=5, quantiles=levels)),
        ],
        quantiles=levels,
        weighting="global",
        monotonize=None,
        cv=4,
        random_state=0,
    ).fit(X, y)
    P = agg.cv_predictions_
    lp_loss = pinball_loss(y, np.einsum("ikt,k->it", P, agg.weights_), levels)
    grid_loss, grid_w = _brute_force(P, y, levels)
    assert np.isclose(agg.weights_.sum(), 1.0) and np.all(agg.weights_ >= 0)
    assert lp_loss <= grid_loss + 1e-12
    assert lp_loss >= grid_loss - 0.01 * grid_loss  # the grid is fine enough
    assert np.all(grid_w > 0.02)  # an interior optimum: all three models used
    np.testing.assert_allclose(agg.weights_, grid_w, atol=0.02)


def test_per_quantile_weights_are_one_lp_per_level():
    X, y = oracle_data(300, seed=4)
    agg = QuantileAggregator(_experts(), quantiles=LEVELS, cv=3, random_state=0)
    agg.fit(X, y)
    assert agg.weights_.shape == (2, len(LEVELS))
    np.testing.assert_allclose(agg.weights_.sum(axis=0), 1.0)
    for t in range(len(LEVELS)):
        single = QuantileAggregator(
            _experts([LEVELS[t]]),
            quantiles=[LEVELS[t]],
            weighting="global",
            cv=3,
            random_state=0,
        ).fit(X, y)
        np.testing.assert_allclose(single.weights_, agg.weights_[:, t], atol=1e-7)


def test_score_equals_the_wis_formula():
    X, y = oracle_data(300, seed=5)
    agg = QuantileAggregator(_experts(), quantiles=LEVELS, cv=3, random_state=0)
    agg.fit(X, y)
    q = agg.predict(X)
    # (1 / (K + 1/2)) (|y - m| / 2 + sum_k alpha_k / 2 IS_alpha_k), K = 2
    total = 0.5 * np.abs(y - q[:, 2])
    for lo, hi, alpha in [(0, 4, 0.2), (1, 3, 0.5)]:
        total += (
            alpha
            / 2
            * interval_score(y, q[:, lo], q[:, hi], alpha, multioutput="raw_values")
        )
    np.testing.assert_allclose(-agg.score(X, y), np.mean(total / 2.5))


def _crossing_models(levels):
    return [
        ("dec", MultiQuantileRegressor(DecreasingQuantile(), quantiles=levels)),
        ("raw", _RawDecreasing(levels)),
    ]


class _RawDecreasing(ShiftedOracle):
    """Native model whose quantiles decrease with the level."""

    def __init__(self, quantiles=(0.1, 0.5, 0.9)):
        super().__init__(good_side=-1, bias=0.0, quantiles=quantiles)

    def predict(self, X, quantiles=None):
        return super().predict(X, quantiles)[:, ::-1]


@pytest.mark.parametrize("monotonize", ["sort", "isotonic"])
@pytest.mark.parametrize("conformalize", [False, True])
@pytest.mark.parametrize("weighting", ["global", "local"])
def test_no_crossing_in_any_output(monotonize, conformalize, weighting):
    X, y = oracle_data(200, seed=6)
    levels = [0.1, 0.3, 0.5, 0.7, 0.9]
    agg = QuantileAggregator(
        _crossing_models(levels),
        quantiles=levels,
        weighting=weighting,
        monotonize=monotonize,
        conformalize=conformalize,
        cv=3,
        random_state=0,
    ).fit(X, y)
    X_test, _ = oracle_data(500, seed=7)
    assert np.all(np.diff(agg.predict(X_test), axis=1) >= 0)
    lo, hi = agg.predict_interval(X_test, coverage=0.8).T
    assert np.all(lo <= hi)


def test_without_monotonize_the_crossing_stays():
    X, y = oracle_data(200, seed=6)
    levels = [0.1, 0.5, 0.9]
    agg = QuantileAggregator(
        _crossing_models(levels), quantiles=levels, monotonize=None, cv=3
    ).fit(X, y)
    assert np.any(np.diff(agg.predict(X), axis=1) < 0)


@pytest.mark.slow
def test_conformalized_coverage_is_at_least_nominal():
    """Average coverage over repeated splits, with base models too narrow."""
    levels = [0.05, 0.1, 0.5, 0.9, 0.95]
    n_reps, n_test = 20, 1000
    covered = {0.8: [], 0.9: []}
    raw = []
    for rep in range(n_reps):
        X, y = oracle_data(200, seed=100 + rep)
        X_test, y_test = oracle_data(n_test, seed=1000 + rep)
        agg = QuantileAggregator(
            [
                ("narrow", _Narrow(levels)),  # true quantiles, levels too central
                ("knn", KNNQuantileRegressor(n_neighbors=8, quantiles=levels)),
            ],
            quantiles=levels,
            weighting="per_quantile",
            conformalize=True,
            cv=4,
            random_state=rep,
        ).fit(X, y)
        for coverage in covered:
            lo, hi = agg.predict_interval(X_test, coverage).T
            covered[coverage].append(np.mean((y_test >= lo) & (y_test <= hi)))
        lo, hi = agg.predict_interval(X_test, 0.9, calibrated=False).T
        raw.append(np.mean((y_test >= lo) & (y_test <= hi)))
    for coverage, values in covered.items():
        # calibration-set coverage is Beta-distributed with variance about
        # c (1 - c) / (n + 2); mean over reps; 3 standard errors below nominal
        tolerance = 3 * np.sqrt(coverage * (1 - coverage) / 202 / n_reps)
        tolerance += 3 * np.sqrt(coverage * (1 - coverage) / (n_test * n_reps))
        assert np.mean(values) >= coverage - tolerance, (coverage, np.mean(values))
        assert np.mean(values) < coverage + 0.05  # valid, not trivially wide
    assert np.mean(raw) < 0.85  # the base models really undercover


class _Narrow(ShiftedOracle):
    """True conditional quantiles at levels pulled halfway to the median."""

    def __init__(self, quantiles=(0.1, 0.5, 0.9)):
        super().__init__(good_side=-1, bias=0.3, quantiles=quantiles)

    def predict(self, X, quantiles=None):
        levels = np.asarray(self.quantiles if quantiles is None else quantiles)
        return super().predict(X, 0.5 + (levels - 0.5) * 0.4)


def test_predict_subset_and_interval_errors():
    X, y = oracle_data(150, seed=8)
    agg = QuantileAggregator(_experts(), quantiles=LEVELS, cv=3).fit(X, y)
    np.testing.assert_array_equal(
        agg.predict(X, quantiles=[0.1, 0.9]), agg.predict_interval(X, 0.8)
    )
    with pytest.raises(ValueError, match="were not fitted"):
        agg.predict(X, quantiles=[0.2])
    with pytest.raises(ValueError, match=r"offers coverages \[0.5, 0.8\]"):
        agg.predict_interval(X, 0.9)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"estimators": [("only", ShiftedOracle())]}, ValueError, "at least two"),
        ({"estimators": [ShiftedOracle(), Ridge()]}, TypeError, "no quantile param"),
        ({"quantiles": [0.0, 0.5]}, ValueError, "strictly between 0 and 1"),
        ({"quantiles": [0.9, 0.1]}, ValueError, "strictly increasing"),
        ({"quantiles": [0.1, 0.1, 0.9]}, ValueError, "strictly increasing"),
        (
            {"quantiles": [0.1, 0.5, 0.8], "conformalize": True},
            ValueError,
            "mirrored levels",
        ),
        ({"conformalize": True, "monotonize": None}, ValueError, "needs monotonize"),
        ({"n_jobs": 0}, ValueError, "n_jobs == 0"),
    ],
)
def test_bad_parameters(params, error, match):
    X, y = oracle_data(60, seed=9)
    base = {"estimators": _experts(), "quantiles": LEVELS, "cv": 3}
    with pytest.raises(error, match=match):
        QuantileAggregator(**{**base, **params}).fit(X, y)


def test_nan_and_incomplete_cv_are_rejected():
    X, y = oracle_data(60, seed=9)
    X_nan = X.copy()
    X_nan[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        QuantileAggregator(_experts(), cv=3).fit(X_nan, y)
    with pytest.raises(ValueError, match="NaN"):
        QuantileAggregator(_experts(), cv=3).fit(X, np.r_[np.nan, y[1:]])
    one_split = [(np.arange(30), np.arange(30, 60))]
    with pytest.raises(ValueError, match="exactly one test fold"):
        QuantileAggregator(_experts(), cv=one_split).fit(X, y)


def _linear_pipeline():
    return make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0))


def test_sample_weight_reaches_base_pipelines_with_and_without_routing():
    X, y = oracle_data(90, seed=10)
    w = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    levels = [0.25, 0.5, 0.75]
    cv = KFold(3, shuffle=True, random_state=0)

    def aggregator(pipe):
        return QuantileAggregator(
            [("lin", pipe), ("left", ShiftedOracle(quantiles=levels))],
            quantiles=levels,
            cv=cv,
        )

    off = aggregator(_linear_pipeline()).fit(X, y, sample_weight=w)
    direct = MultiQuantileRegressor(_linear_pipeline(), quantiles=levels)
    direct.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(off.estimators_[0].predict(X), direct.predict(X))
    unweighted = aggregator(_linear_pipeline()).fit(X, y)
    assert not np.allclose(unweighted.estimators_[0].predict(X), direct.predict(X))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            QuantileRegressor(alpha=0.0).set_fit_request(sample_weight=True),
        )
        oracle = ShiftedOracle(quantiles=levels).set_fit_request(sample_weight=True)
        on = QuantileAggregator(
            [("lin", pipe), ("left", oracle)], quantiles=levels, cv=cv
        ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(on.predict(X), off.predict(X))


def test_local_weights_from_a_user_transformer():
    from sklearn.preprocessing import FunctionTransformer

    X, y = oracle_data(400, seed=11)
    X_test, y_test = oracle_data(2000, seed=12)
    first = FunctionTransformer(lambda Z: Z[:, :1])  # the weights see x0 only
    agg = QuantileAggregator(
        _experts(),
        quantiles=LEVELS,
        weighting="local",
        local_transformer=first,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert agg.local_coef_.shape == (len(LEVELS), 2, 2)  # intercept + one slope
    w = agg.predict_weights(X_test)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.all(w >= 0)
    np.testing.assert_allclose(agg.weights_, agg.predict_weights(X).mean(axis=0))
    base = min(
        weighted_interval_score(y_test, m.predict(X_test), LEVELS)
        for m in agg.estimators_
    )
    assert weighted_interval_score(y_test, agg.predict(X_test), LEVELS) < base

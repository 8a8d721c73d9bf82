"""Tests written against mutants of skvariance/calibration/_quantile_regressor.py."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin

from skvariance.calibration import ConformalQuantileRegressor


class FixedQuantiles(RegressorMixin, BaseEstimator):
    """Quantile model that ignores the data: ``x0 + 2 * Phi^-1(level)``."""

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X, quantiles=(0.05, 0.95)):
        X = np.asarray(X)
        return X[:, [0]] + 2.0 * norm.ppf(np.asarray(quantiles))[None, :]


def test_predict_is_the_midpoint_of_the_coverage_pair():
    # quantile levels 0.1 < 0.5 < 0.8: coverage 0.7 pairs 0.1 (target 0.15)
    # with 0.8 (target 0.85). Kills every mutant of ``predict`` (no test
    # called it): the pair, the sum, the halving.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    cqr = ConformalQuantileRegressor(
        FixedQuantiles(),
        coverage=0.7,
        quantile_levels=[0.1, 0.5, 0.8],
        random_state=0,
    ).fit(X, y)
    X_test = rng.normal(size=(5, 2))
    want = X_test[:, 0] + (norm.ppf(0.1) + norm.ppf(0.8))  # 2 * (a + b) / 2
    np.testing.assert_allclose(cqr.predict(X_test), want, rtol=0, atol=1e-12)


class RecordingQuantile(RegressorMixin, BaseEstimator):
    """Single-quantile model (``quantile`` parameter) that records its fit."""

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def fit(self, X, y, sample_weight=None):
        self.X_fit_ = np.asarray(X)
        self.sample_weight_ = sample_weight
        self.n_features_in_ = self.X_fit_.shape[1]
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0] + norm.ppf(self.quantile)


def test_sample_weight_reaches_every_per_level_model():
    # kills ``fit_estimator(estimator, X, y, )`` (params dropped)
    rng = np.random.RandomState(0)
    n = 40
    X = np.column_stack([rng.normal(size=n), np.arange(n)])
    y = X[:, 0] + rng.normal(size=n)
    sw = 1.0 + np.arange(n)  # the weight of row i is 1 + X[i, 1]
    cqr = ConformalQuantileRegressor(RecordingQuantile(), coverage=0.5, random_state=0)
    cqr.fit(X, y, sample_weight=sw)
    assert len(cqr.estimators_) == 2
    for model in cqr.estimators_:
        assert model.sample_weight_ is not None
        np.testing.assert_array_equal(model.sample_weight_, 1.0 + model.X_fit_[:, 1])


def test_predict_signature_failure_means_no_quantiles_argument():
    # kills ``return True`` when inspect.signature fails (a builtin predict)
    from types import SimpleNamespace

    from skvariance.calibration._quantile_regressor import (
        _predict_accepts_quantiles,
    )

    assert _predict_accepts_quantiles(SimpleNamespace(predict=max)) is False


class _AlphaObjective(RegressorMixin, BaseEstimator):
    """A LightGBM-like parameter set: ``alpha`` and ``objective``."""

    def __init__(self, alpha=0.9, objective="quantile"):
        self.alpha = alpha
        self.objective = objective


class _Wrapper(RegressorMixin, BaseEstimator):
    """Its own ``alpha`` is a penalty (no loss); the inner model's is a level."""

    def __init__(self, alpha=1.0, inner=None):
        self.alpha = alpha
        self.inner = inner


def test_level_parameter_detection():
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import Ridge

    from skvariance.calibration._quantile_regressor import _level_parameter

    gbr = GradientBoostingRegressor(loss="quantile")
    assert _level_parameter(gbr, None) == "alpha"
    # explicit name: accepted when it is a parameter (kills ``in`` flipped)
    assert _level_parameter(gbr, "alpha") == "alpha"
    with pytest.raises(ValueError) as exc:
        _level_parameter(gbr, "level")
    assert str(exc.value) == (
        "quantile_param='level' is not a parameter of GradientBoostingRegressor."
    )
    # an alpha whose sibling loss is not the pinball loss is no level
    for est in (
        GradientBoostingRegressor(loss="squared_error"),
        _AlphaObjective(objective="regression"),
        Ridge(),
    ):
        with pytest.raises(TypeError) as exc:
            _level_parameter(est, None)
        assert str(exc.value) == (
            f"estimator {type(est).__name__} is not a quantile model: it has no "
            "predict(X, quantiles=...), no 'quantiles'/'default_quantiles' "
            "levels and no 'quantile' parameter (nor 'alpha' with "
            "loss='quantile'); pass quantile_param to name the parameter that "
            "sets the level."
        )
    # objective="quantile" beside alpha (no loss parameter) is a level
    assert _level_parameter(_AlphaObjective(), None) == "alpha"
    # a penalty alpha without a loss is skipped, the search goes on to the
    # nested one (kills ``continue`` -> ``break``)
    wrapped = _Wrapper(inner=GradientBoostingRegressor(loss="quantile"))
    assert _level_parameter(wrapped, None) == "inner__alpha"


def test_default_estimator_is_the_unpenalized_quantile_regression():
    # kills alpha=1.0 (the L1 penalty of QuantileRegressor's own default)
    from sklearn.linear_model import QuantileRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = 3.0 * X[:, 0] + rng.normal(size=60)
    X_test = rng.normal(size=(5, 2))
    default = ConformalQuantileRegressor(coverage=0.8, random_state=0).fit(X, y)
    explicit = ConformalQuantileRegressor(
        QuantileRegressor(alpha=0.0, solver="highs"), coverage=0.8, random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(
        default.predict_quantiles(X_test), explicit.predict_quantiles(X_test)
    )


class _Levels(RegressorMixin, BaseEstimator):
    """Parameter sets of multi-quantile models (levels fixed at construction)."""

    def __init__(self, quantiles=None, default_quantiles=None):
        self.quantiles = quantiles
        self.default_quantiles = default_quantiles


def test_native_levels():
    from skvariance.calibration._quantile_regressor import _native_levels

    # ``default_quantiles`` is read too; two levels are enough
    got = _native_levels(_Levels(default_quantiles=(0.05, 0.95)))
    np.testing.assert_array_equal(got, [0.05, 0.95])
    # float32 levels come back as float64
    got = _native_levels(_Levels(quantiles=np.array([0.1, 0.5, 0.9], np.float32)))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.array([0.1, 0.5, 0.9], np.float32))
    assert _native_levels(_Levels(quantiles=(0.5,))) is None


class _RowPredictions(RecordingQuantile):
    """Returns its predictions as one row, shape (1, n_samples)."""

    def predict(self, X):
        return super().predict(X)[None, :]


def test_per_level_predictions_of_any_shape_are_flattened():
    # kills ``c.reshape(None)`` (a (1, n) prediction kept as a row)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    cqr = ConformalQuantileRegressor(
        _RowPredictions(), coverage=0.8, random_state=0
    ).fit(X, y)
    X_test = rng.normal(size=(3, 2))
    want = X_test[:, [0]] + norm.ppf([0.1, 0.9])[None, :]
    np.testing.assert_allclose(cqr.predict_quantiles(X_test), want, atol=1e-12)


def _xy(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


def test_the_pair_never_uses_the_median_level():
    # levels 0.1 < 0.5 < 0.9 at coverage 0.1: the targets 0.45 and 0.55 are
    # nearest the median, which belongs to neither side (kills ``q <= 0.5``,
    # ``q < 1.5`` and ``q >= 0.5``)
    X, y = _xy()
    cqr = ConformalQuantileRegressor(
        FixedQuantiles(), coverage=0.1, quantile_levels=[0.1, 0.5, 0.9]
    ).fit(X, y)
    X_test = _xy(4, 1)[0]
    # 2 * (Phi^-1(0.1) + Phi^-1(0.9)) / 2 = 0
    np.testing.assert_allclose(cqr.predict(X_test), X_test[:, 0], atol=1e-12)


class _Float32Quantiles(FixedQuantiles):
    def predict(self, X, quantiles=(0.05, 0.95)):
        return super().predict(X, quantiles).astype(np.float32)


class _BadQuantiles(FixedQuantiles):
    def __init__(self, extra_column=False):
        self.extra_column = extra_column

    def predict(self, X, quantiles=(0.05, 0.95)):
        pred = super().predict(X, quantiles)
        if self.extra_column:
            return np.column_stack([pred, pred[:, 0]])
        return np.where(np.asarray(X)[:, [0]] > 1e3, np.nan, pred)


def test_model_predictions_are_float64_and_checked():
    X, y = _xy()
    cqr = ConformalQuantileRegressor(_Float32Quantiles(), random_state=0).fit(X, y)
    assert cqr.predict_quantiles(X[:3]).dtype == np.float64
    with pytest.raises(ValueError) as exc:
        ConformalQuantileRegressor(_BadQuantiles(extra_column=True)).fit(X, y)
    assert str(exc.value) == (
        "the quantile model returned predictions of shape (10, 3); expected "
        "(n_samples, 2)."
    )
    cqr = ConformalQuantileRegressor(_BadQuantiles(), random_state=0).fit(X, y)
    X_nan = X[:2].copy()
    X_nan[1, 0] = 1e4
    with pytest.raises(ValueError) as exc:
        cqr.predict_quantiles(X_nan)
    assert str(exc.value) == "the quantile model returned NaN predictions."


def test_constructor_stores_every_parameter():
    # kills ``self.<param> = None`` in __init__ (weight_function, n_jobs,
    # random_state, quantile_param)
    params = dict(
        estimator=FixedQuantiles(),
        coverage=0.7,
        method="split",
        cv=3,
        quantile_levels=[0.1, 0.9],
        quantile_param="quantile",
        calibration_size=7,
        weight_function=np.ones_like,
        n_jobs=2,
        random_state=3,
        verbose=1,
    )
    got = ConformalQuantileRegressor(**params).get_params(deep=False)
    assert got == params


def _cqr_by_hand(X, y, X_test, level, random_state, weights=None, w_test=None):
    """Split (seeded as documented in base._split_indices), CQR scores of the
    data-independent FixedQuantiles model, weighted conformal quantile."""
    n = X.shape[0]
    cal = np.sort(
        np.random.RandomState(random_state).permutation(n)[: int(np.ceil(0.25 * n))]
    )
    lo_level, hi_level = (1 - level) / 2, (1 + level) / 2
    fixed = FixedQuantiles()
    q_cal = fixed.predict(X[cal], (lo_level, hi_level))
    scores = np.maximum(q_cal[:, 0] - y[cal], y[cal] - q_cal[:, 1])
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    w = np.ones(cal.size) if weights is None else weights[cal][order]
    w_t = np.ones(X_test.shape[0]) if w_test is None else w_test
    q = np.empty(X_test.shape[0])
    for j in range(X_test.shape[0]):
        if weights is None:  # rank ceil((n + 1) level)
            rank = int(np.ceil((cal.size + 1) * level - 1e-9))
            q[j] = s[rank - 1] if rank <= cal.size else np.inf
            continue
        target = level * (w.sum() + w_t[j])
        target -= 1e-10 * target
        pos = np.searchsorted(np.cumsum(w), target, side="left")
        q[j] = s[pos] if pos < s.size else np.inf
    q_test = fixed.predict(X_test, (lo_level, hi_level))
    return np.column_stack([q_test[:, 0] - q, q_test[:, 1] + q]), cal


def test_weighted_cqr_by_hand():
    # kills the calibration weights dropped and every test-weight mutant of
    # predict_interval (weights None, X or shift_weight replaced by None)
    rng = np.random.RandomState(5)
    X, y = _xy(60, 2)
    sw = rng.uniform(0.2, 3.0, 60)
    X_test = _xy(6, 3)[0]
    sw_test = rng.uniform(0.2, 3.0, 6)
    cqr = ConformalQuantileRegressor(
        FixedQuantiles(), coverage=0.6, quantile_levels=[0.2, 0.8], random_state=4
    ).fit(X, y, shift_weight=sw)
    got = cqr.predict_interval(X_test, coverage=[0.6], shift_weight=sw_test)
    want, cal = _cqr_by_hand(X, y, X_test, 0.6, 4, sw, sw_test)
    np.testing.assert_array_equal(cqr.calibration_indices_, cal)
    np.testing.assert_allclose(got[:, :, 0], want, atol=1e-12)


def test_mondrian_cqr_by_hand():
    # kills ``calibration.quantiles([level], None, ...)`` (the group of each
    # test row ignored) and the group index left out
    X, y = _xy(80, 6)
    groups = (X[:, 1] > 0).astype(int)
    y = y + 3.0 * groups * np.sign(y - X[:, 0])  # group 1: much wider scores
    X_test = _xy(6, 7)[0]
    g_test = np.array([0, 1, 0, 1, 1, 0])
    cqr = ConformalQuantileRegressor(
        FixedQuantiles(), coverage=0.6, quantile_levels=[0.2, 0.8], random_state=1
    ).fit(X, y, groups=groups)
    got = cqr.predict_interval(X_test, coverage=[0.6], groups=g_test)[:, :, 0]
    n = X.shape[0]
    cal = np.sort(np.random.RandomState(1).permutation(n)[: int(np.ceil(0.25 * n))])
    for g in (0, 1):
        rows = cal[groups[cal] == g]
        want, _ = _cqr_by_hand_rows(X, y, X_test[g_test == g], 0.6, rows)
        np.testing.assert_allclose(got[g_test == g], want, atol=1e-12)


def _cqr_by_hand_rows(X, y, X_test, level, rows):
    fixed = FixedQuantiles()
    lo_level, hi_level = (1 - level) / 2, (1 + level) / 2
    q_cal = fixed.predict(X[rows], (lo_level, hi_level))
    s = np.sort(np.maximum(q_cal[:, 0] - y[rows], y[rows] - q_cal[:, 1]))
    rank = int(np.ceil((rows.size + 1) * level - 1e-9))
    q = s[rank - 1]
    q_test = fixed.predict(X_test, (lo_level, hi_level))
    return np.column_stack([q_test[:, 0] - q, q_test[:, 1] + q]), rows

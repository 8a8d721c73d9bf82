"""MultiQuantileRegressor: per-level clones and native multi-quantile models."""

import numpy as np
import pytest
import sklearn
from lightgbm import LGBMRegressor
from quantile_forest import RandomForestQuantileRegressor
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data

from skvariance.metrics import weighted_interval_score
from skvariance.quantile import MultiQuantileRegressor

from ._helpers import DecreasingQuantile

LEVELS = [0.1, 0.5, 0.9]


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=120, n_features=3, noise=10.0, random_state=0)
    return X, y


@pytest.mark.parametrize(
    "estimator, param",
    [
        (
            GradientBoostingRegressor(loss="quantile", n_estimators=10, random_state=0),
            "alpha",
        ),
        (
            HistGradientBoostingRegressor(loss="quantile", max_iter=10, random_state=0),
            "quantile",
        ),
        (QuantileRegressor(alpha=0.0), "quantile"),
        (LGBMRegressor(objective="quantile", n_estimators=10, verbose=-1), "alpha"),
        (
            make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0)),
            "quantileregressor__quantile",
        ),
    ],
    ids=["gbr", "hgb", "linear", "lightgbm", "pipeline"],
)
def test_one_clone_per_level_equals_separate_fits(data, estimator, param):
    X, y = data
    before = repr(estimator.get_params())
    model = MultiQuantileRegressor(estimator, quantiles=LEVELS).fit(X, y)
    assert repr(estimator.get_params()) == before  # the user's object untouched
    assert model.quantile_parameter_ == param
    assert len(model.estimators_) == len(LEVELS)
    manual = np.column_stack(
        [clone(estimator).set_params(**{param: q}).fit(X, y).predict(X) for q in LEVELS]
    )
    np.testing.assert_allclose(model.predict(X), np.sort(manual, axis=1))


def test_native_model_is_fitted_once_and_answers_any_level(data):
    X, y = data
    forest = RandomForestQuantileRegressor(n_estimators=20, random_state=0)
    model = MultiQuantileRegressor(forest, quantiles=LEVELS).fit(X, y)
    assert model.quantile_parameter_ is None and len(model.estimators_) == 1
    direct = clone(forest).fit(X, y).predict(X, quantiles=[0.2, 0.3])
    np.testing.assert_allclose(model.predict(X, quantiles=[0.2, 0.3]), direct)
    assert model.predict(X).shape == (X.shape[0], 3)


def test_per_level_model_answers_fitted_levels_only(data):
    X, y = data
    model = MultiQuantileRegressor(DecreasingQuantile(), quantiles=LEVELS).fit(X, y)
    np.testing.assert_array_equal(
        model.predict(X, quantiles=[0.1, 0.9]), model.predict(X)[:, [0, 2]]
    )
    with pytest.raises(ValueError, match=r"\[0.25\] were not fitted"):
        model.predict(X, quantiles=[0.25])


def test_crossing_members_are_sorted(data):
    X, y = data
    model = MultiQuantileRegressor(DecreasingQuantile(), quantiles=LEVELS).fit(X, y)
    raw = np.column_stack([m.predict(X) for m in model.estimators_])
    assert np.all(np.diff(raw, axis=1) < 0)  # the members really cross
    pred = model.predict(X)
    assert np.all(np.diff(pred, axis=1) >= 0)
    np.testing.assert_array_equal(pred, np.sort(raw, axis=1))


def test_score_is_negative_wis_and_grid_search_sees_the_levels(data):
    X, y = data
    gbr = GradientBoostingRegressor(loss="quantile", n_estimators=10, random_state=0)
    model = MultiQuantileRegressor(gbr, quantiles=LEVELS).fit(X, y)
    assert model.score(X, y) == -weighted_interval_score(y, model.predict(X), LEVELS)
    search = GridSearchCV(
        MultiQuantileRegressor(gbr, quantiles=LEVELS),
        {"estimator__max_depth": [1, 3]},
        cv=3,
    ).fit(X, y)
    assert np.all(search.cv_results_["mean_test_score"] < 0)


@pytest.mark.parametrize(
    "quantiles, match",
    [
        ([0.0, 0.5], "strictly between 0 and 1"),
        ([0.5, 1.2], "strictly between 0 and 1"),
        ([0.9, 0.1], "strictly increasing"),
        ([0.5, 0.5], "strictly increasing"),
    ],
)
def test_bad_levels(data, quantiles, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        MultiQuantileRegressor(DecreasingQuantile(), quantiles=quantiles).fit(X, y)


def test_estimator_without_quantile_parameter(data):
    X, y = data
    with pytest.raises(TypeError, match="Ridge has no quantile parameter"):
        MultiQuantileRegressor(Ridge()).fit(X, y)


def test_quantile_parameter_with_the_wrong_loss(data):
    X, y = data
    with pytest.raises(ValueError, match="set loss='quantile'"):
        MultiQuantileRegressor(HistGradientBoostingRegressor()).fit(X, y)


def test_nan_is_rejected(data):
    X, y = data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MultiQuantileRegressor(DecreasingQuantile()).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        MultiQuantileRegressor(DecreasingQuantile()).fit(data[0], np.r_[np.nan, y[1:]])


def _weighted_pipeline():
    return make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0))


def test_sample_weight_reaches_a_pipeline_final_step(data):
    X, y = data
    w = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    model = MultiQuantileRegressor(_weighted_pipeline(), quantiles=LEVELS)
    model.fit(X, y, sample_weight=w)
    manual = [
        _weighted_pipeline()
        .set_params(quantileregressor__quantile=q)
        .fit(X, y, quantileregressor__sample_weight=w)
        .predict(X)
        for q in LEVELS
    ]
    np.testing.assert_allclose(model.predict(X), np.sort(np.column_stack(manual), 1))
    unweighted = MultiQuantileRegressor(_weighted_pipeline(), quantiles=LEVELS)
    assert not np.allclose(unweighted.fit(X, y).predict(X), model.predict(X))


def test_sample_weight_with_metadata_routing(data):
    X, y = data
    w = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    expected = (
        MultiQuantileRegressor(_weighted_pipeline(), quantiles=LEVELS)
        .fit(X, y, sample_weight=w)
        .predict(X)
    )
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            QuantileRegressor(alpha=0.0).set_fit_request(sample_weight=True),
        )
        model = MultiQuantileRegressor(pipe, quantiles=LEVELS)
        got = model.fit(X, y, sample_weight=w).predict(X)
    np.testing.assert_allclose(got, expected)


def test_estimator_without_sample_weight_gets_a_clear_error(data):
    X, y = data

    class NoWeights(DecreasingQuantile):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.raises(TypeError, match="does not accept sample_weight"):
        MultiQuantileRegressor(NoWeights()).fit(X, y, sample_weight=np.ones(y.size))


def test_routing_on_without_weights_and_a_model_that_does_not_request_them(data):
    """With routing on, fit(X, y) without sample_weight must not route a None
    (the aggregator fits its wrapped per-level models this way)."""
    X, y = data
    expected = MultiQuantileRegressor(DecreasingQuantile(), quantiles=LEVELS)
    expected = expected.fit(X, y).predict(X)
    with sklearn.config_context(enable_metadata_routing=True):
        est = DecreasingQuantile().set_fit_request(sample_weight=False)
        model = MultiQuantileRegressor(est, quantiles=LEVELS).fit(X, y)
    np.testing.assert_allclose(model.predict(X), expected)


class _Native(DecreasingQuantile):
    """Native multi-quantile model returning what ``kind`` says."""

    def __init__(self, kind="2d"):
        self.kind = kind

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y)
        self.center_ = float(np.mean(y))
        return self

    def predict(self, X, quantiles=None):
        X = validate_data(self, X, reset=False)
        levels = np.asarray(quantiles)
        base = np.round(self.center_) + np.round(10 * (levels - 0.5))[None, :]
        pred = np.repeat(base, X.shape[0], axis=0).astype(np.int64)
        if self.kind == "1d":
            return pred[:, 0]
        if self.kind == "short":
            return pred[:, :1]
        return pred


def test_native_predictions_are_float_and_1d_single_level_is_a_column(data):
    X, y = data
    X5 = X[:5]
    model = MultiQuantileRegressor(_Native("2d"), quantiles=LEVELS).fit(X, y)
    pred = model.predict(X5)
    assert pred.dtype == np.float64 and pred.shape == (5, 3)
    # one level: a 1-d answer is one column, a 2-d answer is kept as it is
    for kind in ("1d", "2d"):
        single = MultiQuantileRegressor(_Native(kind), quantiles=[0.5]).fit(X, y)
        np.testing.assert_array_equal(
            single.predict(X5), np.full((5, 1), np.round(np.mean(y)))
        )
    # a 1-d answer for two levels is wrong, not reshaped
    two = MultiQuantileRegressor(_Native("1d"), quantiles=[0.1, 0.9]).fit(X, y)
    with pytest.raises(ValueError, match=r"returned shape \(5,\); expected"):
        two.predict(X5)
    short = MultiQuantileRegressor(_Native("short"), quantiles=LEVELS).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"_Native.predict\(X, quantiles=...\) returned shape \(5, 1\); "
        r"expected \(n_samples, n_quantiles\) = \(5, 3\)",
    ):
        short.predict(X5)


def test_routing_error_names_the_meta_estimator(data):
    X, y = data
    with sklearn.config_context(enable_metadata_routing=True):
        est = DecreasingQuantile().set_fit_request(sample_weight=False)
        with pytest.raises(TypeError, match=r"^MultiQuantileRegressor.fit got"):
            MultiQuantileRegressor(est).fit(X, y, sample_weight=np.ones(y.size))


def test_score_uses_sample_weight(data):
    X, y = data
    model = MultiQuantileRegressor(DecreasingQuantile(), quantiles=LEVELS).fit(X, y)
    w = np.random.default_rng(1).uniform(0, 3, size=y.size)
    q = model.predict(X)
    # WIS of each row, written out: (|y - m| / 2 + sum_k alpha_k / 2 IS_k) / 1.5
    lo, m, hi = q.T
    a = 0.2
    is_ = (hi - lo) + 2 / a * (lo - y) * (y < lo) + 2 / a * (y - hi) * (y > hi)
    rows = (0.5 * np.abs(y - m) + a / 2 * is_) / 1.5
    np.testing.assert_allclose(
        model.score(X, y, sample_weight=w), -np.average(rows, weights=w)
    )
    np.testing.assert_allclose(model.score(X, y), -rows.mean())

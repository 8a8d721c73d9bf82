"""ConformalRegressor: API, composition, bad input and agreement with peers."""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import BayesianRidge, LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from skvariance.calibration import ConformalRegressor
from skvariance.calibration import _regressor as regressor_module
from skvariance.metrics import neg_interval_score_scorer

from ._helpers import LinearWithStd, heteroscedastic


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 300)
    X_test, y_test = heteroscedastic(rng, 50)
    return X, y, X_test, y_test


def test_score_parameter_and_score_method_coexist(data):
    X, y, *_ = data
    reg = ConformalRegressor(BayesianRidge(), score="normalized", random_state=0)
    assert reg.get_params()["score"] == "normalized"
    assert "score='normalized'" in repr(reg)
    reg.fit(X, y)
    assert isinstance(reg.score(X, y), float)  # R^2 of predict
    assert clone(reg).get_params()["score"] == "normalized"
    reg.set_params(score="absolute")
    assert reg.get_params()["score"] == "absolute"


def test_one_fit_serves_every_coverage(data):
    X, y, X_test, _ = data
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    many = reg.predict_interval(X_test, coverage=[0.5, 0.9, 0.95])
    assert many.shape == (50, 2, 3)
    for k, c in enumerate([0.5, 0.9, 0.95]):
        np.testing.assert_array_equal(many[:, :, k], reg.predict_interval(X_test, c))
    width = many[:, 1] - many[:, 0]
    assert np.all(np.diff(width, axis=1) > 0)
    np.testing.assert_array_equal(reg.predict_interval(X_test), many[:, :, 1])


def test_normalized_intervals_adapt_to_sigma(data):
    X, y, X_test, _ = data
    reg = ConformalRegressor(LinearWithStd(), score="normalized", random_state=0)
    bounds = reg.fit(X, y).predict_interval(X_test)
    width = bounds[:, 1] - bounds[:, 0]
    sigma = 0.2 + np.abs(X_test[:, 0])
    np.testing.assert_allclose(width / sigma, (width / sigma)[0])
    absolute = ConformalRegressor(LinearWithStd(), random_state=0).fit(X, y)
    width_abs = np.diff(absolute.predict_interval(X_test), axis=1)[:, 0]
    np.testing.assert_allclose(width_abs, width_abs[0])


def test_sigma_estimator_gives_adaptive_intervals(data):
    X, y, X_test, _ = data
    reg = ConformalRegressor(
        LinearRegression(),
        score="normalized",
        sigma_estimator=DecisionTreeRegressor(max_depth=3),
        random_state=0,
    ).fit(X, y)
    width = np.diff(reg.predict_interval(X_test), axis=1)[:, 0]
    far = np.abs(X_test[:, 0]) > 1.5
    near = np.abs(X_test[:, 0]) < 0.5
    assert width[far].mean() > 1.5 * width[near].mean()
    assert reg.sigma_floor_ > 0


def _naive_cv_plus(reg, X_test, coverage):
    """CV+ bounds from the full (n_test, n_train) matrix."""
    mu = np.stack([m.predict(X_test) for m in reg.estimators_])  # (K, m)
    centers = mu.T @ reg._out_of.T  # (m, n)
    r = reg.conformity_scores_
    n = r.size
    lo_rank = int(np.floor((1 - coverage) * (n + 1)))
    hi_rank = int(np.ceil(coverage * (n + 1)))
    lower = np.sort(centers - r, axis=1)[:, lo_rank - 1]
    upper = np.sort(centers + r, axis=1)[:, hi_rank - 1]
    return np.column_stack([lower, upper])


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_intervals_match_full_matrix_and_do_not_depend_on_chunks(
    data, method, monkeypatch
):
    X, y, X_test, _ = data
    reg = ConformalRegressor(
        Ridge(), method=method, n_resamples=10, random_state=0
    ).fit(X, y)
    whole = reg.predict_interval(X_test, coverage=0.8)
    np.testing.assert_allclose(whole, _naive_cv_plus(reg, X_test, 0.8), rtol=1e-12)
    monkeypatch.setattr(regressor_module, "_CHUNK_ELEMENTS", 7 * X.shape[0])
    np.testing.assert_array_equal(reg.predict_interval(X_test, coverage=0.8), whole)


def test_cv_plus_folds_and_bootstrap_attributes(data):
    X, y, *_ = data
    reg = ConformalRegressor(Ridge(), method="cv_plus", cv=4, random_state=0).fit(X, y)
    assert len(reg.estimators_) == 4
    assert reg.conformity_scores_.shape == (300,)
    jab = ConformalRegressor(
        Ridge(), method="jackknife_plus_ab", n_resamples=12, random_state=0
    ).fit(X, y)
    assert len(jab.estimators_) == 12
    assert jab.n_excluded_ + jab.conformity_scores_.size == 300


def test_clone_pipeline_and_grid_search(data):
    X, y, X_test, _ = data
    reg = ConformalRegressor(BayesianRidge(), random_state=0)
    pipe = make_pipeline(StandardScaler(), reg).fit(X, y)
    assert pipe.predict(X_test).shape == (50,)
    assert pipe[-1].predict_interval(X_test).shape == (50, 2)
    search = GridSearchCV(
        reg,
        {"score": ["absolute", "normalized"], "estimator__alpha_1": [1e-6, 1.0]},
        scoring=neg_interval_score_scorer,
        cv=3,
    ).fit(X, y)
    assert search.best_params_["score"] in ("absolute", "normalized")
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict_interval(X_test).shape == (50, 2)
    # default scoring: the R^2 of predict
    GridSearchCV(reg, {"estimator__alpha_1": [1e-6, 1.0]}, cv=3).fit(X, y)


def test_user_estimator_and_data_are_not_modified(data):
    X, y, *_ = data
    ridge = Ridge(alpha=2.0)
    X_copy, y_copy = X.copy(), y.copy()
    reg = ConformalRegressor(ridge, method="cv_plus", random_state=0).fit(X, y)
    assert not hasattr(ridge, "coef_")
    assert reg.estimators_[0] is not ridge
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_same_seed_same_split_other_seed_other_split(data):
    X, y, X_test, _ = data
    a = ConformalRegressor(Ridge(), random_state=1).fit(X, y)
    b = ConformalRegressor(Ridge(), random_state=1).fit(X, y)
    c = ConformalRegressor(Ridge(), random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.calibration_indices_, b.calibration_indices_)
    assert not np.array_equal(a.calibration_indices_, c.calibration_indices_)


# -- sample_weight and metadata routing -----------------------------------------
def _manual_split_fit(reg, X, y, w):
    train = np.setdiff1d(np.arange(X.shape[0]), reg.calibration_indices_)
    return make_pipeline(StandardScaler(), Ridge()).fit(
        X[train], y[train], ridge__sample_weight=w[train]
    )


def test_sample_weight_reaches_pipeline_final_step_without_routing(data):
    X, y, X_test, _ = data
    w = np.random.RandomState(1).uniform(0.1, 3.0, size=X.shape[0])
    reg = ConformalRegressor(make_pipeline(StandardScaler(), Ridge()), random_state=0)
    reg.fit(X, y, sample_weight=w)
    manual = _manual_split_fit(reg, X, y, w)
    np.testing.assert_allclose(reg.predict(X_test), manual.predict(X_test))
    unweighted = ConformalRegressor(
        make_pipeline(StandardScaler(), Ridge()), random_state=0
    ).fit(X, y)
    assert not np.allclose(unweighted.predict(X_test), reg.predict(X_test))


def test_sample_weight_is_routed_when_routing_is_enabled(data):
    X, y, X_test, _ = data
    w = np.random.RandomState(1).uniform(0.1, 3.0, size=X.shape[0])
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            Ridge().set_fit_request(sample_weight=True),
        )
        reg = ConformalRegressor(pipe, random_state=0).fit(X, y, sample_weight=w)
        routed = reg.predict(X_test)
        cv = ConformalRegressor(pipe, method="cv_plus", random_state=0)
        cv.fit(X, y, sample_weight=w)
        unrequested = make_pipeline(StandardScaler(), Ridge())
        with pytest.raises(ValueError, match="sample_weight"):
            ConformalRegressor(unrequested).fit(X, y, sample_weight=w)
    manual = _manual_split_fit(reg, X, y, w)
    np.testing.assert_allclose(routed, manual.predict(X_test))


def test_estimator_without_sample_weight_is_a_clear_error(data):
    X, y, *_ = data
    with pytest.raises(TypeError, match="KNeighborsRegressor does not accept"):
        ConformalRegressor(KNeighborsRegressor()).fit(
            X, y, sample_weight=np.ones(X.shape[0])
        )


# -- bad input ------------------------------------------------------------------
@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1])
def test_coverage_outside_unit_interval(data, coverage):
    X, y, X_test, _ = data
    with pytest.raises(ValueError, match="coverage"):
        ConformalRegressor(Ridge(), coverage=coverage).fit(X, y)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="coverage"):
        reg.predict_interval(X_test, coverage=coverage)
    with pytest.raises(ValueError, match="coverage"):
        reg.predict_interval(X_test, coverage=[0.5, coverage])


def test_calibration_set_too_small_is_an_error(data):
    X, y, X_test, _ = data
    with pytest.raises(ValueError, match="calibration set has 10 samples"):
        ConformalRegressor(Ridge(), coverage=0.95, calibration_size=10).fit(X, y)
    reg = ConformalRegressor(Ridge(), coverage=0.9, calibration_size=10).fit(X, y)
    with pytest.raises(ValueError, match="needs at least 19"):
        reg.predict_interval(X_test, coverage=0.95)


def test_small_mondrian_group_is_an_error(data):
    X, y, *_ = data
    groups = np.zeros(X.shape[0], dtype=int)
    groups[:12] = 1  # about 3 calibration points in group 1
    with pytest.raises(ValueError, match="calibration group 1"):
        ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)


def test_groups_checked_at_predict(data):
    X, y, X_test, _ = data
    groups = (X[:, 1] > 0).astype(int)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="groups is required"):
        reg.predict_interval(X_test)
    with pytest.raises(ValueError, match=r"unseen at fit: \[7\]"):
        reg.predict_interval(X_test, groups=np.full(50, 7))
    with pytest.raises(ValueError, match="50 samples"):
        reg.predict_interval(X_test, groups=np.zeros(3))
    plain = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted without groups"):
        plain.predict_interval(X_test, groups=np.zeros(50))
    with pytest.raises(ValueError, match="need method='split'"):
        ConformalRegressor(Ridge(), method="cv_plus").fit(X, y, groups=groups)


@pytest.mark.parametrize("where", ["X", "y"])
def test_nan_input(data, where):
    X, y, *_ = data
    X, y = X.copy(), y.copy()
    (X if where == "X" else y)[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ConformalRegressor(Ridge()).fit(X, y)


def test_bad_shift_weights(data):
    X, y, X_test, _ = data
    w = np.ones(X.shape[0])
    w[5] = -1.0
    with pytest.raises(ValueError, match="shift_weight must be non-negative"):
        ConformalRegressor(Ridge()).fit(X, y, shift_weight=w)
    w[5] = np.nan
    with pytest.raises(ValueError, match="finite"):
        ConformalRegressor(Ridge()).fit(X, y, shift_weight=w)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(
        X, y, shift_weight=np.ones(X.shape[0])
    )
    with pytest.raises(ValueError, match="shift_weight is required"):
        reg.predict_interval(X_test)
    with pytest.raises(ValueError, match="negative"):
        reg.predict_interval(X_test, shift_weight=-np.ones(50))

    def negative(Z):
        return -np.ones(Z.shape[0])

    with pytest.raises(ValueError, match="weight_function"):
        ConformalRegressor(Ridge(), weight_function=negative).fit(X, y)


def test_negative_sample_weight(data):
    X, y, *_ = data
    w = np.ones(X.shape[0])
    w[0] = -1
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        ConformalRegressor(Ridge()).fit(X, y, sample_weight=w)


def test_normalized_needs_a_std(data):
    X, y, *_ = data
    with pytest.raises(TypeError, match="return_std"):
        ConformalRegressor(Ridge(), score="normalized").fit(X, y)


def test_weighted_interval_may_be_infinite_and_says_so(data):
    X, y, X_test, _ = data
    reg = ConformalRegressor(Ridge(), random_state=0).fit(
        X, y, shift_weight=np.ones(X.shape[0])
    )
    huge = np.full(50, 1e6)  # the test point carries almost all the mass
    bounds = reg.predict_interval(X_test, shift_weight=huge)
    assert np.isinf(bounds).all()


# -- agreement with the reference implementations --------------------------------
def test_split_intervals_identical_to_mapie_on_the_same_split(data):
    mapie = pytest.importorskip("mapie.regression")
    X, y, X_test, _ = data
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    cal = reg.calibration_indices_
    peer = mapie.SplitConformalRegressor(
        reg.estimator_, confidence_level=[0.8, 0.9], prefit=True
    ).conformalize(X[cal], y[cal])
    _, peer_bounds = peer.predict_interval(X_test)
    np.testing.assert_allclose(
        reg.predict_interval(X_test, coverage=[0.8, 0.9]), peer_bounds, rtol=1e-12
    )


def test_mondrian_intervals_identical_to_crepes(data):
    crepes = pytest.importorskip("crepes")
    X, y, X_test, _ = data
    groups = (X[:, 1] > 0).astype(int)
    groups_test = (X_test[:, 1] > 0).astype(int)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
    cal = reg.calibration_indices_
    peer = crepes.ConformalRegressor().fit(
        y[cal] - reg.estimator_.predict(X[cal]), bins=groups[cal]
    )
    peer_bounds = peer.predict_int(
        reg.predict(X_test), bins=groups_test, confidence=0.9, y_min=-np.inf
    )
    np.testing.assert_allclose(
        reg.predict_interval(X_test, groups=groups_test), peer_bounds, rtol=1e-12
    )


def test_predictive_distribution_identical_to_crepes(data):
    crepes = pytest.importorskip("crepes")
    X, y, X_test, _ = data
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    cal = reg.calibration_indices_
    peer = crepes.ConformalPredictiveSystem().fit(
        y[cal] - reg.estimator_.predict(X[cal])
    )
    levels = [0.05, 0.5, 0.95]
    peer_q = peer.predict(
        reg.predict(X_test), higher_percentiles=[100 * p for p in levels]
    )
    np.testing.assert_allclose(reg.predict_quantiles(X_test, levels), peer_q)


def test_groups_routed_through_a_pipeline_when_routing_is_enabled(data):
    X, y, X_test, _ = data
    groups = (X[:, 1] > 0).astype(int)
    with sklearn.config_context(enable_metadata_routing=True):
        reg = ConformalRegressor(Ridge(), random_state=0).set_fit_request(groups=True)
        pipe = make_pipeline(StandardScaler(), reg).fit(X, y, groups=groups)
    assert pipe[-1].groups_.tolist() == [0, 1]

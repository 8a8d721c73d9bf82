"""ConformalRegressor: API, composition, bad input and agreement with peers."""

from fractions import Fraction

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import BayesianRidge, LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from skvariance.calibration import (
    CalibrationSizeWarning,
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)
from skvariance.calibration import _regressor as regressor_module
from skvariance.metrics import neg_interval_score_scorer
from skvariance.utils._seeds import derive_seeds

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


def _rank(n, level):
    """ceil((n + 1) level) in exact rational arithmetic."""
    exact = Fraction(str(level)) * (n + 1)
    return int(-(-exact.numerator // exact.denominator))


def _by_hand(method, X, y, X_test, coverage, n_resamples, random_state):
    """CV+ / jackknife+-after-bootstrap written out with the full matrix.

    The folds (KFold(5) without shuffling, as check_cv gives for an int) or
    the bootstrap samples (the documented seeding: model seeds first, then
    ``rng.randint(0, n, n)`` per sample) are drawn here, the models fitted
    here, the out-of-fold / out-of-bag residuals computed here.
    """
    n = X.shape[0]
    if method == "cv_plus":
        trains = [tr for tr, _ in KFold(5).split(X)]
    else:
        rng = np.random.RandomState(random_state)
        derive_seeds(rng, n_resamples)  # Ridge is deterministic: seeds unused
        trains = [rng.randint(0, n, size=n) for _ in range(n_resamples)]
    models = [Ridge().fit(X[tr], y[tr]) for tr in trains]
    out = np.ones((n, len(models)), dtype=bool)
    for k, tr in enumerate(trains):
        out[tr, k] = False
    keep = out.any(axis=1)
    w = out[keep] / out[keep].sum(axis=1, keepdims=True)
    mu_train = np.stack([m.predict(X) for m in models])  # (K, n)
    r = np.abs(y[keep] - np.einsum("ik,ki->i", w, mu_train[:, keep]))
    centers = np.stack([m.predict(X_test) for m in models]).T @ w.T  # (m, n_keep)
    m = r.size
    hi = _rank(m, coverage)
    lo = m + 1 - hi  # floor((1 - coverage)(m + 1))
    lower = np.sort(centers - r, axis=1)[:, lo - 1]
    upper = np.sort(centers + r, axis=1)[:, hi - 1]
    return np.column_stack([lower, upper]), int((~keep).sum())


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_intervals_match_an_independent_computation_and_chunks(
    data, method, monkeypatch
):
    X, y, X_test, _ = data
    reg = ConformalRegressor(
        Ridge(), method=method, n_resamples=25, random_state=0
    ).fit(X, y)
    whole = reg.predict_interval(X_test, coverage=0.8)
    ref, n_never = _by_hand(method, X, y, X_test, 0.8, 25, 0)
    assert n_never == 0
    np.testing.assert_allclose(whole, ref, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(regressor_module, "_CHUNK_ELEMENTS", 7 * X.shape[0])
    # a different block of the matrix product: equal up to rounding
    np.testing.assert_allclose(
        reg.predict_interval(X_test, coverage=0.8), whole, rtol=0, atol=1e-12
    )


def test_rows_never_out_of_bag_are_counted_and_warned(data):
    X, y, X_test, _ = data
    ref, n_never = _by_hand("jackknife_plus_ab", X, y, X_test, 0.8, 8, 3)
    assert n_never > 0  # 300 rows, 8 bootstrap samples: a few always in
    with pytest.warns(UserWarning, match=f"{n_never} of 300 rows were in every"):
        jab = ConformalRegressor(
            Ridge(), method="jackknife_plus_ab", n_resamples=8, random_state=3
        ).fit(X, y)
    assert jab.n_excluded_ == n_never
    assert len(jab.estimators_) == 8
    np.testing.assert_allclose(jab.predict_interval(X_test, 0.8), ref, atol=1e-12)


def test_cv_plus_folds(data):
    X, y, *_ = data
    reg = ConformalRegressor(Ridge(), method="cv_plus", cv=4, random_state=0).fit(X, y)
    assert len(reg.estimators_) == 4
    assert reg.n_excluded_ == 0


@pytest.mark.parametrize("method", ["split", "cv_plus", "jackknife_plus_ab"])
def test_constant_y_is_an_error(data, method):
    X, *_ = data
    with pytest.raises(ValueError, match="y is constant"):
        ConformalRegressor(Ridge(), method=method).fit(X, np.full(X.shape[0], 2.5))


def test_all_zero_shift_weights_are_an_error(data):
    X, y, *_ = data
    zeros = np.zeros(X.shape[0])
    with pytest.raises(ValueError, match="shift_weight is zero for every"):
        ConformalRegressor(Ridge(), random_state=0).fit(X, y, shift_weight=zeros)

    def zero(Z):
        return np.zeros(Z.shape[0])

    with pytest.raises(ValueError, match=r"weight_function\(X_calibration\) is zero"):
        ConformalRegressor(Ridge(), weight_function=zero, random_state=0).fit(X, y)
    # zero on the calibration rows only (positive on one training row)
    reg = ConformalRegressor(Ridge(), calibration_size=0.5, random_state=0)
    train = np.setdiff1d(np.arange(300), reg.fit(X, y).calibration_indices_)
    w = zeros.copy()
    w[train[0]] = 1.0
    with pytest.raises(ValueError, match="shift_weight is zero for every"):
        reg.fit(X, y, shift_weight=w)
    with pytest.raises(ValueError, match="shift_weight is zero for every"):
        ConformalQuantileRegressor(random_state=0).fit(X, y, shift_weight=zeros)
    labels = (y > np.median(y)).astype(int)
    with pytest.raises(ValueError, match="shift_weight is zero for every"):
        ConformalClassifier(random_state=0).fit(X, labels, shift_weight=zeros)
    # a zero test weight is fine: the quantile of the calibration weights
    fitted = ConformalRegressor(Ridge(), random_state=0).fit(
        X, y, shift_weight=np.ones(300)
    )
    plain = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    n_cal = plain.conformity_scores_.size
    q = np.sort(plain.conformity_scores_)[int(np.ceil(0.9 * n_cal)) - 1]
    mu = plain.predict(X[:5])
    np.testing.assert_allclose(
        fitted.predict_interval(X[:5], shift_weight=np.zeros(5)),
        np.column_stack([mu - q, mu + q]),
    )


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
    with pytest.warns(CalibrationSizeWarning, match="50 of 50 test points"):
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

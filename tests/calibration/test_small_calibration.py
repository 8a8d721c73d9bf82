"""Too small a calibration set: the exact (infinite) conformal answer, a warning.

The references are the conformal formula written out here,
``k = ceil((n + 1) * coverage)``-th smallest score, ``+inf`` when ``k > n``;
they never come from the calibrator's own sorted scores.
"""

import math

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold

from skvariance.calibration import (
    CalibrationSizeWarning,
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)
from skvariance.metrics import coverage_scorer, set_coverage_scorer

from ._helpers import heteroscedastic

# (coverage, smallest n with a finite quantile) = ceil(1 / alpha) - 1
BOUNDARIES = [(0.9, 9), (0.95, 19), (0.8, 4)]


def _reference_quantile(scores, coverage):
    """``ceil((n + 1) coverage)``-th smallest score, written out (``+inf`` if > n)."""
    n = len(scores)
    k = math.ceil(round((n + 1) * coverage, 9))
    return np.inf if k > n else np.sort(scores)[k - 1]


def test_the_warning_is_a_user_warning():
    assert issubclass(CalibrationSizeWarning, UserWarning)


@pytest.mark.parametrize("coverage, threshold", BOUNDARIES)
def test_split_regressor_is_infinite_below_the_threshold_and_exact_from_it(
    coverage, threshold
):
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 60)
    X_test, _ = heteroscedastic(rng, 7)
    for n_cal in (threshold - 1, threshold, threshold + 1, 3 * threshold):
        reg = ConformalRegressor(
            Ridge(), coverage=coverage, calibration_size=n_cal, random_state=0
        ).fit(X, y)  # never raises
        cal = reg.calibration_indices_
        train = np.setdiff1d(np.arange(60), cal)
        model = Ridge().fit(X[train], y[train])  # refitted by hand
        q = _reference_quantile(np.abs(y[cal] - model.predict(X[cal])), coverage)
        mu = model.predict(X_test)
        if n_cal < threshold:
            assert q == np.inf
            with pytest.warns(
                CalibrationSizeWarning,
                match=rf"has {n_cal} samples; coverage {coverage} needs at least "
                rf"{threshold}: .*\(-inf, inf\)",
            ):
                bounds = reg.predict_interval(X_test)
            assert np.all(bounds[:, 0] == -np.inf) and np.all(bounds[:, 1] == np.inf)
        else:
            bounds = reg.predict_interval(X_test)  # no warning (they are errors)
            assert np.isfinite(q)
            np.testing.assert_allclose(bounds, np.c_[mu - q, mu + q], rtol=1e-10)


def test_coverage_asked_at_predict_time_too_high_for_the_calibration_set():
    rng = np.random.RandomState(1)
    X, y = heteroscedastic(rng, 80)
    reg = ConformalRegressor(Ridge(), calibration_size=18, random_state=0).fit(X, y)
    reg.predict_interval(X[:5])  # 0.9 needs 9: finite, no warning
    with pytest.warns(CalibrationSizeWarning, match="coverage 0.95 needs at least 19"):
        both = reg.predict_interval(X[:5], coverage=[0.9, 0.95])
    assert np.isfinite(both[:, :, 0]).all()
    assert np.all(np.abs(both[:, :, 1]) == np.inf)
    assert np.all(both[:, 0, 1] < 0)  # (-inf, inf), not (inf, -inf)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
@pytest.mark.parametrize("coverage, threshold", BOUNDARIES[:2])
def test_cross_methods_are_infinite_below_the_threshold(method, coverage, threshold):
    rng = np.random.RandomState(2)
    X_test, _ = heteroscedastic(rng, 4)
    for n in (threshold - 1, threshold):
        X, y = heteroscedastic(rng, n)
        reg = ConformalRegressor(
            Ridge(), method=method, cv=3, coverage=coverage, random_state=0
        ).fit(X, y)
        if n < threshold:
            with pytest.warns(CalibrationSizeWarning, match=f"has {n} samples"):
                bounds = reg.predict_interval(X_test)
            np.testing.assert_array_equal(bounds, [[-np.inf, np.inf]] * 4)
        else:
            assert np.isfinite(reg.predict_interval(X_test)).all()


@pytest.mark.parametrize("n", [8, 9])
def test_cv_plus_bounds_at_the_boundary_match_the_formula(n):
    # CV+ at coverage 0.9: the upper bound is the k-th smallest of
    # mu_{-i}(x) + R_i and the lower the k-th largest of mu_{-i}(x) - R_i,
    # k = ceil(0.9 (n + 1)); n = 8 has k = 9 > n (infinite), n = 9 has k = 9
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, n)
    X_test, _ = heteroscedastic(rng, 3)
    cv = KFold(3)
    centers, residuals = [], []
    for train, test in cv.split(X):
        model = Ridge().fit(X[train], y[train])
        residuals.append(np.abs(y[test] - model.predict(X[test])))
        centers.append(np.repeat(model.predict(X_test)[:, None], test.size, axis=1))
    R, C = np.concatenate(residuals), np.concatenate(centers, axis=1)
    k = math.ceil(round((n + 1) * 0.9, 9))
    reg = ConformalRegressor(Ridge(), method="cv_plus", cv=cv).fit(X, y)
    if k > n:
        with pytest.warns(CalibrationSizeWarning):
            bounds = reg.predict_interval(X_test)
        expected = np.c_[np.full(3, -np.inf), np.full(3, np.inf)]
    else:
        bounds = reg.predict_interval(X_test)
        expected = np.c_[
            -np.sort(-(C - R), axis=1)[:, k - 1], np.sort(C + R, axis=1)[:, k - 1]
        ]
    np.testing.assert_allclose(bounds, expected, rtol=1e-10)


def test_mondrian_small_group_is_infinite_for_that_group_only():
    rng = np.random.RandomState(4)
    X, y = heteroscedastic(rng, 200)
    groups = np.where(np.arange(200) < 12, 1, 0)  # a few calibration rows in 1
    groups[12:14] = 2  # group 2: no calibration row at all (most likely)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
    cal = reg.calibration_indices_
    n1, n2 = int(np.sum(groups[cal] == 1)), int(np.sum(groups[cal] == 2))
    assert n1 < 9 and n2 < 9
    test_groups = np.array([0, 1, 2, 0])
    with pytest.warns(CalibrationSizeWarning) as record:
        bounds = reg.predict_interval(X[:4], groups=test_groups)
    message = str(record[0].message)
    assert f"calibration group 1 has {n1} samples" in message
    assert f"calibration group 2 has {n2} samples" in message
    assert "group 0" not in message
    assert np.isinf(bounds[[1, 2]]).all()
    # group 0 keeps its own finite quantile, the formula's
    train = np.setdiff1d(np.arange(200), cal)
    model = Ridge().fit(X[train], y[train])
    in0 = cal[groups[cal] == 0]
    q = _reference_quantile(np.abs(y[in0] - model.predict(X[in0])), 0.9)
    mu = model.predict(X[[0, 3]])
    np.testing.assert_allclose(bounds[[0, 3]], np.c_[mu - q, mu + q], rtol=1e-10)
    # test points of well-calibrated groups only: no warning
    assert np.isfinite(reg.predict_interval(X[:2], groups=[0, 0])).all()


@pytest.mark.parametrize("coverage, threshold", BOUNDARIES[:2])
def test_cqr_is_infinite_below_the_threshold_and_exact_from_it(coverage, threshold):
    rng = np.random.RandomState(5)
    X, y = heteroscedastic(rng, 80)
    for n_cal in (threshold - 1, threshold):
        cqr = ConformalQuantileRegressor(
            coverage=coverage, calibration_size=n_cal, random_state=0
        ).fit(X, y)
        base = cqr.predict_quantiles(X[:5])
        if n_cal < threshold:
            with pytest.warns(CalibrationSizeWarning, match=f"has {n_cal} samples"):
                bounds = cqr.predict_interval(X[:5])
            np.testing.assert_array_equal(bounds, [[-np.inf, np.inf]] * 5)
        else:
            cal = cqr.calibration_indices_
            pred = cqr.predict_quantiles(X[cal])
            scores = np.maximum(pred[:, 0] - y[cal], y[cal] - pred[:, -1])
            q = _reference_quantile(scores, coverage)
            np.testing.assert_allclose(
                cqr.predict_interval(X[:5]), np.c_[base[:, 0] - q, base[:, -1] + q]
            )


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_classifier_small_calibration_gives_every_label(method):
    # 8 calibration rows (split: 8 of 12; CV+: every row of 8); 0.9 needs 9
    n, kwargs = (12, {"calibration_size": 8}) if method == "split" else (8, {"cv": 2})
    rng = np.random.RandomState(6)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 2)) + 3.0 * np.c_[y == 1, y == 2]
    clf = ConformalClassifier(LogisticRegression(), method=method, **kwargs)
    clf.fit(X, y)
    with pytest.warns(CalibrationSizeWarning, match="every prediction set holds"):
        sets = clf.predict_set(X)
    assert sets.all()


def test_classifier_split_boundary_matches_the_lac_formula():
    rng = np.random.RandomState(7)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)
    for n_cal in (8, 9, 10):
        clf = ConformalClassifier(
            LogisticRegression(), calibration_size=n_cal, random_state=0
        ).fit(X, y)
        if n_cal < 9:
            with pytest.warns(CalibrationSizeWarning, match="has 8 samples"):
                assert clf.predict_set(X[:20]).all()
            continue
        cal = clf.calibration_indices_
        train = np.setdiff1d(np.arange(200), cal)
        model = LogisticRegression().fit(X[train], y[train])
        q = _reference_quantile(
            1 - model.predict_proba(X[cal])[np.arange(n_cal), y[cal]], 0.9
        )
        expected = 1 - model.predict_proba(X[:20]) <= q
        np.testing.assert_array_equal(clf.predict_set(X[:20]), expected)


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_class_conditional_small_class_is_in_every_set(method):
    rng = np.random.RandomState(8)
    y = np.repeat([0, 1, 2], [60, 60, 6])  # class 2: too few rows for 0.9
    X = rng.normal(size=(126, 2)) + 2.0 * np.c_[y == 1, y == 2]
    clf = ConformalClassifier(
        LogisticRegression(), method=method, class_conditional=True, random_state=0
    ).fit(X, y)
    with pytest.warns(CalibrationSizeWarning, match="calibration group 2 has") as rec:
        sets = clf.predict_set(X)
    assert "group 0" not in str(rec[0].message)
    assert "its class is in every prediction set" in str(rec[0].message)
    assert sets[:, 2].all()
    assert not sets[:, 0].all()  # the other classes keep finite thresholds


@pytest.mark.parametrize(
    "estimator, grid, scoring",
    [
        (ConformalRegressor(Ridge()), {"estimator__alpha": [0.1, 10.0]}, None),
        (ConformalRegressor(Ridge()), {"estimator__alpha": [1.0]}, coverage_scorer),
        (
            # CV+ calibrates on all 24 rows: 0.97 needs 32
            ConformalRegressor(Ridge(), method="cv_plus", cv=3, coverage=0.97),
            {"estimator__alpha": [1.0]},
            coverage_scorer,
        ),
        (ConformalQuantileRegressor(), {"coverage": [0.8, 0.9]}, None),
        (ConformalClassifier(LogisticRegression()), {"estimator__C": [0.1, 1.0]}, None),
        (
            ConformalClassifier(LogisticRegression()),
            {"coverage": [0.9]},
            set_coverage_scorer,
        ),
    ],
    ids=["reg", "reg-coverage", "cv-plus-coverage", "cqr", "clf", "clf-coverage"],
)
def test_grid_search_over_small_folds_completes(estimator, grid, scoring):
    # 30 rows, 5 folds: 24 training rows, 6 of them calibrate (0.9 needs 9)
    rng = np.random.RandomState(9)
    X = rng.normal(size=(30, 3))
    y = X[:, 0] + rng.normal(size=30)
    if hasattr(estimator, "predict_set"):
        y = (y > 0).astype(int)
    search = GridSearchCV(
        estimator.set_params(random_state=0), grid, cv=5, scoring=scoring
    )
    if scoring is None:
        search.fit(X, y)
    else:
        with pytest.warns(CalibrationSizeWarning):
            search.fit(X, y)
        # infinite intervals / full sets cover every point
        assert np.all(search.cv_results_["mean_test_score"] == 1.0)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
@pytest.mark.parametrize("weighted", [False, True])
def test_group_without_calibration_rows_is_infinite_not_unseen(weighted):
    rng = np.random.RandomState(10)
    X, y = heteroscedastic(rng, 80)
    groups = np.zeros(80, dtype=int)
    groups[0] = 5  # one row: in the training part with this seed
    kwargs = {"shift_weight": np.ones(80)} if weighted else {}
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups, **kwargs)
    assert 0 not in reg.calibration_indices_
    np.testing.assert_array_equal(reg.groups_, [0, 5])
    predict_kwargs = {"shift_weight": np.ones(2)} if weighted else {}
    if weighted:  # weighted: the infinite bound is returned as before, silently
        bounds = reg.predict_interval(X[:2], groups=[5, 0], **predict_kwargs)
    else:
        with pytest.warns(CalibrationSizeWarning, match="group 5 has 0 samples"):
            bounds = reg.predict_interval(X[:2], groups=[5, 0], **predict_kwargs)
    np.testing.assert_array_equal(bounds[0], [-np.inf, np.inf])
    assert np.isfinite(bounds[1]).all()

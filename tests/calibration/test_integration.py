"""Calibration on top of the weighting and quantile families.

Conformal calibrators wrapping :mod:`skvariance.weighting` and
:mod:`skvariance.quantile` estimators: normalized scores from an
inverse-variance regressor's ``return_std``, weighted conformal prediction
with an estimated density ratio, and conformalized quantile regression on
multi-quantile models and on a quantile aggregate. Coverage claims are
checked by simulation with binomial tolerances (see ``_helpers``).
"""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, QuantileRegressor
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.calibration import ConformalQuantileRegressor, ConformalRegressor
from skvariance.datasets import make_heteroscedastic_regression
from skvariance.metrics import interval_score
from skvariance.quantile import (
    KNNQuantileRegressor,
    MultiQuantileRegressor,
    QuantileAggregator,
)
from skvariance.weighting import DensityRatioEstimator, InverseVarianceRegressor

from ._helpers import heteroscedastic, rep_variance


def _covered(bounds, y):
    return (y >= bounds[:, 0]) & (y <= bounds[:, 1])


def _split(X, y, n_train):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# -- 1. normalized scores from InverseVarianceRegressor(return_std=True) ------


# a 40-repetition simulation (80 fits, ~6 s): CI runs it with -m slow;
# test_normalized_inverse_variance_uses_the_fitted_std covers the path
@pytest.mark.slow
def test_normalized_inverse_variance_covers_and_is_narrower_than_absolute():
    # noise sd 0.1 .. 3.1 across x0: a constant-width interval wastes width
    # where the noise is small; sigma(x) from the FWLS variance model does not
    n_reps, n_train, n_cal, n_test = 40, 300, 149, 400
    alpha = 0.1
    cover = {"absolute": np.empty(n_reps), "normalized": np.empty(n_reps)}
    width = {key: np.empty(n_reps) for key in cover}
    score = {key: np.empty(n_reps) for key in cover}
    for r in range(n_reps):
        X, y, _ = make_heteroscedastic_regression(
            n_train + n_test, 1, heteroscedasticity=3.0, random_state=r
        )
        X_train, y_train, X_test, y_test = _split(X, y, n_train)
        for name in cover:
            bounds = (
                ConformalRegressor(
                    InverseVarianceRegressor(cv=3, random_state=r),
                    score=name,
                    coverage=1 - alpha,
                    calibration_size=n_cal,
                    random_state=r,
                )
                .fit(X_train, y_train)
                .predict_interval(X_test)
            )
            cover[name][r] = _covered(bounds, y_test).mean()
            width[name][r] = np.mean(bounds[:, 1] - bounds[:, 0])
            score[name][r] = interval_score(y_test, bounds[:, 0], bounds[:, 1], alpha)
    # ceil(150 * 0.9) / 150 = 0.9 exactly, whatever the score
    se = np.sqrt(rep_variance(0.9, n_cal, n_test) / n_reps)
    for name in cover:
        assert cover[name].mean() >= 0.9 - 4 * se, (name, cover[name].mean(), se)
        # split conformal: at most 0.9 + 1 / (n_cal + 1) without ties
        assert cover[name].mean() <= 0.9 + 1 / (n_cal + 1) + 4 * se
    # paired over the same data: normalized is narrower and scores better
    for metric in (width, score):
        diff = metric["absolute"] - metric["normalized"]
        assert diff.mean() > 4 * diff.std(ddof=1) / np.sqrt(n_reps), diff.mean()
    assert width["normalized"].mean() < 0.95 * width["absolute"].mean()


def test_normalized_inverse_variance_uses_the_fitted_std():
    X, y, _ = make_heteroscedastic_regression(
        200, 1, heteroscedasticity=3.0, random_state=0
    )
    cr = ConformalRegressor(
        InverseVarianceRegressor(cv=3, random_state=0),
        score="normalized",
        random_state=0,
    ).fit(X, y)
    mu, sigma = cr.estimator_.predict(X[:20], return_std=True)
    bounds = cr.predict_interval(X[:20])
    # mu +- q sigma(x) with one q for every row: the half-width is prop. to sigma
    np.testing.assert_allclose((bounds[:, 0] + bounds[:, 1]) / 2, mu)
    ratio = (bounds[:, 1] - bounds[:, 0]) / (2 * np.maximum(sigma, cr.sigma_floor_))
    np.testing.assert_allclose(ratio, ratio[0])
    assert np.ptp(sigma) > 0.5 * sigma.mean()  # the std really varies with x


def _normalized_ivr_interval(base, X, y, sample_weight):
    model = ConformalRegressor(base, score="normalized", random_state=0)
    return model.fit(X, y, sample_weight=sample_weight).predict_interval(X[:20])


def test_normalized_inverse_variance_takes_sample_weight_with_and_without_routing():
    X, y, _ = make_heteroscedastic_regression(200, 2, random_state=0)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=200)
    plain = _normalized_ivr_interval(
        InverseVarianceRegressor(cv=3, random_state=0), X, y, sw
    )
    unweighted = _normalized_ivr_interval(
        InverseVarianceRegressor(cv=3, random_state=0), X, y, None
    )
    assert not np.allclose(plain, unweighted)
    piped = _normalized_ivr_interval(
        make_pipeline(StandardScaler(), InverseVarianceRegressor(cv=3, random_state=0)),
        X,
        y,
        sw,
    )
    with sklearn.config_context(enable_metadata_routing=True):
        # sample_weight is InverseVarianceRegressor's own (it multiplies its
        # inverse-variance weights): its default models need no request
        routed = _normalized_ivr_interval(
            InverseVarianceRegressor(cv=3, random_state=0).set_fit_request(
                sample_weight=True
            ),
            X,
            y,
            sw,
        )
        routed_pipe = _normalized_ivr_interval(
            make_pipeline(
                StandardScaler().set_fit_request(sample_weight=False),
                # a Pipeline routes predict(X, return_std=True) by request too
                InverseVarianceRegressor(cv=3, random_state=0)
                .set_fit_request(sample_weight=True)
                .set_predict_request(return_std=True),
            ),
            X,
            y,
            sw,
        )
    np.testing.assert_allclose(routed, plain, rtol=1e-10)
    # the scaler changes the spline knots of the variance model, not coverage
    np.testing.assert_allclose(routed_pipe, piped, rtol=1e-10)


# -- 2. weighted conformal with an estimated density ratio --------------------


def _shift_problem(r, n_train=400, n_target=400, n_test=200, shift=1.0):
    rng = np.random.RandomState(r)
    X, y = heteroscedastic(rng, n_train)
    X_target, _ = heteroscedastic(rng, n_target, shift=shift)  # unlabelled
    X_test, y_test = heteroscedastic(rng, n_test, shift=shift)
    return X, y, X_target, X_test, y_test


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
@pytest.mark.slow
def test_weighted_conformal_with_estimated_density_ratio_restores_coverage():
    n_reps = 60
    plain, weighted = np.empty(n_reps), np.empty(n_reps)
    for r in range(n_reps):
        X, y, X_target, X_test, y_test = _shift_problem(r)
        # a Gaussian mean shift has a linear log-ratio: logistic regression is
        # the right domain classifier
        dre = DensityRatioEstimator(LogisticRegression(), random_state=r)
        dre.fit(X, X_target)
        base = ConformalRegressor(
            LinearRegression(), calibration_size=0.5, random_state=r
        )
        plain[r] = _covered(base.fit(X, y).predict_interval(X_test), y_test).mean()
        # the documented way: the fitted estimator's bound predict method
        weighted_model = clone(base.set_params(weight_function=dre.predict))
        bounds = weighted_model.fit(X, y).predict_interval(X_test)
        weighted[r] = _covered(bounds, y_test).mean()
    # 200 calibration points weighted down to an effective ~50
    se = np.sqrt(rep_variance(0.9, 50, 200) / n_reps)
    assert weighted.mean() >= 0.9 - 4 * se, (weighted.mean(), se)
    # from above: weighted conformal covers at most 0.9 + E[max normalised
    # weight] (Tibshirani et al., 2019), a few points here; an infinite
    # interval everywhere would cover 1
    assert weighted.mean() <= 0.9 + 0.05 + 4 * se, (weighted.mean(), se)
    assert plain.mean() < 0.9 - 4 * se, (plain.mean(), se)
    assert weighted.mean() - plain.mean() > 0.03


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
def test_density_ratio_bound_method_survives_clone():
    X, y, X_target, X_test, _ = _shift_problem(0, n_train=200, n_target=200)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X, X_target)
    model = ConformalRegressor(
        LinearRegression(), weight_function=dre.predict, random_state=0
    )
    direct = model.fit(X, y).predict_interval(X_test)
    # clone deep-copies a bound method together with its fitted estimator
    cloned = clone(model).fit(X, y).predict_interval(X_test)
    np.testing.assert_array_equal(direct, cloned)
    # the same as giving the weights as arrays
    by_array = (
        ConformalRegressor(LinearRegression(), random_state=0)
        .fit(X, y, shift_weight=dre.predict(X))
        .predict_interval(X_test, shift_weight=dre.predict(X_test))
    )
    np.testing.assert_array_equal(direct, by_array)
    assert np.any(np.isinf(direct)) or np.ptp(direct[:, 1] - direct[:, 0]) > 0
    # cross-validation clones the calibrator: the ratio is still fitted there
    scores = cross_val_score(clone(model), X, y, cv=3)
    assert np.all(np.isfinite(scores))


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
def test_density_ratio_object_is_unfitted_by_clone():
    # passing the fitted estimator itself (it has predict) works until the
    # calibrator is cloned: clone() clones the estimator param, unfitted; the
    # error is clear and raised by fit, never silently unweighted
    X, y, X_target, X_test, _ = _shift_problem(0, n_train=200, n_target=200)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X, X_target)
    model = ConformalRegressor(LinearRegression(), weight_function=dre, random_state=0)
    as_object = model.fit(X, y).predict_interval(X_test)
    as_method = (
        ConformalRegressor(
            LinearRegression(), weight_function=dre.predict, random_state=0
        )
        .fit(X, y)
        .predict_interval(X_test)
    )
    np.testing.assert_array_equal(as_object, as_method)
    with pytest.raises(NotFittedError, match="pass the bound method"):
        clone(model).fit(X, y)


# -- 3. CQR on the quantile family ---------------------------------------------


LEVELS = (0.05, 0.1, 0.5, 0.9, 0.95)


def _cqr_by_hand(pred_cal, y_cal, pred_test, lo, hi, coverage):
    scores = np.maximum(pred_cal[:, lo] - y_cal, y_cal - pred_cal[:, hi])
    k = int(np.ceil((scores.size + 1) * coverage))
    q = np.sort(scores)[k - 1]
    return np.column_stack([pred_test[:, lo] - q, pred_test[:, hi] + q])


def test_cqr_on_multi_quantile_gbr_reads_fitted_levels():
    X, y, _ = make_heteroscedastic_regression(
        300, 2, heteroscedasticity=2.0, random_state=0
    )
    X_train, y_train, X_test, _ = _split(X, y, 240)
    gbr = GradientBoostingRegressor(loss="quantile", n_estimators=20, max_depth=2)
    cqr = ConformalQuantileRegressor(
        MultiQuantileRegressor(gbr, quantiles=LEVELS),
        # ignored for a model with fixed levels: its own levels are used
        quantile_levels=[0.25, 0.75],
        random_state=0,
    ).fit(X_train, y_train)
    (model,) = cqr.estimators_
    np.testing.assert_array_equal(cqr.quantile_levels_, model.quantiles_)
    np.testing.assert_array_equal(model.quantiles_, LEVELS)
    np.testing.assert_array_equal(cqr.predict_quantiles(X_test), model.predict(X_test))
    # one fit, several coverages; each uses its own pair of fitted levels
    bounds = cqr.predict_interval(X_test, coverage=[0.8, 0.9])
    assert bounds.shape == (X_test.shape[0], 2, 2)
    cal = cqr.calibration_indices_
    pred_cal = model.predict(X_train[cal])
    pred_test = model.predict(X_test)
    for k, (coverage, lo, hi) in enumerate([(0.8, 1, 3), (0.9, 0, 4)]):
        expected = _cqr_by_hand(pred_cal, y_train[cal], pred_test, lo, hi, coverage)
        np.testing.assert_allclose(bounds[:, :, k], expected)
    np.testing.assert_array_equal(bounds[:, :, 1], cqr.predict_interval(X_test))


# an 80-repetition simulation (~4 s): CI runs it with -m slow;
# test_cqr_on_multi_quantile_gbr_reads_fitted_levels covers the path
@pytest.mark.slow
def test_cqr_on_multi_quantile_covers_each_coverage_from_one_fit():
    n_reps, n_train, n_cal, n_test = 80, 200, 99, 300
    coverages = [0.8, 0.9]
    cover = np.empty((n_reps, len(coverages)))
    for r in range(n_reps):
        X, y, _ = make_heteroscedastic_regression(
            n_train + n_test, 2, heteroscedasticity=2.0, random_state=r
        )
        X_train, y_train, X_test, y_test = _split(X, y, n_train)
        cqr = ConformalQuantileRegressor(
            MultiQuantileRegressor(
                QuantileRegressor(alpha=0.0, solver="highs"), quantiles=LEVELS
            ),
            calibration_size=n_cal,
            random_state=r,
        ).fit(X_train, y_train)
        bounds = cqr.predict_interval(X_test, coverage=coverages)
        for k in range(len(coverages)):
            cover[r, k] = _covered(bounds[:, :, k], y_test).mean()
    for k, nominal in enumerate(coverages):
        # ceil(100 * nominal) / 100 = nominal exactly
        se = np.sqrt(rep_variance(nominal, n_cal, n_test) / n_reps)
        assert cover[:, k].mean() >= nominal - 4 * se, (nominal, cover[:, k].mean())
        assert cover[:, k].mean() <= nominal + 1 / (n_cal + 1) + 4 * se


def _aggregator(r, conformalize):
    return QuantileAggregator(
        [
            ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
            ("knn", KNNQuantileRegressor(n_neighbors=20)),
        ],
        quantiles=(0.05, 0.5, 0.95),
        weighting="global",
        cv=3,
        conformalize=conformalize,
        random_state=r,
    )


def test_cqr_on_quantile_aggregator_reads_fitted_levels():
    X, y, _ = make_heteroscedastic_regression(
        200, 2, heteroscedasticity=2.0, random_state=0
    )
    cqr = ConformalQuantileRegressor(_aggregator(0, False), random_state=0).fit(
        X[:150], y[:150]
    )
    (model,) = cqr.estimators_
    np.testing.assert_array_equal(cqr.quantile_levels_, model.quantiles_)
    X_test = X[150:]
    np.testing.assert_array_equal(cqr.predict_quantiles(X_test), model.predict(X_test))
    cal = cqr.calibration_indices_
    expected = _cqr_by_hand(
        model.predict(X[cal]), y[cal], model.predict(X_test), 0, 2, 0.9
    )
    np.testing.assert_allclose(cqr.predict_interval(X_test), expected)


@pytest.mark.slow
def test_aggregator_conformalize_and_cqr_of_aggregator_both_cover():
    n_reps, n_train, n_test = 40, 300, 400
    cover = {"conformalize": np.empty(n_reps), "cqr": np.empty(n_reps)}
    width = {key: np.empty(n_reps) for key in cover}
    for r in range(n_reps):
        X, y, _ = make_heteroscedastic_regression(
            n_train + n_test, 2, heteroscedasticity=2.0, random_state=r
        )
        X_train, y_train, X_test, y_test = _split(X, y, n_train)
        # the aggregate calibrated on its own out-of-fold predictions (all
        # 300 rows), and split CQR around an aggregate fitted on 150 rows
        bounds = {
            "conformalize": _aggregator(r, True)
            .fit(X_train, y_train)
            .predict_interval(X_test, coverage=0.9),
            "cqr": ConformalQuantileRegressor(
                _aggregator(r, False), calibration_size=0.5, random_state=r
            )
            .fit(X_train, y_train)
            .predict_interval(X_test),
        }
        for name, b in bounds.items():
            cover[name][r] = _covered(b, y_test).mean()
            width[name][r] = np.mean(b[:, 1] - b[:, 0])
    # conformalize=True calibrates on 300 out-of-fold rows, split CQR on 150
    se = np.sqrt(rep_variance(0.9, 150, n_test) / n_reps)
    for name in cover:
        assert cover[name].mean() >= 0.9 - 4 * se, (name, cover[name].mean(), se)
    # split CQR: at most 0.9 + 1 / (n_cal + 1) without ties
    assert cover["cqr"].mean() <= 0.9 + 1 / 151 + 4 * se, cover["cqr"].mean()
    # both are finite, comparable intervals (widths are reported, not ranked)
    ratio = width["cqr"].mean() / width["conformalize"].mean()
    assert 0.8 < ratio < 1.25, ratio

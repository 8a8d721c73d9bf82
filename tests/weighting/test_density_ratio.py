import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from skvariance.weighting import DensityRatioEstimator, effective_sample_size

SHIFT = np.array([0.6, -0.3])


def _gaussian_shift(n, seed):
    rng = np.random.RandomState(seed)
    X_source = rng.normal(size=(n, 2))
    X_target = rng.normal(size=(n, 2)) + SHIFT
    return X_source, X_target


def _true_ratio(X):
    return np.exp(X @ SHIFT - SHIFT @ SHIFT / 2)


@pytest.mark.parametrize(
    "params, min_corr, max_error",
    [
        ({"classifier": LogisticRegression()}, 0.98, 0.1),
        ({}, 0.9, 0.3),
        ({"method": "ulsif"}, 0.8, 0.3),
    ],
)
def test_ratio_recovers_a_known_gaussian_shift(params, min_corr, max_error):
    X_source, X_target = _gaussian_shift(1500, 0)
    dre = DensityRatioEstimator(random_state=0, **params).fit(X_source, X_target)
    rng = np.random.RandomState(1)
    X_eval = rng.normal(size=(1000, 2))  # fresh source rows
    w_hat, w = dre.predict(X_eval), _true_ratio(X_eval)
    assert np.corrcoef(w_hat, w)[0, 1] > min_corr
    # mean relative error on fresh source rows, in ratio units
    assert np.mean(np.abs(w_hat - w)) / np.mean(w) < max_error


def test_effective_sample_size_formula():
    X_source, X_target = _gaussian_shift(2000, 2)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X_source, X_target)
    w = dre.source_weights_
    assert dre.effective_sample_size_ == pytest.approx(w.sum() ** 2 / np.sum(w**2))
    assert 1 <= dre.effective_sample_size_ < len(w)
    # close to the ESS of the true ratios of the same rows (whose limit is
    # n exp(-|shift|^2) for these lognormal ratios)
    expected = effective_sample_size(_true_ratio(X_source))
    assert dre.effective_sample_size_ == pytest.approx(expected, rel=0.2)
    assert effective_sample_size(np.ones(7)) == 7.0
    assert effective_sample_size([3.0, 0.0, 0.0]) == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        effective_sample_size([1.0, -1.0])


def test_source_weights_are_cross_fitted_normalised_and_clipped():
    X_source, X_target = _gaussian_shift(400, 3)
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    dre.fit(X_source, X_target)
    assert dre.source_weights_.mean() == pytest.approx(1.0)
    # cross-fitted: not the final classifier's in-sample weights
    assert not np.allclose(dre.source_weights_, dre.predict(X_source))
    np.testing.assert_allclose(dre.source_weights_, dre.predict(X_source), rtol=0.35)
    clipped = DensityRatioEstimator(LogisticRegression(), clip=2.0, random_state=0)
    clipped.fit(X_source, X_target)
    assert clipped.source_weights_.max() == 2.0
    assert clipped.n_clipped_ == int(np.sum(dre.source_weights_ > 2.0)) > 0
    assert clipped.predict(X_target).max() <= 2.0
    raw = DensityRatioEstimator(LogisticRegression(), normalize=False, random_state=0)
    raw.fit(X_source, X_target)
    assert raw.normalization_ == 1.0
    np.testing.assert_allclose(
        raw.predict(X_target) * dre.normalization_, dre.predict(X_target)
    )


def test_ulsif_with_fixed_hyperparameters_matches_the_closed_form():
    X_source, X_target = _gaussian_shift(300, 4)
    dre = DensityRatioEstimator(
        method="ulsif", bandwidth=1.0, regularization=0.1, n_centers=50, random_state=0
    ).fit(X_source, X_target)
    S = (X_source - dre.mean_) / dre.scale_
    T = (X_target - dre.mean_) / dre.scale_

    def phi(Z):
        d2 = ((Z[:, None, :] - dre.centers_[None]) ** 2).sum(-1)
        return np.exp(-d2 / 2.0)

    H = phi(S).T @ phi(S) / len(S)
    alpha = np.maximum(np.linalg.solve(H + 0.1 * np.eye(50), phi(T).mean(0)), 0)
    np.testing.assert_allclose(dre.alpha_, alpha)
    assert np.all(dre.predict(X_source) >= 0)


@pytest.mark.parametrize(
    "X_target, match",
    [
        (None, "X_target is None"),
        (np.zeros(10), "2-d array of target rows"),
        (np.zeros((1, 2)), "X_target has 1 row"),
        (np.zeros((10, 3)), "3 features but X_source has 2"),
        (np.full((10, 2), np.nan), "X_target"),
    ],
)
def test_bad_samples_are_named(X_target, match):
    X_source, _ = _gaussian_shift(50, 0)
    with pytest.raises(ValueError, match=match):
        DensityRatioEstimator(LogisticRegression()).fit(X_source, X_target)


def test_bad_source_and_classifier_are_named():
    X_source, X_target = _gaussian_shift(50, 0)
    X_nan = X_source.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_source"):
        DensityRatioEstimator(LogisticRegression()).fit(X_nan, X_target)
    with pytest.raises(Exception, match="classifier"):
        DensityRatioEstimator(LinearRegression()).fit(X_source, X_target)


def test_estimator_conventions():
    # fit takes two samples, not (X, y): scikit-learn's fitting checks do not
    # apply, so the conventions are checked here
    X_source, X_target = _gaussian_shift(100, 5)
    for est in (
        DensityRatioEstimator(LogisticRegression(), random_state=0),
        DensityRatioEstimator(
            method="ulsif", bandwidth=1.0, regularization=0.1, random_state=0
        ),
    ):
        name = type(est).__name__
        check_no_attributes_set_in_init(name, est)
        check_get_params_invariance(name, est)
        before = (X_source.copy(), X_target.copy(), repr(est.get_params()))
        first = clone(est).fit(X_source, X_target)
        second = clone(est).fit(X_source, X_target)
        np.testing.assert_array_equal(first.predict(X_target), second.predict(X_target))
        restored = pickle.loads(pickle.dumps(first))
        np.testing.assert_array_equal(
            first.predict(X_target), restored.predict(X_target)
        )
        np.testing.assert_array_equal(X_source, before[0])
        np.testing.assert_array_equal(X_target, before[1])
        assert repr(est.get_params()) == before[2]
    est = DensityRatioEstimator(LogisticRegression(), random_state=0)
    serial = clone(est).fit(X_source, X_target)
    parallel = clone(est).set_params(n_jobs=2).fit(X_source, X_target)
    np.testing.assert_array_equal(serial.source_weights_, parallel.source_weights_)
    check_parameters_default_constructible(
        "DensityRatioEstimator", DensityRatioEstimator()
    )

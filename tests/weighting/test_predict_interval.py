"""predict_interval of the weighting family: Gaussian, model-based intervals.

References are independent: ``scipy.stats.norm.interval`` of the model's own
``predict(X, return_std=True)`` for the formula, and the known noise of
``make_heteroscedastic_regression`` for coverage.
"""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from sklearn.tree import DecisionTreeRegressor

from skvariance.datasets import make_heteroscedastic_regression
from skvariance.weighting import (
    InverseVarianceEnsembleRegressor,
    InverseVarianceRegressor,
)

#: Coverage tolerance of the simulations, both sides: 20,000 test rows give a
#: binomial standard deviation of 0.002 at 90%; the rest is the estimation
#: error of the mean and std models fitted on 2,000 rows (seed to seed the
#: coverage at 90% moved between 0.87 and 0.91 on 1,000 rows).
TOLERANCE = 0.03


def _splines():
    return make_pipeline(SplineTransformer(n_knots=6), Ridge(alpha=1e-3))


@pytest.fixture(scope="module")
def hetero():
    X, y, _ = make_heteroscedastic_regression(2000, 1, random_state=0)
    X_test, y_test, sigma = make_heteroscedastic_regression(20000, 1, random_state=1)
    return X, y, X_test, y_test, sigma


@pytest.fixture(scope="module")
def ivr(hetero):
    X, y, *_ = hetero
    return InverseVarianceRegressor(_splines(), random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def ensemble(hetero):
    X, y, *_ = hetero
    members = [("splines", _splines()), ("tree", DecisionTreeRegressor(max_depth=4))]
    return InverseVarianceEnsembleRegressor(members, cv=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("which", ["ivr", "ensemble"])
def test_gaussian_interval_matches_scipy_norm(which, request, hetero):
    model = request.getfixturevalue(which)
    X_test = hetero[2][:50]
    mean, std = model.predict(X_test, return_std=True)
    for coverage in (0.5, 0.9, 0.99):
        lo, hi = norm.interval(coverage, loc=mean, scale=std)
        got = model.predict_interval(X_test, coverage)
        assert got.shape == (50, 2)
        assert np.all(got[:, 0] <= got[:, 1])
        np.testing.assert_allclose(got, np.column_stack([lo, hi]), rtol=1e-12)
    # None means 0.9; an array of coverages adds a last axis, in order given
    np.testing.assert_array_equal(
        model.predict_interval(X_test), model.predict_interval(X_test, 0.9)
    )
    several = model.predict_interval(X_test, [0.9, 0.5])
    assert several.shape == (50, 2, 2)
    np.testing.assert_array_equal(several[:, :, 1], model.predict_interval(X_test, 0.5))


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, np.nan])
def test_bad_coverage_raises(ivr, ensemble, hetero, coverage):
    for model in (ivr, ensemble):
        with pytest.raises(ValueError, match="coverage must be strictly between"):
            model.predict_interval(hetero[2][:5], coverage)
    with pytest.raises(TypeError, match="coverage must be a float"):
        ivr.predict_interval(hetero[2][:5], "0.9")


def test_ivr_interval_covers_heteroscedastic_gaussian_noise(ivr, hetero):
    *_, X_test, y_test, sigma = hetero
    for coverage in (0.5, 0.9):
        lo, hi = ivr.predict_interval(X_test, coverage).T
        inside = (y_test >= lo) & (y_test <= hi)
        assert abs(inside.mean() - coverage) < TOLERANCE
        # the width follows the noise: rows with the larger half of sigma
        # still get (near) nominal coverage, not a constant band's
        noisy = sigma > np.median(sigma)
        assert abs(inside[noisy].mean() - coverage) < TOLERANCE


def test_ensemble_interval_is_constant_width_and_says_so(ensemble, hetero):
    """Marginal coverage near nominal; conditional coverage must alarm."""
    *_, X_test, y_test, sigma = hetero
    lo, hi = ensemble.predict_interval(X_test, 0.9).T
    inside = (y_test >= lo) & (y_test <= hi)
    assert abs(inside.mean() - 0.9) < TOLERANCE
    noisy = sigma > np.quantile(sigma, 0.8)
    quiet = sigma < np.quantile(sigma, 0.2)
    # the constant width under-covers the noisiest rows, over-covers the quiet
    assert inside[noisy].mean() < 0.9 - 0.1
    assert inside[quiet].mean() > 0.99

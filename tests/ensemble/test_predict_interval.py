"""SeedEnsembleRegressor.predict_interval: the Gaussian interval of its std."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from sklearn.tree import DecisionTreeRegressor

from skvariance.datasets import make_heteroscedastic_regression
from skvariance.ensemble import SeedEnsembleRegressor
from skvariance.weighting import InverseVarianceRegressor

#: Both-sided coverage tolerance: 20,000 test rows (binomial sd 0.002 at 90%)
#: plus the estimation error of the members' mean and std on 2,000 rows.
TOLERANCE = 0.03


@pytest.fixture(scope="module")
def hetero():
    X, y, _ = make_heteroscedastic_regression(2000, 1, random_state=0)
    X_test, y_test, _ = make_heteroscedastic_regression(20000, 1, random_state=1)
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def ensemble(hetero):
    # members that report their own heteroscedastic std (return_std), so the
    # law of total variance covers the noise and the seed spread
    X, y, *_ = hetero
    member = InverseVarianceRegressor(
        make_pipeline(SplineTransformer(n_knots=6), Ridge(alpha=1e-3)),
        n_iter=1,
        weight_power=1.0,
    )
    return SeedEnsembleRegressor(member, n_seeds=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("aggregation", ["mean", "median"])
def test_interval_matches_scipy_norm(aggregation):
    X, y, _ = make_heteroscedastic_regression(200, 2, random_state=0)
    tree = DecisionTreeRegressor(max_features=1, max_depth=4)
    ens = SeedEnsembleRegressor(
        tree, n_seeds=5, aggregation=aggregation, random_state=0
    ).fit(X, y)
    mean, std = ens.predict(X[:30], return_std=True)
    for coverage in (0.5, 0.8, 0.95):
        got = ens.predict_interval(X[:30], coverage)
        # ppf of both tails (a zero MAD std is a valid, degenerate interval)
        expected = mean[:, None] + std[:, None] * norm.ppf(
            [(1 - coverage) / 2, (1 + coverage) / 2]
        )
        assert got.shape == (30, 2)
        assert np.all(got[:, 0] <= got[:, 1])
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_array_equal(
        ens.predict_interval(X[:30]), ens.predict_interval(X[:30], 0.9)
    )
    assert ens.predict_interval(X[:30], [0.5, 0.9]).shape == (30, 2, 2)
    with pytest.raises(ValueError, match="coverage must be strictly between"):
        ens.predict_interval(X[:30], 1.0)


def test_interval_needs_two_seeds_and_one_output():
    X, y, _ = make_heteroscedastic_regression(100, 2, random_state=0)
    tree = DecisionTreeRegressor(max_features=1)
    one = SeedEnsembleRegressor(tree, n_seeds=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="n_seeds >= 2"):
        one.predict_interval(X)
    two_outputs = SeedEnsembleRegressor(tree, n_seeds=2, random_state=0).fit(
        X, np.column_stack([y, -y])
    )
    with pytest.raises(ValueError, match="single-output"):
        two_outputs.predict_interval(X)


def test_interval_covers_heteroscedastic_gaussian_noise(ensemble, hetero):
    *_, X_test, y_test = hetero
    for coverage in (0.5, 0.9):
        lo, hi = ensemble.predict_interval(X_test, coverage).T
        assert abs(np.mean((y_test >= lo) & (y_test <= hi)) - coverage) < TOLERANCE

"""cheap_bootstrap_ci: Lam's cheap bootstrap interval."""

import numpy as np
import pytest
from scipy import stats
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.model_selection import cheap_bootstrap_ci


# -- cheap bootstrap ---------------------------------------------------------------
def test_cheap_bootstrap_interval_formula(reg_data):
    X, y, _ = reg_data
    res = cheap_bootstrap_ci(LinearRegression(), X, y, n_resamples=3, random_state=0)
    s = np.sqrt(np.mean((res.replicates - res.estimate) ** 2))
    half = stats.t.ppf(0.975, 3) * s
    assert res.std_error == pytest.approx(s)
    assert res.interval == pytest.approx((res.estimate - half, res.estimate + half))
    assert len(set(res.seeds.tolist())) == 4
    again = cheap_bootstrap_ci(LinearRegression(), X, y, n_resamples=3, random_state=0)
    np.testing.assert_array_equal(again.replicates, res.replicates)
    par = cheap_bootstrap_ci(
        LinearRegression(), X, y, n_resamples=3, random_state=0, n_jobs=2
    )
    np.testing.assert_array_equal(par.replicates, res.replicates)


def test_cheap_bootstrap_held_out_set_and_weights(reg_data):
    X, y, w = reg_data
    pipe = make_pipeline(StandardScaler(), DummyRegressor())
    res = cheap_bootstrap_ci(
        pipe,
        X[:40],
        y[:40],
        X_test=X[40:],
        y_test=y[40:],
        n_resamples=2,
        scoring="r2",
        random_state=0,
        params={"sample_weight": w[:40]},
    )
    expected = r2_score(y[40:], np.full(20, np.average(y[:40], weights=w[:40])))
    assert res.estimate == pytest.approx(expected)
    with pytest.raises(ValueError, match="together"):
        cheap_bootstrap_ci(pipe, X, y, X_test=X)
    with pytest.raises(ValueError, match="n_resamples"):
        cheap_bootstrap_ci(pipe, X, y, n_resamples=0)
    with pytest.raises(ValueError, match="confidence_level"):
        cheap_bootstrap_ci(pipe, X, y, confidence_level=1.0)
    with pytest.raises(ValueError, match="test_size"):
        cheap_bootstrap_ci(pipe, X, y, test_size=0.001)


@pytest.mark.slow
def test_cheap_bootstrap_coverage():
    """The interval covers the expected test score at >= 95% (binomial check).

    OLS with p=3 features, Gaussian noise sigma=1: the expected test MSE of a
    model fitted on n=300 rows is sigma^2 (1 + p / (n - p - 1)).
    """
    n_rep, misses = 150, 0
    rng = np.random.RandomState(0)
    n, n_test, p = 300, 150, 3
    truth = -(1 + p / (n - p - 1))
    for r in range(n_rep):
        X = rng.randn(n + n_test, p)
        y = X @ np.array([1.0, -2.0, 0.5]) + rng.randn(n + n_test)
        res = cheap_bootstrap_ci(
            LinearRegression(),
            X[:n],
            y[:n],
            X_test=X[n:],
            y_test=y[n:],
            n_resamples=5,
            scoring="neg_mean_squared_error",
            random_state=r,
        )
        misses += not (res.low <= truth <= res.high)
    # misses ~ Bin(n_rep, 0.05) if the level holds; fail if implausibly many
    assert stats.binom.sf(misses - 1, n_rep, 0.05) > 1e-3, misses / n_rep

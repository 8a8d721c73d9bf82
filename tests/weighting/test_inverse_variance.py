import numpy as np
import pytest
import sklearn
from scipy.stats import norm
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from skvariance.datasets import make_heteroscedastic_regression
from skvariance.weighting import InverseVarianceRegressor


def _linear_data(n, seed, heteroscedasticity=3.0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    sigma = 0.1 + heteroscedasticity * (X[:, 0] + 1) / 2
    y = 1.0 + 2.0 * X[:, 0] - X[:, 1] + sigma * rng.standard_normal(n)
    return X, y, sigma


def test_fwls_coefficients_vary_less_than_ols():
    fwls, ols = [], []
    for seed in range(20):
        X, y, _ = make_heteroscedastic_regression(
            300, 2, heteroscedasticity=3.0, random_state=seed
        )
        # x_1 enters the mean linearly and independently of the noise: both
        # fits target its coefficient 0.5
        fwls.append(InverseVarianceRegressor(random_state=0).fit(X, y).estimator_.coef_)
        ols.append(LinearRegression().fit(X, y).coef_)
    fwls, ols = np.array(fwls), np.array(ols)
    assert abs(fwls[:, 1].mean() - 0.5) < 0.05
    assert fwls[:, 1].std() < 0.7 * ols[:, 1].std()


def test_held_out_gaussian_nll_beats_ols():
    X, y, _ = make_heteroscedastic_regression(
        1200, 2, heteroscedasticity=3.0, random_state=1
    )
    Xtr, ytr, Xte, yte = X[:600], y[:600], X[600:], y[600:]
    reg = InverseVarianceRegressor(random_state=0).fit(Xtr, ytr)
    mean, std = reg.predict(Xte, return_std=True)
    nll = -norm.logpdf(yte, mean, std).mean()
    ols = LinearRegression().fit(Xtr, ytr)
    ols_std = np.std(ytr - ols.predict(Xtr))
    ols_nll = -norm.logpdf(yte, ols.predict(Xte), ols_std).mean()
    assert nll < ols_nll - 0.1


@pytest.mark.parametrize("target", ["log", "absolute"])
def test_bias_corrected_variance_matches_true_variance(target):
    # a correct linear mean model, so sigma-hat^2 should match sigma^2 on
    # average; without the correction "absolute" is 36% low, "log" 72% low
    X, y, sigma = _linear_data(4000, 0)
    reg = InverseVarianceRegressor(variance_target=target, random_state=0).fit(X, y)
    ratio = np.median(reg.predict_variance(X) / sigma**2)
    assert 0.85 < ratio < 1.15


def test_residuals_are_cross_fitted_not_in_sample():
    X, y, _ = _linear_data(200, 0)
    reg = InverseVarianceRegressor(DecisionTreeRegressor(), random_state=0).fit(X, y)
    # a deep tree fits its training rows exactly: in-sample residuals are 0
    np.testing.assert_allclose(reg.estimator_.predict(X), y)
    assert np.mean(reg.residuals_**2) > 0.1


def test_weights_follow_inverse_variance():
    X, y, sigma = _linear_data(2000, 3)
    reg = InverseVarianceRegressor(random_state=0).fit(X, y)
    assert np.corrcoef(np.log(reg.weights_), -np.log(sigma**2))[0, 1] > 0.9
    assert reg.weights_.mean() == pytest.approx(1.0)


def test_variance_floor_raises_negative_predictions():
    X, y, _ = _linear_data(300, 0, heteroscedasticity=10.0)
    reg = InverseVarianceRegressor(
        variance_estimator=LinearRegression(),
        variance_target="absolute",
        variance_floor=0.05,
        random_state=0,
    ).fit(X, y)
    assert reg.n_floored_ > 0
    assert reg.variance_floor_ == pytest.approx(0.05 * np.mean(reg.residuals_**2))
    _, std = reg.predict(X, return_std=True)
    assert std.min() == pytest.approx(np.sqrt(reg.variance_floor_))
    assert np.all(np.isfinite(reg.weights_))


def test_user_weights_multiply_and_zero_weights_remove_rows():
    X, y, _ = _linear_data(400, 1)
    y_bad = y.copy()
    y_bad[:20] += 1000.0
    sw = np.ones(len(y))
    sw[:20] = 0.0
    reg = InverseVarianceRegressor(random_state=0).fit(X, y_bad, sample_weight=sw)
    assert np.all(reg.weights_[:20] == 0)
    np.testing.assert_allclose(reg.estimator_.coef_, [2.0, -1.0], atol=0.3)
    unweighted = InverseVarianceRegressor(random_state=0).fit(X, y_bad)
    assert np.abs(unweighted.estimator_.intercept_ - 1.0) > 5


def test_estimator_without_sample_weight_is_refused_before_fitting():
    X, y, _ = _linear_data(50, 0)
    with pytest.raises(TypeError, match="estimator KNeighborsRegressor does not"):
        InverseVarianceRegressor(KNeighborsRegressor()).fit(X, y)
    with pytest.raises(TypeError, match="final step KNeighborsRegressor"):
        InverseVarianceRegressor(
            make_pipeline(StandardScaler(), KNeighborsRegressor())
        ).fit(X, y)
    with pytest.raises(TypeError, match="variance_estimator KNeighborsRegressor"):
        InverseVarianceRegressor(variance_estimator=KNeighborsRegressor()).fit(
            X, y, sample_weight=np.ones(len(y))
        )


def test_bad_input_is_named():
    X, y, _ = _linear_data(50, 0)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        InverseVarianceRegressor().fit(X_nan, y)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        InverseVarianceRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="exactly one test fold"):
        InverseVarianceRegressor(cv=ShuffleSplit(3, random_state=0)).fit(X, y)
    with pytest.raises(TypeError, match="metadata routing"):
        InverseVarianceRegressor().fit(X, y, groups=np.zeros(len(y)))


def test_pipeline_gets_weights_with_and_without_routing():
    X, y, _ = _linear_data(300, 2)
    pipe = make_pipeline(StandardScaler(), LinearRegression())
    piped = InverseVarianceRegressor(pipe, random_state=0).fit(X, y)
    ols = pipe.fit(X, y)
    assert not np.allclose(piped.predict(X), ols.predict(X))
    plain = InverseVarianceRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(piped.predict(X), plain.predict(X), rtol=1e-8)
    with sklearn.config_context(enable_metadata_routing=True):
        routed_pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LinearRegression().set_fit_request(sample_weight=True),
        )
        routed = InverseVarianceRegressor(routed_pipe, random_state=0).fit(
            X, y, sample_weight=np.ones(len(y))
        )
        np.testing.assert_allclose(routed.predict(X), plain.predict(X), rtol=1e-8)
        # the final step must request the weights the meta-estimator makes
        unrequested = make_pipeline(StandardScaler(), LinearRegression())
        with pytest.raises(Exception, match="sample_weight"):
            InverseVarianceRegressor(unrequested, random_state=0).fit(X, y)


def test_more_iterations_do_not_change_a_converged_fit_much():
    X, y, _ = _linear_data(500, 4)
    one = InverseVarianceRegressor(n_iter=1, random_state=0).fit(X, y)
    three = InverseVarianceRegressor(n_iter=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(one.estimator_.coef_, three.estimator_.coef_, atol=0.1)
    assert not np.array_equal(one.weights_, three.weights_)


def test_exact_fit_has_no_noise_to_model():
    X, _, _ = _linear_data(60, 0)
    y = X @ [1.0, 2.0]
    reg = InverseVarianceRegressor(random_state=0).fit(X, y)
    assert reg.variance_estimator_ is None
    np.testing.assert_array_equal(reg.weights_, np.ones(len(y)))
    np.testing.assert_allclose(reg.predict(X), y, atol=1e-10)
    std = reg.predict(X, return_std=True)[1]
    assert std.shape == (60,)
    np.testing.assert_array_equal(std, 0.0)

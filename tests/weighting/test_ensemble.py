import numpy as np
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.weighting import (
    InverseVarianceEnsembleRegressor,
    inverse_variance_combine,
)


def test_combined_variance_is_inverse_of_summed_precisions():
    rng = np.random.RandomState(0)
    means = rng.normal(size=(4, 30))
    variances = rng.uniform(0.1, 5.0, size=(4, 30))
    mean, var = inverse_variance_combine(means, variances)
    np.testing.assert_allclose(var, 1.0 / np.sum(1.0 / variances, axis=0))
    np.testing.assert_allclose(mean, np.sum(means / variances, axis=0) * var)
    # along another axis
    mean_t, var_t = inverse_variance_combine(means.T, variances.T, axis=1)
    np.testing.assert_allclose(mean_t, mean)
    np.testing.assert_allclose(var_t, var)


def test_combination_has_the_claimed_variance_by_simulation():
    rng = np.random.RandomState(1)
    sigmas = np.array([0.5, 1.0, 2.0])
    draws = 1.0 + sigmas[:, None] * rng.standard_normal((3, 20000))
    mean, var = inverse_variance_combine(
        draws, np.broadcast_to(sigmas[:, None] ** 2, draws.shape)
    )
    assert abs(mean.mean() - 1.0) < 0.01
    # the sample variance of 20000 draws is within ~2% (sd sqrt(2/n)) of truth
    assert np.var(mean) == pytest.approx(var[0], rel=0.05)
    assert var[0] < sigmas.min() ** 2


@pytest.mark.parametrize(
    "means, variances, match",
    [
        ([1.0, 2.0], [1.0, 0.0], "strictly positive"),
        ([1.0, 2.0], [1.0, -1.0], "strictly positive"),
        ([1.0, np.nan], [1.0, 1.0], "means must be finite"),
        ([1.0, 2.0], [1.0, np.inf], "variances must be finite"),
        ([1.0, 2.0], [1.0], "same shape"),
    ],
)
def test_combine_rejects_bad_input(means, variances, match):
    with pytest.raises(ValueError, match=match):
        inverse_variance_combine(means, variances)


def _selector(k):
    return make_pipeline(
        ColumnTransformer([("x", "passthrough", [k])]), LinearRegression()
    )


def _correlated_members_data(n, seed, third=1.5):
    # three noisy copies of the signal; errors of the first two are strongly
    # correlated, the third's are independent with sd ``third``
    rng = np.random.RandomState(seed)
    s = 2.0 * rng.normal(size=n)
    common = rng.normal(size=n)
    e = np.column_stack(
        [
            0.3 * common + 0.1 * rng.normal(size=n),
            0.3 * common + 0.1 * rng.normal(size=n),
            third * rng.normal(size=n),
        ]
    )
    return s[:, None] + e, s


def test_minimum_variance_weights_beat_equal_weights_on_correlated_members():
    X, y = _correlated_members_data(4000, 0)
    members = [(f"m{k}", _selector(k)) for k in range(3)]
    ens = InverseVarianceEnsembleRegressor(members, random_state=0)
    ens.fit(X[:2000], y[:2000])
    Xte, yte = X[2000:], y[2000:]
    mse_ens = np.mean((ens.predict(Xte) - yte) ** 2)
    mse_equal = np.mean((ens.predict_members(Xte).mean(axis=1) - yte) ** 2)
    # theory: about 0.09 against 0.29
    assert mse_ens < 0.5 * mse_equal


def test_correlations_matter_diagonal_ignores_them():
    # the third member is noisier alone (var 0.15 against 0.1) but
    # independent: the full covariance ranks it first, the diagonal last
    X, y = _correlated_members_data(8000, 1, third=0.39)
    members = [(f"m{k}", _selector(k)) for k in range(3)]
    full = InverseVarianceEnsembleRegressor(members, covariance="full", random_state=0)
    diag = InverseVarianceEnsembleRegressor(
        members, covariance="diagonal", random_state=0
    )
    full.fit(X[:4000], y[:4000])
    diag.fit(X[:4000], y[:4000])
    assert np.argmax(full.weights_) == 2
    assert np.argmin(diag.weights_) == 2
    Xte, yte = X[4000:], y[4000:]
    assert np.mean((full.predict(Xte) - yte) ** 2) < np.mean(
        (diag.predict(Xte) - yte) ** 2
    )


def test_weights_match_closed_form_and_std_is_rmse():
    X, y = _correlated_members_data(500, 1)
    members = [(f"m{k}", _selector(k)) for k in range(3)]
    ens = InverseVarianceEnsembleRegressor(
        members, covariance="full", random_state=0
    ).fit(X, y)
    errors = y[:, None] - ens.oof_predictions_
    cov = errors.T @ errors / len(y)
    np.testing.assert_allclose(ens.covariance_, cov)
    raw = np.linalg.solve(cov, np.ones(3))
    np.testing.assert_allclose(ens.weights_, raw / raw.sum())
    _, std = ens.predict(X[:5], return_std=True)
    oof_combined = ens.oof_predictions_ @ ens.weights_
    np.testing.assert_allclose(std, np.sqrt(np.mean((y - oof_combined) ** 2)))


def test_non_negative_weights_stay_on_the_simplex():
    rng = np.random.RandomState(2)
    n = 1500
    s = rng.normal(size=n)
    common = rng.normal(size=n)
    # member 1 is member 0 plus extra correlated noise: unconstrained weights
    # short it
    X = np.column_stack([s + 0.5 * common, s + 1.0 * common + 0.1 * rng.normal(size=n)])
    members = [("a", _selector(0)), ("b", _selector(1))]
    free = InverseVarianceEnsembleRegressor(
        members, covariance="full", random_state=0
    ).fit(X, s)
    assert free.weights_.min() < 0
    constrained = InverseVarianceEnsembleRegressor(
        members, covariance="full", non_negative=True, random_state=0
    ).fit(X, s)
    assert constrained.weights_.min() >= 0
    assert constrained.weights_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(constrained.weights_, [1.0, 0.0], atol=1e-6)


def test_bad_members_are_named():
    X, y = _correlated_members_data(60, 0)
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        InverseVarianceEnsembleRegressor(
            [("knn", KNeighborsRegressor()), ("lr", LinearRegression())]
        ).fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="unique"):
        InverseVarianceEnsembleRegressor(
            [("a", LinearRegression()), ("a", LinearRegression())]
        ).fit(X, y)
    with pytest.raises(TypeError, match="pairs"):
        InverseVarianceEnsembleRegressor([LinearRegression()]).fit(X, y)


def test_members_get_weights_with_and_without_routing():
    X, y = _correlated_members_data(300, 3)
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    plain = InverseVarianceEnsembleRegressor(
        [("lr", LinearRegression()), ("sel", _selector(2))], random_state=0
    ).fit(X, y, sample_weight=w)
    piped = InverseVarianceEnsembleRegressor(
        [
            ("lr", make_pipeline(StandardScaler(), LinearRegression())),
            ("sel", _selector(2)),
        ],
        random_state=0,
    ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(piped.weights_, plain.weights_, rtol=1e-8)
    unweighted = InverseVarianceEnsembleRegressor(
        [("lr", LinearRegression()), ("sel", _selector(2))], random_state=0
    ).fit(X, y)
    assert not np.allclose(unweighted.weights_, plain.weights_)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = InverseVarianceEnsembleRegressor(
            [
                (
                    "lr",
                    make_pipeline(
                        StandardScaler().set_fit_request(sample_weight=False),
                        LinearRegression().set_fit_request(sample_weight=True),
                    ),
                ),
                (
                    "sel",
                    make_pipeline(
                        ColumnTransformer([("x", "passthrough", [2])]),
                        LinearRegression().set_fit_request(sample_weight=True),
                    ),
                ),
            ],
            random_state=0,
        ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(routed.weights_, plain.weights_, rtol=1e-8)

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
        ([1.0, 2.0], [1.0, 0.0], r"^variances must be strictly positive; found 1 "),
        ([1.0, 2.0], [-1.0, -1.0], r"positive; found 2 value\(s\) <= 0\.$"),
        ([1.0, np.nan], [1.0, 1.0], "^means must be finite; found NaN or infinity"),
        ([1.0, 2.0], [1.0, np.inf], "^variances must be finite; found NaN or inf"),
        ([1.0, 2.0], [1.0], r"^means and variances must have the same shape, got"),
        ([], [], "^means must be a non-empty array of estimates"),
        (1.0, 1.0, "^means must be a non-empty array of estimates"),
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
    with pytest.raises(TypeError, match=r"^estimators must be a list of \(str, regr"):
        InverseVarianceEnsembleRegressor([LinearRegression()]).fit(X, y)
    for bad in [(1, LinearRegression()), ("a", object()), ("a",)]:
        with pytest.raises(TypeError, match="pairs"):
            InverseVarianceEnsembleRegressor([bad]).fit(X, y)
    with pytest.raises(ValueError, match="^estimators must be a non-empty list"):
        InverseVarianceEnsembleRegressor([]).fit(X, y)


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


@pytest.mark.parametrize("axis", [2, -3, 1.0, "0", None, True])
def test_combine_names_a_bad_axis(axis):
    means = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"axis must be an int in \[-2, 1\]"):
        inverse_variance_combine(means, means, axis=axis)


def _members():
    return [(f"m{k}", _selector(k)) for k in range(3)]


def _strongly_correlated(n, rng):
    # every member's error shares one common component: the diagonal of the
    # error covariance alone says the combination is ~2x more precise than
    # it is
    s = 2.0 * rng.normal(size=n)
    common = rng.normal(size=n)
    e = np.column_stack(
        [
            0.5 * common + 0.2 * rng.normal(size=n),
            0.5 * common + 0.2 * rng.normal(size=n),
            0.6 * common + 0.4 * rng.normal(size=n),
        ]
    )
    return s[:, None] + e, s


@pytest.mark.parametrize("covariance", ["diagonal", "shrunk", "full"])
def test_std_covers_correlated_members_at_nominal_rate(covariance):
    # the band mean +- 1.645 std must cover 90% of fresh rows: not less (std
    # too small, 0.63-0.69 with the diagonal before) and not more (std too
    # large). With n = 8000 rows the std is within ~0.8% of the truth, i.e.
    # coverage within ~0.003; 100,000 fresh rows add ~0.001.
    rng = np.random.RandomState(0)
    X, y = _strongly_correlated(8000, rng)
    Xte, yte = _strongly_correlated(100_000, rng)
    ens = InverseVarianceEnsembleRegressor(
        _members(), covariance=covariance, random_state=0
    ).fit(X, y)
    mean, std = ens.predict(Xte, return_std=True)
    coverage = np.mean(np.abs(yte - mean) <= 1.6448536 * std)
    assert 0.892 < coverage < 0.908


@pytest.mark.parametrize("covariance", ["diagonal", "shrunk"])
def test_std_is_the_full_error_covariance_quadratic_form(covariance):
    # reference computed by hand from the out-of-fold errors, with weights
    X, y = _strongly_correlated(600, np.random.RandomState(3))
    sw = np.random.RandomState(4).uniform(0.5, 2.0, size=len(y))
    ens = InverseVarianceEnsembleRegressor(
        _members(), covariance=covariance, random_state=0
    ).fit(X, y, sample_weight=sw)
    errors = y[:, None] - ens.oof_predictions_
    full = np.einsum("i,ij,ik->jk", sw, errors, errors) / sw.sum()
    w = ens.weights_
    pairs = [(j, k) for j in range(3) for k in range(3)]
    expected = np.sqrt(sum(w[j] * w[k] * full[j, k] for j, k in pairs))
    _, std = ens.predict(X[:4], return_std=True)
    np.testing.assert_allclose(std, expected, rtol=1e-12)
    np.testing.assert_allclose(ens.error_covariance_, full, rtol=1e-12)
    if covariance == "diagonal":
        # the weights' own matrix ignores the correlation: it would give a
        # std far too small
        assert np.sqrt(w @ ens.covariance_ @ w) < 0.8 * expected

"""Tests written against mutants of skvariance/calibration/_regressor.py that survived.

References are written out here with the full (n_test, n_train) matrix and
exact rational ranks; nothing is read from the fitted object but its output.
"""

from fractions import Fraction

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from skvariance.calibration import ConformalRegressor
from skvariance.calibration import _regressor as regressor_module
from skvariance.utils._seeds import derive_seeds

from ._helpers import LinearWithStd, heteroscedastic


def _rank(n, level):
    """ceil((n + 1) level) in exact rational arithmetic, at least 1."""
    exact = Fraction(str(level)) * (n + 1)
    return max(int(-(-exact.numerator // exact.denominator)), 1)


def _kth(values, r):
    n = values.shape[1]
    if r < 1:
        return np.full(values.shape[0], -np.inf)
    if r > n:
        return np.full(values.shape[0], np.inf)
    return np.sort(values, axis=1)[:, r - 1]


def _by_hand(method, X, y, X_test, normalized, n_resamples, random_state):
    """Centres, scales and signed scores of CV+ / J+aB, from the full matrix."""
    n = X.shape[0]
    if method == "cv_plus":
        trains = [tr for tr, _ in KFold(5).split(X)]
    else:
        rng = np.random.RandomState(random_state)
        derive_seeds(rng, n_resamples)  # LinearRegression: seeds unused
        trains = [rng.randint(0, n, size=n) for _ in range(n_resamples)]
    models = [LinearRegression().fit(X[tr], y[tr]) for tr in trains]
    out = np.ones((n, len(models)), dtype=bool)
    for k, tr in enumerate(trains):
        out[tr, k] = False
    assert out.any(axis=1).all()
    w = out / out.sum(axis=1, keepdims=True)  # (n, K)
    mu_train = np.stack([m.predict(X) for m in models])  # (K, n)
    mu_oob = np.einsum("ik,ki->i", w, mu_train)
    sigma = (lambda Z: 0.2 + np.abs(Z[:, 0])) if normalized else None
    signed = y - mu_oob
    if normalized:
        signed = signed / sigma(X)  # every model has the same sigma(x)
    centers = np.stack([m.predict(X_test) for m in models]).T @ w.T  # (m, n)
    scales = np.ones_like(centers)
    if normalized:
        scales = scales * sigma(X_test)[:, None]
    return centers, scales, signed


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
@pytest.mark.parametrize("normalized", [False, True])
def test_cross_methods_by_hand_in_small_chunks(method, normalized, monkeypatch):
    # kills: J+aB normalized scales dropped or unfloored, chunk loop
    # ``range(0, chunk)`` / no step / ``stop = None``; the chunked call uses
    # fresh test rows so that np.empty cannot hand back the previous answer.
    rng = np.random.RandomState(1)
    X, y = heteroscedastic(rng, 60)
    X_a, _ = heteroscedastic(rng, 11)
    X_b, _ = heteroscedastic(rng, 11)
    est = LinearWithStd() if normalized else LinearRegression()
    reg = ConformalRegressor(
        est,
        method=method,
        score="normalized" if normalized else "absolute",
        coverage=0.8,
        n_resamples=20,
        random_state=4,
    ).fit(X, y)
    levels = [0.5, 0.8, 0.95]
    quantile_levels = [0.05, 0.3, 0.9]
    n = X.shape[0]
    monkeypatch.setattr(regressor_module, "_CHUNK_ELEMENTS", 3 * n)  # 3 rows
    for X_test in (X_a, X_b):
        c, s, signed = _by_hand(method, X, y, X_test, normalized, 20, 4)
        r = np.abs(signed)
        got = reg.predict_interval(X_test, coverage=levels)
        for k, level in enumerate(levels):
            hi = _rank(n, level)
            lo = n + 1 - hi
            np.testing.assert_allclose(got[:, 0, k], _kth(c - r * s, lo), atol=1e-10)
            np.testing.assert_allclose(got[:, 1, k], _kth(c + r * s, hi), atol=1e-10)
        got_q = reg.predict_quantiles(X_test, quantile_levels)
        for k, p in enumerate(quantile_levels):
            want = _kth(c + signed * s, _rank(n, p))
            np.testing.assert_allclose(got_q[:, k], want, atol=1e-10)


@pytest.mark.parametrize("ranks", [[1], [300], [2, 299], [0, 1, 150, 300, 301]])
def test_kth_smallest_against_a_full_sort(ranks):
    # kills the kth list of np.partition shifted (r + 1, r - 2) or with the
    # end ranks left out (2 <= r, 1 < r, r < n)
    rng = np.random.RandomState(0)
    values = rng.normal(size=(4, 300))
    got = regressor_module._kth_smallest(values, ranks)
    full = np.sort(values, axis=1)
    for k, r in enumerate(ranks):
        want = -np.inf if r < 1 else np.inf if r > 300 else full[:, r - 1]
        np.testing.assert_array_equal(got[:, k], want)


def test_floor_sigma():
    floor = regressor_module._floor_sigma
    assert floor(None, 0.5) is None
    got = floor(np.array([0.0, 0.4, 2.0]), 0.5)
    np.testing.assert_array_equal(got, [0.5, 0.5, 2.0])
    with pytest.raises(ValueError) as exc:
        floor(np.array([1.0, np.nan]), 0.5)
    assert str(exc.value) == "the predicted standard deviation contains NaN."


def test_sigma_floor_is_a_millionth_of_the_mean_absolute_residual():
    # split and fit written out: the calibration rows are the first
    # ceil(0.25 n) of RandomState(seed).permutation(n) (base._split_indices)
    rng = np.random.RandomState(2)
    X, y = heteroscedastic(rng, 40)
    n_cal = 10
    cal = np.sort(np.random.RandomState(5).permutation(40)[:n_cal])
    train = np.setdiff1d(np.arange(40), cal)
    model = LinearRegression().fit(X[train], y[train])
    scale = np.mean(np.abs(y[cal] - model.predict(X[cal])))
    assert 0 < scale < 1  # so that ``scale > 1`` would take the other branch
    reg = ConformalRegressor(
        LinearWithStd(), score="normalized", coverage=0.8, random_state=5
    ).fit(X, y)
    np.testing.assert_array_equal(reg.calibration_indices_, cal)
    assert reg.sigma_floor_ == pytest.approx(1e-6 * scale, rel=1e-9)
    absolute = ConformalRegressor(LinearRegression(), coverage=0.8).fit(X, y)
    assert absolute.sigma_floor_ is None


class _ExactWithStd(LinearWithStd):
    """Predicts ``x0`` exactly (whatever it was fitted on), std ``0.2 + |x0|``."""

    def predict(self, X, return_std=False):
        mu = np.asarray(X)[:, 0].copy()
        if return_std:
            return mu, 0.2 + np.abs(mu)
        return mu


def test_sigma_floor_with_zero_calibration_residuals():
    # every residual is exactly 0: the floor falls back to 1e-12, not to
    # 1e-6 * 0 = 0 (kills ``scale >= 0`` and the branch forced on) nor to
    # another constant
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    reg = ConformalRegressor(
        _ExactWithStd(), score="normalized", coverage=0.8, random_state=0
    ).fit(X, X[:, 0])
    assert reg.sigma_floor_ == 1e-12


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_memory_is_bounded_by_the_chunk(monkeypatch, method):
    # CV+ (a numba kernel) and J+aB (chunked blocks) never hold the
    # (n_test, n_train) matrix: a block is at most _CHUNK_ELEMENTS values.
    # Kills a block that runs to the end of the test set (``stop = None``),
    # which gives the same numbers with the full matrix.
    import tracemalloc

    X, y = heteroscedastic(np.random.RandomState(5), 400)
    cp = ConformalRegressor(
        LinearRegression(), method=method, cv=4, n_resamples=20, random_state=0
    ).fit(X, y)
    X_test = np.tile(X[:50], (40, 1))  # 2000 test rows
    full = cp.predict_interval(X_test)
    monkeypatch.setattr(regressor_module, "_CHUNK_ELEMENTS", 20 * 400)  # 20 rows
    tracemalloc.start()
    chunked = cp.predict_interval(X_test)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    np.testing.assert_array_equal(chunked, full)
    matrix = X_test.shape[0] * 400 * 8  # one float64 (n_test, n_train) matrix
    assert peak < matrix / 4, (peak, matrix)


def test_sigma_estimator_is_fitted_on_seeded_weighted_out_of_fold_residuals():
    # score="normalized" with a sigma_estimator: sigma is fitted on
    # |y - cross_val_predict(estimator)| over the training rows, with the
    # user's cv, the training rows' sample_weight and the fit's seed for both
    # models. The reference is scikit-learn's cross_val_predict, run here.
    from sklearn.base import clone
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.model_selection import cross_val_predict

    rng = np.random.RandomState(4)
    X, y = heteroscedastic(rng, 150)
    sw = rng.uniform(0.2, 3.0, size=150)
    est = ExtraTreesRegressor(n_estimators=4, max_features=1, min_samples_leaf=3)
    sig = ExtraTreesRegressor(n_estimators=3, max_features=1, min_samples_leaf=5)
    cp = ConformalRegressor(
        est, score="normalized", sigma_estimator=sig, cv=3, random_state=11
    ).fit(X, y, sample_weight=sw)
    cal = cp.calibration_indices_
    train = np.setdiff1d(np.arange(150), cal)
    seed = cp.estimator_.random_state
    assert isinstance(seed, (int, np.integer))
    oof = cross_val_predict(
        clone(est).set_params(random_state=seed),
        X[train],
        y[train],
        cv=KFold(3),
        params={"sample_weight": sw[train]},
    )
    want = (
        clone(sig)
        .set_params(random_state=seed)
        .fit(X[train], np.abs(y[train] - oof))
        .predict(X[:30])
    )
    np.testing.assert_allclose(cp.sigma_estimator_.predict(X[:30]), want, rtol=1e-12)
    assert cp.sigma_estimator_.random_state == seed


def _weighted_rank_value(scores, weights, test_weight, level):
    """Smallest s with sum(w_i [s_i <= s]) >= level (sum w + w_test), else inf."""
    order = np.argsort(scores, kind="stable")
    total = weights.sum() + test_weight
    cum = np.cumsum(weights[order])
    hit = np.flatnonzero(cum >= level * total - 1e-12 * total)
    return scores[order][hit[0]] if hit.size else np.inf


def test_split_predict_quantiles_by_group_and_by_shift_weight_by_hand():
    # the signed calibration keeps the Mondrian groups and the shift
    # weights: quantiles of mu(x) + r with r from the test point's group, or
    # the weighted conformal quantile with the test point's weight at +inf
    rng = np.random.RandomState(12)
    X, y = heteroscedastic(rng, 160)
    groups = (X[:, 1] > 0).astype(int)
    levels = np.array([0.1, 0.5, 0.9])
    grouped = ConformalRegressor(LinearRegression(), random_state=0).fit(
        X, y, groups=groups
    )
    cal = grouped.calibration_indices_
    resid = y[cal] - grouped.estimator_.predict(X[cal])
    X_test = X[:12]
    g_test = groups[:12]
    got = grouped.predict_quantiles(X_test, levels, groups=g_test)
    mu = grouped.estimator_.predict(X_test)
    for i in range(12):
        r_g = np.sort(resid[groups[cal] == g_test[i]])
        for k, p in enumerate(levels):
            rank = _rank(r_g.size, p)
            r = r_g[rank - 1] if rank <= r_g.size else np.inf
            assert got[i, k] == pytest.approx(mu[i] + r, abs=1e-12)

    w = rng.uniform(0.2, 3.0, size=160)
    weighted = ConformalRegressor(LinearRegression(), random_state=0).fit(
        X, y, shift_weight=w
    )
    cal = weighted.calibration_indices_
    resid = y[cal] - weighted.estimator_.predict(X[cal])
    w_test = rng.uniform(0.2, 3.0, size=12)
    got = weighted.predict_quantiles(X_test, levels, shift_weight=w_test)
    mu = weighted.estimator_.predict(X_test)
    for i in range(12):
        for k, p in enumerate(levels):
            r = _weighted_rank_value(resid, w[cal], w_test[i], p)
            assert got[i, k] == pytest.approx(mu[i] + r, abs=1e-12)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_methods_fitted_plain_reject_groups_or_weights_and_warn_at_high(
    method,
):
    from skvariance.calibration import CalibrationSizeWarning

    rng = np.random.RandomState(13)
    X, y = heteroscedastic(rng, 40)
    reg = ConformalRegressor(LinearRegression(), method=method, random_state=0)
    reg.fit(X, y)
    # fitted without groups or weights: both refused at predict time
    for kwargs, message in (
        ({"groups": np.zeros(5)}, "^groups were given at predict time"),
        ({"shift_weight": np.ones(5)}, "^shift_weight was given at predict time"),
    ):
        with pytest.raises(ValueError, match=message):
            reg.predict_interval(X[:5], **kwargs)
        with pytest.raises(ValueError, match=message):
            reg.predict_quantiles(X[:5], [0.5], **kwargs)
    with pytest.warns(CalibrationSizeWarning) as record:
        bounds = reg.predict_interval(X[:5], coverage=0.99)
    assert np.all(bounds[:, 0] == -np.inf) and np.all(bounds[:, 1] == np.inf)
    assert (
        "the conformal quantile is +inf, so the prediction intervals of its test "
        "points are (-inf, inf) (the exact conformal answer)."
    ) in str(record[0].message)


def test_split_normalized_predict_quantiles_scale_by_sigma_by_hand():
    # Q(p) = mu(x) + sigma(x) r_(k) with r = (y - mu) / sigma on the
    # calibration rows (kills r without sigma and r / sigma)
    rng = np.random.RandomState(14)
    X, y = heteroscedastic(rng, 120)
    reg = ConformalRegressor(LinearWithStd(), score="normalized", random_state=1)
    reg.fit(X, y)
    cal = reg.calibration_indices_
    mu_cal, s_cal = reg.estimator_.predict(X[cal], return_std=True)
    r = np.sort((y[cal] - mu_cal) / s_cal)
    X_test = rng.normal(size=(9, 2)) * 2.0
    mu, sigma = reg.estimator_.predict(X_test, return_std=True)
    levels = [0.05, 0.5, 0.95]
    want = np.column_stack([mu + sigma * r[_rank(r.size, p) - 1] for p in levels])
    np.testing.assert_allclose(
        reg.predict_quantiles(X_test, levels), want, rtol=0, atol=1e-12
    )


def test_cv_plus_folds_are_plain_kfold_even_for_integer_targets():
    # an integer-valued target (counts) looks "multiclass" to scikit-learn:
    # check_cv(classifier=True) would stratify; CV+ of a regressor must use
    # KFold(cv) as documented
    rng = np.random.RandomState(15)
    X = rng.normal(size=(60, 2))
    y = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    assert len(np.unique(y)) < 10
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=3).fit(X, y)
    for model, (train, _) in zip(reg.estimators_, KFold(3).split(X)):
        ref = LinearRegression().fit(X[train], y[train])
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-12)


def test_cv_plus_gives_y_to_a_user_splitter():
    # a splitter that needs y (stratified on an integer-valued target)
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.RandomState(16)
    X = rng.normal(size=(60, 2))
    y = rng.randint(0, 3, 60).astype(float)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=cv).fit(X, y)
    for model, (train, _) in zip(reg.estimators_, cv.split(X, y)):
        ref = LinearRegression().fit(X[train], y[train])
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_members_are_seeded_from_random_state(method):
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.RandomState(17)
    X, y = heteroscedastic(rng, 60)
    params = dict(method=method, cv=3, n_resamples=30)
    est = DecisionTreeRegressor(splitter="random", max_depth=3)
    a = ConformalRegressor(est, random_state=4, **params).fit(X, y)
    b = ConformalRegressor(est, random_state=4, **params).fit(X, y)
    c = ConformalRegressor(est, random_state=5, **params).fit(X, y)
    np.testing.assert_array_equal(
        a.predict_interval(X[:10]), b.predict_interval(X[:10])
    )
    assert not np.array_equal(a.predict_interval(X[:10]), c.predict_interval(X[:10]))
    seeds = [m.random_state for m in a.estimators_]
    assert all(isinstance(s, (int, np.integer)) for s in seeds)
    assert len(set(seeds)) == len(seeds)  # one seed per member


def test_cross_fit_reports_progress_with_verbose(capsys):
    rng = np.random.RandomState(18)
    X, y = heteroscedastic(rng, 30)
    ConformalRegressor(LinearRegression(), method="cv_plus", cv=3, verbose=1).fit(X, y)
    assert "Done   3 out of   3" in capsys.readouterr().err
    ConformalRegressor(LinearRegression(), method="cv_plus", cv=3).fit(X, y)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("case", ["missing", "twice"])
def test_cv_plus_rejects_folds_that_are_not_a_partition(case):
    rng = np.random.RandomState(19)
    X, y = heteroscedastic(rng, 12)
    idx = np.arange(12)
    if case == "missing":  # row 0 is in no test fold
        tests = [idx[1:6], idx[6:]]
    else:  # row 5 is in two test folds
        tests = [idx[:6], idx[5:]]
    cv = [(np.setdiff1d(idx, t), t) for t in tests]
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=cv)
    with pytest.raises(ValueError) as exc:
        reg.fit(X, y)
    assert str(exc.value) == "cv must put every row in exactly one test fold for CV+."


def test_jackknife_out_of_bag_edge_cases():
    # every row in both bootstrap samples: an error; one row out of bag: a
    # fit on that row, with a warning that points at the caller's line
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([0.0, 1.0, 3.0])
    found = {}
    for seed in range(2000):
        # the documented stream: derive_seeds(rng, n_resamples), then the bags
        bag = np.random.RandomState(seed)
        derive_seeds(bag, 2)
        draws = [bag.randint(0, 3, size=3) for _ in range(2)]
        in_every = set(draws[0].tolist()) & set(draws[1].tolist())
        found.setdefault(3 - len(in_every), seed)  # rows out of some bag
        if 0 in found and 1 in found:
            break
    reg = ConformalRegressor(
        LinearRegression(), method="jackknife_plus_ab", n_resamples=2
    )
    with pytest.raises(ValueError) as exc:
        reg.set_params(random_state=found[0]).fit(X, y)
    assert str(exc.value) == "no row is out of bag; increase n_resamples."
    with pytest.warns(UserWarning) as record:
        reg.set_params(random_state=found[1]).fit(X, y)
    assert str(record[0].message) == (
        "2 of 3 rows were in every bootstrap sample (never out of bag) and are "
        "left out of the calibration; increase n_resamples."
    )
    assert record[0].filename == __file__
    assert reg.n_excluded_ == 2 and reg.conformity_scores_.size == 1


def test_cv_plus_with_an_empty_test_fold_equals_cv_plus_without_it():
    # a user's splits whose last test fold is empty: that fold's model is
    # never out of fold for any row, so CV+ is the CV+ of the other folds
    rng = np.random.RandomState(23)
    X, y = heteroscedastic(rng, 45)
    idx = np.arange(45)
    folds = [(np.setdiff1d(idx, t), t) for t in np.array_split(idx, 3)]
    with_empty = folds + [(idx, np.array([], dtype=int))]
    a = ConformalRegressor(LinearRegression(), method="cv_plus", cv=folds).fit(X, y)
    b = ConformalRegressor(LinearRegression(), method="cv_plus", cv=with_empty)
    b.fit(X, y)
    X_test = rng.normal(size=(7, 2))
    np.testing.assert_allclose(
        b.predict_interval(X_test), a.predict_interval(X_test), rtol=0, atol=1e-12
    )

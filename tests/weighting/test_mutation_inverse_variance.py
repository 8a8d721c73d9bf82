"""Mutation tests of weighting/_inverse_variance.py (session 16c).

Every reference is computed by hand with NumPy: the ridge / least-squares fits
in closed form, the folds given explicitly, the variance model's target, bias
correction, floor, power choice and final weights written out.
"""

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeRegressor

from skvariance.weighting import InverseVarianceRegressor

BIAS = 1.2703628454614782
ALPHA = 3.0


def _data(n=48, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 1, size=(n, 2))
    sigma = 0.05 + 2.0 * X[:, 0] ** 2
    y = 1.0 + 2.0 * X[:, 0] - X[:, 1] + sigma * rng.standard_normal(n)
    return X, y


def _folds(n, k=4):
    return list(KFold(k).split(np.zeros((n, 1))))


def _ridge(X, y, w, alpha):
    """Weighted ridge with an unpenalised intercept, in closed form."""
    w = np.ones(len(y)) if w is None else w
    xm = np.sum(w[:, None] * X, axis=0) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    Xc, yc = X - xm, y - ym
    coef = np.linalg.solve(
        Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1]), Xc.T @ (w * yc)
    )
    return coef, ym - xm @ coef


def _oof(X, y, w, folds, alpha):
    out = np.empty(len(y))
    for train, test in folds:
        wt = None if w is None else w[train]
        coef, icpt = _ridge(X[train], y[train], wt, alpha)
        out[test] = X[test] @ coef + icpt
    return out


def _nll_mse_choice(y, cands, var, user_sw):
    w = np.ones(len(y)) if user_sw is None else user_sw
    W = w.sum()
    n_eff = W**2 / np.sum(w * w)
    sq0 = (y - cands[0.0]) ** 2
    admissible, scores = [], {}
    for p, o in cands.items():
        sq = (y - o) ** 2
        d = sq - sq0
        md = np.sum(w * d) / W
        se = np.sqrt(np.sum(w * (d - md) ** 2) / W / n_eff)
        scores[p] = {"nll": np.sum(w * sq / var) / W, "mse": np.sum(w * sq) / W}
        if md <= 2 * se:
            admissible.append(p)
    best = sorted(admissible, key=lambda p: (scores[p]["nll"], p))[0]
    return best, scores


def _reference(X, y, folds, *, powers, n_iter, target, floor_frac, user_sw, alpha):
    """Hand FWLS: ridge mean model, least-squares variance model."""
    n = len(y)
    base = np.ones(n) if user_sw is None else user_sw

    def cf(w):
        return _oof(X, y, None if w is None else w / np.mean(w), folds, alpha)

    oof = cf(user_sw)
    unweighted = oof
    power, scores = 0.0, {}
    uw = np.ones(n) if user_sw is None else user_sw
    for _ in range(n_iter):
        r = y - oof
        scale = np.sum(uw * r**2) / np.sum(uw)
        t = np.log(r**2 + 1e-12 * scale) if target == "log" else np.abs(r)
        A = np.column_stack([np.ones(n), X])
        s = np.sqrt(uw)
        beta = np.linalg.lstsq(A * s[:, None], t * s, rcond=None)[0]
        g = A @ beta
        var = np.exp(g + BIAS) if target == "log" else np.pi / 2 * g**2
        floor = floor_frac * scale
        n_floored = int(np.sum(var < floor))
        var = np.maximum(var, floor)
        cands = {p: unweighted if p == 0 else cf(base * var ** (-p)) for p in powers}
        if len(powers) > 1:
            power, scores = _nll_mse_choice(y, cands, var, user_sw)
        else:
            power = powers[0]
        oof = cands[power]
    weights = base * var ** (-power)
    weights = weights / np.mean(weights)
    coef, icpt = _ridge(X, y, weights, alpha)
    return {
        "coef": coef,
        "intercept": icpt,
        "weights": weights,
        "residuals": r,
        "floor": floor,
        "n_floored": n_floored,
        "bounds": (var.min(), var.max()),
        "beta": beta,
        "power": power,
        "scores": scores,
    }


def _fit(X, y, folds, sample_weight=None, **kw):
    reg = InverseVarianceRegressor(
        Ridge(alpha=ALPHA), variance_estimator=LinearRegression(), cv=folds, **kw
    )
    return reg.fit(X, y, sample_weight=sample_weight)


def _check(reg, ref):
    np.testing.assert_allclose(reg.estimator_.coef_, ref["coef"], rtol=1e-7)
    np.testing.assert_allclose(reg.estimator_.intercept_, ref["intercept"], rtol=1e-7)
    np.testing.assert_allclose(reg.weights_, ref["weights"], rtol=1e-7)
    np.testing.assert_allclose(reg.residuals_, ref["residuals"], rtol=1e-7)
    np.testing.assert_allclose(reg.variance_floor_, ref["floor"], rtol=1e-9)
    assert reg.n_floored_ == ref["n_floored"]
    np.testing.assert_allclose(reg.variance_bounds_, ref["bounds"], rtol=1e-7)
    assert reg.weight_power_ == ref["power"]
    assert isinstance(reg.weight_power_, float)
    w = ref["weights"]
    np.testing.assert_allclose(
        reg.effective_sample_size_, w.sum() ** 2 / np.sum(w**2), rtol=1e-9
    )


@pytest.mark.parametrize("target", ["log", "absolute"])
@pytest.mark.parametrize("n_iter", [1, 2])
def test_fixed_power_fit_matches_hand_fwls(target, n_iter):
    X, y = _data()
    y = 1000.0 * y  # rescaled weights must not carry the units of y (ridge)
    folds = _folds(len(y))
    reg = _fit(X, y, folds, variance_target=target, n_iter=n_iter, weight_power=1.0)
    ref = _reference(
        X,
        y,
        folds,
        powers=(1.0,),
        n_iter=n_iter,
        target=target,
        floor_frac=1e-3,
        user_sw=None,
        alpha=ALPHA,
    )
    _check(reg, ref)
    assert reg.weight_power_scores_ == {}


def test_half_power_with_user_weights_matches_hand_fwls():
    X, y = _data(seed=1)
    sw = np.random.RandomState(5).uniform(0.2, 3.0, len(y))
    folds = _folds(len(y))
    reg = _fit(X, y, folds, sw, n_iter=2, weight_power=0.5, variance_floor=0.5)
    ref = _reference(
        X,
        y,
        folds,
        powers=(0.5,),
        n_iter=2,
        target="log",
        floor_frac=0.5,
        user_sw=sw,
        alpha=ALPHA,
    )
    assert ref["n_floored"] > 0  # the floor is active
    _check(reg, ref)


@pytest.mark.parametrize("use_sw", [False, True])
def test_auto_power_matches_hand_choice(use_sw):
    X, y = _data(seed=2)
    sw = np.random.RandomState(7).uniform(0.5, 2.0, len(y)) if use_sw else None
    folds = _folds(len(y))
    reg = _fit(X, y, folds, sw, n_iter=2)
    ref = _reference(
        X,
        y,
        folds,
        powers=(0.0, 0.5, 1.0),
        n_iter=2,
        target="log",
        floor_frac=1e-3,
        user_sw=sw,
        alpha=ALPHA,
    )
    _check(reg, ref)
    assert set(reg.weight_power_scores_) == {0.0, 0.5, 1.0}
    for p, s in ref["scores"].items():
        got = reg.weight_power_scores_[p]
        assert set(got) == {"nll", "mse"}
        assert isinstance(got["nll"], float) and isinstance(got["mse"], float)
        np.testing.assert_allclose(got["nll"], s["nll"], rtol=1e-7)
        np.testing.assert_allclose(got["mse"], s["mse"], rtol=1e-7)


def test_predict_variance_std_and_clipping_match_hand_values():
    X, y = _data(seed=3)
    folds = _folds(len(y))
    reg = _fit(X, y, folds, n_iter=1, weight_power=1.0)
    ref = _reference(
        X,
        y,
        folds,
        powers=(1.0,),
        n_iter=1,
        target="log",
        floor_frac=1e-3,
        user_sw=None,
        alpha=ALPHA,
    )
    X_new = np.array([[0.5, 0.5], [5.0, 0.0], [-5.0, 0.0], [0.1, 0.9]])
    g = np.column_stack([np.ones(4), X_new]) @ ref["beta"]
    var = np.clip(np.exp(g + BIAS), *ref["bounds"])
    assert var[1] == ref["bounds"][1] or var[2] == ref["bounds"][1]
    assert var[1] == ref["bounds"][0] or var[2] == ref["bounds"][0]
    np.testing.assert_allclose(reg.predict_variance(X_new), var, rtol=1e-7)
    mean, std = reg.predict(X_new, return_std=True)
    np.testing.assert_allclose(std, np.sqrt(var), rtol=1e-7)
    np.testing.assert_allclose(mean, X_new @ ref["coef"] + ref["intercept"], rtol=1e-7)
    np.testing.assert_allclose(reg.predict(X_new), mean)


def test_choose_power_by_hand():
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    cands = {
        0.0: y + np.array([0.5, -0.5, 0.5, -0.5, 0.5, -0.5]),
        0.5: y + np.array([0.1, -0.9, 0.2, -0.1, 0.3, -0.6]),
        1.0: y + np.array([2.0, 0.0, 0.0, 0.0, 0.0, 0.1]),
    }
    var = np.array([1.0, 4.0, 1.0, 1.0, 1.0, 0.25])
    for sw in (None, np.array([1.0, 2.0, 1.0, 0.5, 3.0, 1.0])):
        power, scores = InverseVarianceRegressor._choose_power(y, cands, var, sw)
        ref_power, ref = _nll_mse_choice(y, cands, var, sw)
        assert power == ref_power
        for p in cands:
            np.testing.assert_allclose(scores[p]["nll"], ref[p]["nll"], rtol=1e-12)
            np.testing.assert_allclose(scores[p]["mse"], ref[p]["mse"], rtol=1e-12)


def test_choose_power_ties_go_to_the_smaller_power():
    # equal squared errors: every power is admissible (mean diff 0 <= 0 = 2 se)
    # and the nll ties between 0.5 and 1 (and 0): the smaller power wins.
    y = np.zeros(4)
    o = np.array([1.0, -1.0, 1.0, -1.0])
    cands = {0.0: o, 0.5: -o, 1.0: o.copy()}
    power, scores = InverseVarianceRegressor._choose_power(y, cands, np.ones(4), None)
    assert power == 0.0
    assert scores[0.5] == scores[1.0] == {"nll": 1.0, "mse": 1.0}
    cands = {0.0: 2 * o, 0.5: o, 1.0: o.copy()}
    power, _ = InverseVarianceRegressor._choose_power(y, cands, np.ones(4), None)
    assert power == 0.5


def test_choose_power_admits_within_two_standard_errors_only():
    # y = 0; power 0 errs by 1 everywhere (sq0 = 1); power 1 is exact on rows
    # 0-3 (tiny variance there, so its nll is far smaller) and errs by e on
    # rows 4-7: diff = (-1 x4, e^2 - 1 x4), mean m = (e^2 - 2) / 2,
    # se = (e^2 / 2) / sqrt(8).
    y = np.zeros(8)
    var = np.where(np.arange(8) < 4, 1e-6, 1e6)
    for sq, expected in ((9.0, 0.0), (5.0, 1.0)):
        # sq 9: m = 3.5 > 2 se = 3.18 (refused); sq 5: se = 0.884 < m = 1.5
        # < 2 se = 1.77 (admitted, though more than one se worse)
        o1 = np.where(np.arange(8) < 4, 0.0, np.sqrt(sq))
        cands = {0.0: np.ones(8), 1.0: o1}
        power, _ = InverseVarianceRegressor._choose_power(y, cands, var, None)
        assert power == expected


def test_transform_and_bias_correction_by_hand():
    r = np.array([0.0, -2.0, 0.5])
    reg = InverseVarianceRegressor()
    np.testing.assert_allclose(
        reg._transform_target(r, 4.0), np.log(r**2 + 4e-12), rtol=1e-12
    )
    g = np.array([-1.0, 0.0, 2.0, 699.0, 800.0])
    np.testing.assert_allclose(
        reg._to_variance(g), np.exp(np.minimum(g + BIAS, 700.0)), rtol=1e-12
    )
    assert reg._to_variance(np.array([1e6]))[0] == np.exp(700.0)
    reg = InverseVarianceRegressor(variance_target="absolute")
    np.testing.assert_array_equal(reg._transform_target(r, 4.0), np.abs(r))
    np.testing.assert_allclose(reg._to_variance(g[:3]), np.pi / 2 * g[:3] ** 2)


def test_constant_y_is_refused_naming_y():
    X, _ = _data()
    with pytest.raises(ValueError, match=r"y is constant \(every value is .*2\.5"):
        InverseVarianceRegressor().fit(X, np.full(len(X), 2.5))


def test_exact_fit_keeps_user_weights_and_zero_bounds():
    X, _ = _data()
    y = 1.0 + X @ [1.0, 2.0]
    sw = np.random.RandomState(0).uniform(1.0, 3.0, len(y))
    reg = InverseVarianceRegressor(cv=_folds(len(y)), n_iter=3).fit(
        X, y, sample_weight=sw
    )
    assert reg.variance_estimator_ is None
    np.testing.assert_allclose(reg.weights_, sw / sw.mean(), rtol=1e-12)
    assert reg.variance_bounds_ == (0.0, 0.0)
    assert reg.variance_floor_ == 0.0
    assert reg.n_floored_ == 0
    assert reg.weight_power_ == 0.0 and reg.weight_power_scores_ == {}
    np.testing.assert_array_equal(reg.predict_variance(X[:5]), np.zeros(5))


def test_degenerate_weights_warning_reports_hand_numbers():
    rng = np.random.RandomState(0)
    n = 48
    X = rng.uniform(0, 1, (n, 1))
    y = X[:, 0] + rng.standard_normal(n)
    sw = np.ones(n)
    sw[0] = 0.0  # a zero weight: the ratio is over the positive weights
    reg = InverseVarianceRegressor(
        Ridge(alpha=ALPHA),
        # a full tree memorises log r^2: weights 1/r^2, the smallest |r| wins
        variance_estimator=DecisionTreeRegressor(random_state=0),
        cv=_folds(n),
        n_iter=1,
        weight_power=1.0,
        variance_floor=1e-12,
    )
    with pytest.warns(UserWarning, match="degenerate") as record:
        reg.fit(X, y, sample_weight=sw)
    w = reg.weights_
    ess = w.sum() ** 2 / np.sum(w**2)
    assert ess < 0.05 * 47
    ratio = w.max() / w[w > 0].min()
    msg = str(record[0].message)
    assert f"effective sample size is {ess:.1f} of 47 rows" in msg
    assert f"(max/min weight ratio {ratio:.3g})" in msg
    # the warning points at the caller's line, not into scikit-learn
    assert record[0].filename == __file__


def test_choose_power_uses_the_user_weights_everywhere():
    # random borderline cases (power 1's errors are power 0's times 0.6..1.6):
    # the weighted mean difference, Kish's n_eff and the weighted se decide
    rng = np.random.RandomState(0)
    chosen = []
    for _ in range(300):
        n = 10
        y = rng.standard_normal(n)
        e0 = rng.standard_normal(n)
        cands = {0.0: y + e0, 1.0: y + e0 * rng.uniform(0.6, 1.6, n)}
        var = rng.uniform(0.1, 10.0, n)
        sw = rng.uniform(0.1, 5.0, n)
        power, _ = InverseVarianceRegressor._choose_power(y, cands, var, sw)
        assert power == _nll_mse_choice(y, cands, var, sw)[0]
        chosen.append(power)
    assert 0.0 in chosen and 1.0 in chosen


class _MeanTagged(LinearRegression):
    def fit(self, X, y, sample_weight=None, tag=None):
        self.tag_ = tag
        return super().fit(X, y, sample_weight=sample_weight)


class _VarTagged(LinearRegression):
    def fit(self, X, y, sample_weight=None, vtag=None):
        self.vtag_ = vtag
        return super().fit(X, y, sample_weight=sample_weight)


def test_routing_sends_each_model_its_own_metadata():
    X, y = _data()
    tag, vtag = np.arange(len(y)) * 1.0, -np.arange(len(y)) * 1.0
    with sklearn.config_context(enable_metadata_routing=True):
        reg = InverseVarianceRegressor(
            _MeanTagged().set_fit_request(sample_weight=True, tag=True),
            variance_estimator=_VarTagged().set_fit_request(vtag=True),
            cv=_folds(len(y)),
            n_iter=1,
            weight_power=1.0,
        )
        routing = reg.get_metadata_routing()
        assert routing.owner == "InverseVarianceRegressor"
        reg.fit(X, y, tag=tag, vtag=vtag)
    np.testing.assert_array_equal(reg.estimator_.tag_, tag)
    np.testing.assert_array_equal(reg.variance_estimator_.vtag_, vtag)
    assert not hasattr(reg.estimator_, "vtag_")


def test_documented_defaults_and_params_are_stored():
    params = InverseVarianceRegressor().get_params()
    assert params["n_iter"] == 2
    assert params["weight_power"] == "auto"
    assert params["variance_floor"] == 1e-3
    assert InverseVarianceRegressor(n_jobs=2).get_params()["n_jobs"] == 2


def test_predict_interval_default_is_90_percent_gaussian():
    X, y = _data(seed=4)
    reg = _fit(X, y, _folds(len(y)), n_iter=1, weight_power=1.0)
    mean, std = reg.predict(X[:6], return_std=True)
    z = 1.6448536269514722  # norm.ppf(0.95)
    expected = np.column_stack([mean - z * std, mean + z * std])
    np.testing.assert_allclose(reg.predict_interval(X[:6]), expected, rtol=1e-9)


def test_predict_variance_validates_its_input():
    X, y = _data()
    with pytest.raises(NotFittedError):
        InverseVarianceRegressor().predict_variance(X)
    reg = _fit(X, y, _folds(len(y)), n_iter=1, weight_power=1.0)
    with pytest.raises(ValueError, match="InverseVarianceRegressor is expecting 2"):
        reg.predict_variance(np.ones((3, 3)))


@pytest.mark.parametrize("s, expected", [(2.6, 0.0), (2.3, 1.0)])
def test_choose_power_weighted_two_se_rule_by_hand(s, expected):
    # y = 0; power 0 errs by 1 (sq0 = 1); power 1 is exact on rows 0-3 (tiny
    # variance: its nll wins) and has sq = s on rows 4-7; user weights 1 and 3.
    # Weighted: mean diff 0.75 s - 1, variance 0.1875 s^2, Kish n_eff
    # 16^2 / 40 = 6.4, so admissible iff 0.75 s - 1 <= 2 s sqrt(0.1875 / 6.4),
    # i.e. s <= 2.45. (Unweighted mean diff, unweighted spread or
    # n_eff = 16^2 / sum w^3 would all admit s = 2.6.)
    y = np.zeros(8)
    rows = np.arange(8) < 4
    var = np.where(rows, 1e-6, 1e6)
    sw = np.where(rows, 1.0, 3.0)
    cands = {0.0: np.ones(8), 1.0: np.where(rows, 0.0, np.sqrt(s))}
    power, _ = InverseVarianceRegressor._choose_power(y, cands, var, sw)
    assert power == expected

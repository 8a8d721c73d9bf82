"""RiskController: conformal risk control and Learn-then-Test.

References are independent: NumPy / pure-Python formulas, ConformalClassifier
(split LAC) and MAPIE 1.6's risk-control module on real data (statsmodels'
anes96 for the binary case, a multilabel target derived from sklearn's
digits), and simulations with known risk curves from both sides.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier

from skvariance.calibration import (
    ConformalClassifier,
    RiskController,
    RiskControlWarning,
)
from skvariance.calibration._risk_control import (
    _bonferroni,
    _holm,
    crc_threshold_index,
    fixed_sequence_test,
    hoeffding_bentkus_p_values,
)
from skvariance.utils.stats import conformal_rank

from ._helpers import KnownProba


def _known(classes=(0, 1)):
    """A prefit model whose predict_proba returns X."""
    classes = np.asarray(classes)
    k = classes.size
    return KnownProba().fit(np.eye(k), classes)


class KnownMultilabel(ClassifierMixin, BaseEstimator):
    """A multilabel model whose predict_proba (n, n_labels) is X."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)


class NoFit(ClassifierMixin, BaseEstimator):
    """Fails if fit is ever called: bad input must be rejected before."""

    def fit(self, X, y):
        raise AssertionError("fit was called")

    def predict_proba(self, X):  # pragma: no cover
        raise AssertionError("predict_proba was called")


# -- CRC: the threshold formula -----------------------------------------
def _crc_reference(losses, grid, alpha, bound=1.0):
    """inf{lambda : n/(n+1) R_n(lambda) + B/(n+1) <= alpha}, by a loop."""
    n = losses.shape[0]
    for j, lam in enumerate(grid):
        if n / (n + 1) * losses[:, j].mean() + bound / (n + 1) <= alpha + 1e-12:
            return lam
    return None


def _fnr_losses(Y, proba, grid):
    """Share of the true labels outside {k : 1 - p_k <= lambda}, by a loop."""
    out = np.empty((Y.shape[0], grid.size))
    for j, lam in enumerate(grid):
        inside = 1.0 - proba <= lam
        out[:, j] = ((Y == 1) & ~inside).sum(axis=1) / Y.sum(axis=1)
    return out


@pytest.mark.parametrize("alpha", [0.05, 0.2, 0.35])
def test_crc_fnr_threshold_equals_numpy_reference(alpha):
    rng = np.random.default_rng(0)
    n, k = 60, 4
    proba = rng.uniform(size=(n, k))
    Y = (rng.uniform(size=(n, k)) < proba).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    model = KnownMultilabel().fit(proba, Y)
    # exact (every calibration score a candidate) and on a grid
    exact = RiskController(model, risk="fnr", target=alpha).conformalize(proba, Y)
    cands = np.unique(1.0 - proba[Y == 1])
    assert exact.threshold_ == _crc_reference(
        _fnr_losses(Y, proba, cands), cands, alpha
    )
    grid = np.linspace(0, 1, 41)
    on_grid = RiskController(model, risk="fnr", target=alpha, grid=grid)
    on_grid.conformalize(proba, Y)
    losses = _fnr_losses(Y, proba, grid)
    assert on_grid.threshold_ == _crc_reference(losses, grid, alpha)
    np.testing.assert_allclose(on_grid.risk_curve_, losses.mean(axis=0))
    np.testing.assert_allclose(on_grid.bound_curve_, (losses.sum(axis=0) + 1) / (n + 1))


def test_crc_index_edges():
    # sum L + B <= alpha (n + 1): 19 points, alpha 0.1 -> sum L <= 1
    assert crc_threshold_index(np.array([3.0, 2.0, 1.0, 0.0]), 19, 0.1) == 2
    # equality is valid (the paper's "<="); one more loss is not
    assert crc_threshold_index(np.array([1.0]), 19, 0.1) == 0
    assert crc_threshold_index(np.array([1.0 + 1e-6]), 19, 0.1) is None
    # n + 1, not n: with n = 20 the sum may reach 1.1
    assert crc_threshold_index(np.array([1.1, 0.5]), 20, 0.1) == 0
    assert crc_threshold_index(np.array([1.2, 0.5]), 20, 0.1) == 1
    # the float slack is inclusive too: a sum exactly at alpha (n+1) (1 + 1e-10)
    rhs = 0.5 * 2 * (1.0 + 1e-10)
    assert crc_threshold_index(np.array([rhs - 1.0]), 1, 0.5) == 0
    # the bound B enters: B = 2 leaves room for nothing at alpha (n+1) = 2
    assert crc_threshold_index(np.array([0.5, 0.0]), 19, 0.1, bound=2.0) == 1
    assert crc_threshold_index(np.array([0.5, 0.1]), 19, 0.1, bound=2.0) is None


# -- CRC with the miscoverage loss is split conformal LAC ----------------
@pytest.mark.parametrize("coverage", [0.8, 0.9])
@pytest.mark.parametrize("calibration_size", [19, 29, 0.5])
def test_crc_miscoverage_equals_split_lac(coverage, calibration_size):
    X, y = make_classification(
        n_samples=200, n_classes=3, n_informative=4, random_state=3
    )
    kw = {"calibration_size": calibration_size, "random_state": 1}
    crc = RiskController(target=1 - coverage, **kw).fit(X, y)
    lac = ConformalClassifier(score="lac", coverage=coverage, **kw).fit(X, y)
    np.testing.assert_array_equal(crc.calibration_indices_, lac.calibration_indices_)
    np.testing.assert_array_equal(crc.predict_set(X), lac.predict_set(X))
    # and the threshold is the conformal quantile of the true-label scores
    cal = crc.calibration_indices_
    proba = crc.estimator_.predict_proba(X[cal])
    scores = np.sort(1 - proba[np.arange(cal.size), y[cal]])
    rank = conformal_rank(cal.size, coverage)
    assert crc.threshold_ == scores[rank - 1]


# -- CRC risk by simulation, from both sides -----------------------------
# true-label score s ~ U(0, 1) (class 0 always true, p_0 = 1 - s), so the
# test miscoverage at lambda is exactly 1 - lambda; with n = 19 the CRC risk
# is (n + 1 - rank) / (n + 1) = alpha, and one rank off moves it by 0.05


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_crc_expected_miscoverage_by_simulation(alpha):
    # the core formula on 20000 draws at once (the estimator's own path is
    # tied to it by the tests above and simulated below, marked slow)
    rng = np.random.default_rng(1)
    n, reps = 19, 20_000
    s = np.sort(rng.uniform(size=(reps, n)), axis=1)
    # candidate lambda = the j-th smallest score: n - 1 - j scores above it
    above = np.arange(n - 1, -1, -1, dtype=float)
    idx = crc_threshold_index(above, n, alpha)
    risks = 1.0 - s[:, idx]
    se = risks.std() / np.sqrt(reps)
    assert abs(risks.mean() - alpha) <= 4 * se  # se ~ 0.0005
    assert alpha - 1 / (n + 1) < risks.mean() <= alpha + 4 * se


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_crc_expected_miscoverage_by_simulation_estimator(alpha):
    rng = np.random.default_rng(1)
    n, reps = 19, 1500
    model = _known()
    risks = np.empty(reps)
    for r in range(reps):
        s = rng.uniform(size=n)
        rc = RiskController(model, target=alpha).conformalize(
            np.column_stack([1 - s, s]), np.zeros(n, dtype=int)
        )
        risks[r] = 1.0 - min(rc.threshold_, 1.0)
    se = risks.std() / np.sqrt(reps)
    assert abs(risks.mean() - alpha) <= 4 * se
    assert alpha - 1 / (n + 1) < risks.mean() <= alpha + 4 * se


def test_crc_fnr_by_simulation_both_sides():
    # calibrated multilabel probabilities: y_k ~ Bernoulli(p_k); the expected
    # FNR of a threshold is estimated on a large test draw
    rng = np.random.default_rng(2)
    n, k, reps, alpha = 40, 3, 300, 0.2

    def draw(m):
        p = rng.uniform(size=(m, k))
        Y = (rng.uniform(size=(m, k)) < p).astype(int)
        keep = Y.sum(axis=1) > 0
        return p[keep], Y[keep]

    p_test, Y_test = draw(200_000)
    s_test = 1 - p_test[Y_test == 1]
    w_test = (1 / Y_test.sum(axis=1))[np.nonzero(Y_test)[0]]
    order = np.argsort(s_test)
    s_sorted, w_cum = s_test[order], np.cumsum(w_test[order])
    model = KnownMultilabel().fit(np.eye(k), np.eye(k, dtype=int))
    risks = np.empty(reps)
    for r in range(reps):
        p, Y = draw(n + 10)  # some rows without a label are dropped
        rc = RiskController(model, risk="fnr", target=alpha)
        rc.conformalize(p[: n - 10], Y[: n - 10])
        below = np.searchsorted(s_sorted, rc.threshold_, side="right")
        risks[r] = (w_cum[-1] - (w_cum[below - 1] if below else 0)) / len(p_test)
    se = risks.std() / np.sqrt(reps)
    assert risks.mean() <= alpha + 3 * se
    # CRC's lower bound alpha - 2B/(n+1) for continuous scores (Theorem 2)
    assert risks.mean() >= alpha - 2 / (n + 1)
    assert risks.mean() >= alpha - 0.02


# -- Learn-then-Test: p-values, FWER, risk by simulation -----------------
def _bentkus_reference(k, n, alpha):
    return sum(
        math.comb(n, i) * alpha**i * (1 - alpha) ** (n - i) for i in range(k + 1)
    )


def _hoeffding_reference(r, n, alpha):
    a = min(r, alpha)
    h = (a * math.log(a / alpha) if a > 0 else 0.0) + (1 - a) * math.log(
        (1 - a) / (1 - alpha)
    )
    return math.exp(-n * h)


@pytest.mark.parametrize("n, alpha", [(1, 0.3), (2, 0.1), (50, 0.1), (137, 0.25)])
def test_hoeffding_bentkus_p_values_equal_reference(n, alpha):
    counts = np.arange(0, n + 1)
    risk = counts / n
    ref_h = np.array([_hoeffding_reference(r, n, alpha) for r in risk])
    ref_b = np.array([_bentkus_reference(int(c), n, alpha) for c in counts])
    got = hoeffding_bentkus_p_values(risk, np.full(n + 1, n), alpha, binary=True)
    np.testing.assert_allclose(got, np.minimum(np.minimum(ref_h, ref_b), 1), rtol=1e-9)
    got = hoeffding_bentkus_p_values(risk, np.full(n + 1, n), alpha)
    np.testing.assert_allclose(
        got, np.minimum(np.minimum(ref_h, np.e * ref_b), 1), rtol=1e-9
    )
    got = hoeffding_bentkus_p_values(risk, np.full(n + 1, n), alpha, method="hoeffding")
    np.testing.assert_allclose(got, np.minimum(ref_h, 1), rtol=1e-9)
    # a fractional risk rounds the Bentkus count up
    got = hoeffding_bentkus_p_values(
        np.array([2.5 / n]), np.array([n]), alpha, binary=True
    )
    assert got[0] == pytest.approx(
        min(_hoeffding_reference(2.5 / n, n, alpha), _bentkus_reference(3, n, alpha))
    )
    # no effective sample: never valid (binary: the Bentkus term alone would
    # give 1 - alpha)
    for binary in (False, True):
        p0 = hoeffding_bentkus_p_values(
            np.array([0.0]), np.array([0]), alpha, binary=binary
        )
        assert p0[0] == 1


def test_p_value_is_super_uniform_at_the_null_and_not_much_more():
    # at risk exactly alpha, P(p <= delta) <= delta; for binary losses the
    # Bentkus p-value is the binomial cdf, so the rejection rate is exactly
    # the largest cdf value <= delta
    n, alpha, delta = 100, 0.1, 0.1
    counts = np.arange(n + 1)
    p = hoeffding_bentkus_p_values(counts / n, np.full(n + 1, n), alpha, binary=True)
    pmf = np.array(
        [math.comb(n, i) * alpha**i * (1 - alpha) ** (n - i) for i in counts]
    )
    rate = pmf[p <= delta].sum()
    cdf = np.cumsum(pmf)
    assert rate <= delta
    assert rate == pytest.approx(cdf[cdf <= delta].max(), rel=1e-9)


def test_fixed_sequence_testing():
    p = np.array([0.3, 0.1, 0.05, 0.0, 0.01])
    top_down = np.arange(5)[::-1]
    np.testing.assert_array_equal(fixed_sequence_test(p, 0.1, top_down), [1, 2, 3, 4])
    np.testing.assert_array_equal(fixed_sequence_test(p, 0.09, top_down), [2, 3, 4])
    # stops at the first failure even when later p-values are small
    assert fixed_sequence_test(p, 0.1, np.arange(5)).size == 0
    q = np.array([0.0, 0.2, 0.0])
    np.testing.assert_array_equal(fixed_sequence_test(q, 0.1, np.arange(3)), [0])
    np.testing.assert_array_equal(
        fixed_sequence_test(np.zeros(3), 0.1, np.arange(3)), [0, 1, 2]
    )


def test_bonferroni_and_holm_edges():
    # a p-value exactly at its level is rejected (p <= level)
    np.testing.assert_array_equal(_bonferroni(np.array([0.05, 0.2]), 0.1), [0])
    np.testing.assert_array_equal(_holm(np.array([0.2, 0.05]), 0.1), [1])
    # Holm: the second smallest against delta / 1 once the first is rejected
    np.testing.assert_array_equal(_holm(np.array([0.1, 0.05]), 0.1), [0, 1])
    np.testing.assert_array_equal(_holm(np.array([0.0, 0.01, 0.02]), 0.1), [0, 1, 2])
    assert _holm(np.array([0.06, 0.07]), 0.1).size == 0


def test_bonferroni_and_holm_equal_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(5)
    X, y = make_classification(n_samples=600, random_state=4)
    model = LogisticRegression().fit(X[:300], y[:300])
    for fwer, name in [("bonferroni", "bonferroni"), ("bonferroni_holm", "holm")]:
        for target in (0.1, 0.2):
            rc = RiskController(
                model, risk="precision", target=target, method="ltt", fwer_method=fwer
            ).conformalize(X[300:], y[300:])
            reject = multitest.multipletests(rc.p_values_, alpha=0.1, method=name)[0]
            np.testing.assert_array_equal(rc.valid_thresholds_, rc.grid_[reject])
    assert rng is not None


def _ltt_reference(curve, n_eff, alpha, delta, order):
    """LTT by hand: p-values row by row, fixed sequence along ``order``."""
    chosen = []
    for risk, m in zip(curve, n_eff):
        p = np.array(
            [
                min(
                    _hoeffding_reference(r, int(k), alpha),
                    _bentkus_reference(round(r * k), int(k), alpha),
                )
                if k > 0
                else 1.0
                for r, k in zip(risk, m)
            ]
        )
        valid = []
        for j in order:
            if p[j] > delta:
                break
            valid.append(j)
        chosen.append(valid)
    return chosen


def test_ltt_recall_by_simulation_and_reference():
    # every calibration point positive with p_1 ~ U(0, 1): the recall risk
    # of threshold lambda is exactly lambda
    rng = np.random.default_rng(3)
    n, reps, alpha, delta = 60, 400, 0.2, 0.1
    grid = np.linspace(0, 0.99, 100)
    u = rng.uniform(size=(reps, n))
    curve = (u[:, :, None] < grid).mean(axis=1)
    n_eff = np.full(curve.shape, n)
    p = hoeffding_bentkus_p_values(curve, n_eff, alpha, binary=True)
    # MAPIE's choice: every valid threshold has precision 1 here, ties go to
    # the largest recall risk, then to the smallest threshold
    chosen = np.full(reps, -np.inf)
    for r, row in enumerate(p):
        valid = fixed_sequence_test(row, delta, np.arange(grid.size))
        if valid.size:
            chosen[r] = grid[valid[np.argmax(curve[r, valid])]]
    violation = (chosen > alpha).mean()
    assert violation <= delta
    assert np.median(chosen) >= 0.08  # not vacuous (alpha = 0.2)
    # the estimator and a pure-Python LTT agree on the first draws
    model = _known()
    ref = _ltt_reference(curve[:15], n_eff[:15], alpha, delta, range(grid.size))
    for r in range(15):
        rc = RiskController(
            model, risk="recall", target=alpha, method="ltt", confidence_level=0.9
        ).conformalize(np.column_stack([1 - u[r], u[r]]), np.ones(n, dtype=int))
        np.testing.assert_array_equal(rc.valid_thresholds_, grid[sorted(ref[r])])
        assert rc.threshold_ == chosen[r]


def test_ltt_precision_by_simulation_and_reference():
    # p_1 ~ U(0, 1), P(y = 1 | p) = p: the precision risk of threshold
    # lambda is (1 - lambda) / 2; fixed sequence from the top of a grid
    # whose top still has positives (from 0.99, a handful of points cannot
    # reject: see the user guide)
    rng = np.random.default_rng(4)
    n, reps, alpha, delta = 300, 300, 0.2, 0.2
    grid = np.linspace(0, 0.8, 81)
    u = rng.uniform(size=(reps, n))
    y = rng.uniform(size=(reps, n)) < u
    pred = u[:, :, None] >= grid
    n_eff = pred.sum(axis=1)
    fp = (pred & ~y[:, :, None]).sum(axis=1)
    curve = fp / np.maximum(n_eff, 1)
    p = hoeffding_bentkus_p_values(curve, n_eff, alpha, binary=True)
    top_down = np.arange(grid.size)[::-1]
    chosen = np.array(
        [
            grid[fixed_sequence_test(row, delta, top_down)].min(initial=np.inf)
            for row in p
        ]
    )
    true_risk = np.where(np.isfinite(chosen), (1 - chosen) / 2, 0.0)
    assert (true_risk > alpha).mean() <= delta
    assert np.isfinite(chosen).mean() >= 0.5  # often controlled at all
    model = _known()
    ref = _ltt_reference(curve[:10], n_eff[:10], alpha, delta, top_down)
    for r in range(10):
        rc = RiskController(
            model,
            risk="precision",
            target=alpha,
            method="ltt",
            confidence_level=0.8,
            grid=grid,
        ).conformalize(np.column_stack([1 - u[r], u[r]]), y[r].astype(int))
        np.testing.assert_array_equal(rc.valid_thresholds_, grid[sorted(ref[r])])
        assert rc.threshold_ == chosen[r]


def test_ltt_miscoverage_equals_reference():
    # LTT with a loss-type risk: binary Hoeffding-Bentkus p-values of the
    # miscoverage rate, fixed sequence from the largest lambda, the smallest
    # valid lambda chosen
    rng = np.random.default_rng(6)
    n, alpha = 200, 0.2
    s = rng.uniform(size=n)
    grid = np.linspace(0, 1, 101)
    rc = RiskController(_known(), target=alpha, method="ltt")
    rc.conformalize(np.column_stack([1 - s, s]), np.zeros(n, dtype=int))
    rate = (s[:, None] > grid).mean(axis=0)
    ref = _ltt_reference(
        rate[None], np.full((1, grid.size), n), alpha, 0.1, range(100, -1, -1)
    )
    assert rc.threshold_ == grid[min(ref[0])]
    np.testing.assert_array_equal(rc.valid_thresholds_, grid[sorted(ref[0])])


def test_ltt_precision_choice_counts_probabilities_at_the_threshold():
    # p = 0.5 exactly on the grid value 0.5: those positives count for the
    # recall of lambda = 0.5 (p >= lambda), which is then the best valid one
    p = np.repeat([0.9, 0.5, 0.1], [200, 100, 100])
    y = np.repeat([1, 0, 1, 0], [170, 30, 100, 100])
    rc = RiskController(
        _known(),
        risk="precision",
        target=0.3,
        method="ltt",
        grid=[0.5, 0.8],
        fwer_method="bonferroni",
    ).conformalize(np.column_stack([1 - p, p]), y)
    np.testing.assert_array_equal(rc.valid_thresholds_, [0.5, 0.8])
    np.testing.assert_allclose(rc.risk_curve_, [0.1, 0.15])
    assert rc.threshold_ == 0.5


# -- the same thresholds as MAPIE 1.6 ------------------------------------
def _mapie_risk_control():
    # fwer_method, p_values and the Holm default of the controllers: 1.6
    pytest.importorskip("mapie", minversion="1.6")
    from mapie import risk_control

    return risk_control


def _anes96():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.anes96.load_pandas().data
    X = data.drop(columns=["vote"]).to_numpy(float)
    y = data["vote"].to_numpy(int)
    return train_test_split(X, y, test_size=0.5, random_state=0)


@pytest.mark.parametrize("fwer", ["fixed_sequence", "bonferroni", "bonferroni_holm"])
def test_ltt_equals_mapie_binary_controller(fwer):
    risk_control = _mapie_risk_control()
    X_train, X_cal, y_train, y_cal = _anes96()
    clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    for risk in ("precision", "recall"):
        for level in (0.8, 0.9):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # MAPIE's own warnings
                mapie = risk_control.BinaryClassificationController(
                    clf.predict_proba,
                    risk,
                    target_level=level,
                    confidence_level=0.9,
                    fwer_method=fwer,
                ).calibrate(X_cal, y_cal)
            ours = RiskController(
                clf,
                risk=risk,
                target=1 - level,
                method="ltt",
                fwer_method=fwer,
                p_value="hoeffding_bentkus_mapie",
            ).conformalize(X_cal, y_cal)
            expected = np.inf if mapie.best_predict_param is None else None
            assert ours.threshold_ == (expected or mapie.best_predict_param) or (
                risk == "recall" and expected and ours.threshold_ == -np.inf
            )
            finite = np.isfinite(mapie.p_values[:, 0])
            np.testing.assert_allclose(
                ours.p_values_[finite], mapie.p_values[finite, 0], rtol=1e-12
            )
            np.testing.assert_array_equal(
                ours.valid_thresholds_, np.sort(mapie.valid_predict_params)
            )


def test_ltt_default_count_is_exact_where_mapie_rounds_up():
    # MAPIE takes ceil(200 * (1 - 0.995)) = 2; the count is 1
    ours = hoeffding_bentkus_p_values(
        np.array([1 - 0.995]), np.array([200]), 0.1, binary=True
    )
    mapie = hoeffding_bentkus_p_values(
        np.array([1 - 0.995]), np.array([200]), 0.1, binary=True, count=np.array([2.0])
    )
    assert ours[0] == pytest.approx(_bentkus_reference(1, 200, 0.1))
    assert mapie[0] > ours[0]


def _digits_multilabel():
    X, d = load_digits(return_X_y=True)
    Y = np.stack(
        [
            d % 2 == 0,
            d >= 5,
            np.isin(d, [2, 3, 5, 7]),
            d % 3 == 0,
            np.isin(d, [0, 1, 4, 9]),
        ],
        axis=1,
    ).astype(int)
    return X / 16.0, Y


def test_crc_fnr_equals_mapie_multilabel_controller():
    risk_control = _mapie_risk_control()
    X, Y = _digits_multilabel()
    X_train, X_cal, Y_train, Y_cal = train_test_split(
        X, Y, train_size=300, test_size=200, random_state=0
    )
    clf = MultiOutputClassifier(LogisticRegression(max_iter=2000)).fit(X_train, Y_train)
    t = np.arange(0, 1, 0.01)  # MAPIE's thresholds on p; ours on 1 - p
    for level in (0.9,):
        mapie = risk_control.MultiLabelClassificationController(
            clf.predict_proba, risk="recall", method="crc", target_level=level
        ).calibrate(X_cal, Y_cal)
        ours = RiskController(
            clf, risk="fnr", target=1 - level, grid=(1 - t)[::-1]
        ).conformalize(X_cal, Y_cal)
        assert ours.threshold_ == pytest.approx(1 - mapie.best_predict_param[0])
        np.testing.assert_allclose(ours.risk_curve_, mapie.r_hat[::-1], rtol=1e-12)
        np.testing.assert_array_equal(
            ours.predict(X_cal[:50]), mapie.predict(X_cal[:50])[:, :, 0].astype(int)
        )


def test_multilabel_fit_end_to_end():
    X, Y = _digits_multilabel()
    rc = RiskController(risk="fnr", target=0.1, random_state=0).fit(X[:600], Y[:600])
    assert isinstance(rc.estimator_, MultiOutputClassifier)
    sets = rc.predict(X[600:])
    fnr = ((Y[600:] == 1) & (sets == 0)).sum(axis=1) / Y[600:].sum(axis=1)
    assert fnr.mean() <= 0.15
    assert sets.shape == Y[600:].shape
    np.testing.assert_array_equal(rc.predict_set(X[600:]), sets.astype(bool))


# -- user loss -------------------------------------------------------------
def test_user_loss_equals_builtin_fnr():
    X, Y = _digits_multilabel()
    grid = np.linspace(0, 1, 51)

    def fnr(y_true, proba, lam):
        missed = (y_true == 1) & (1 - proba > lam)
        return missed.sum(axis=1) / y_true.sum(axis=1)

    kw = {"target": 0.1, "grid": grid, "random_state": 0}
    user = RiskController(risk=fnr, **kw).fit(X[:500], Y[:500])
    builtin = RiskController(risk="fnr", **kw).fit(X[:500], Y[:500])
    assert user.threshold_ == builtin.threshold_
    np.testing.assert_allclose(user.risk_curve_, builtin.risk_curve_)


def test_user_loss_with_bound_two():
    rng = np.random.default_rng(0)
    s = rng.uniform(size=39)
    grid = np.linspace(0, 1, 101)

    def double_miss(y_true, proba, lam):
        return 2.0 * (1 - proba[np.arange(len(y_true)), y_true] > lam)

    rc = RiskController(
        _known(), risk=double_miss, target=0.2, loss_bound=2.0, grid=grid
    ).conformalize(np.column_stack([1 - s, s]), np.zeros(39, dtype=int))
    losses = 2.0 * (s[:, None] > grid[None, :])
    assert rc.threshold_ == _crc_reference(losses, grid, 0.2, bound=2.0)


# -- no valid threshold: a warning and a safe fallback ----------------------
def test_no_valid_threshold_warns_and_falls_back():
    X, y = make_classification(n_samples=200, random_state=0)
    model = LogisticRegression().fit(X[:100], y[:100])
    # CRC: 8 calibration points cannot give miscoverage 0.1 (needs 9)
    rc = RiskController(model, target=0.1).conformalize(X[100:108], y[100:108])
    assert not rc.controlled_ and rc.threshold_ == np.inf
    with pytest.warns(RiskControlWarning, match=r"miscoverage at target 0\.1"):
        assert rc.predict_set(X).all()
    # LTT precision at 99% with 20 points: predict no positive
    rc = RiskController(model, risk="precision", target=0.01, method="ltt")
    rc.conformalize(X[100:120], y[100:120])
    assert rc.valid_thresholds_.size == 0 and rc.threshold_ == np.inf
    with pytest.warns(RiskControlWarning, match="best empirical risk on the grid is"):
        pred = rc.predict(X)
    np.testing.assert_array_equal(pred, np.zeros(200))
    # recall: every point positive
    rc = RiskController(model, risk="recall", target=0.01, method="ltt")
    rc.conformalize(X[100:120], y[100:120])
    with pytest.warns(RiskControlWarning, match="every point is predicted positive"):
        np.testing.assert_array_equal(rc.predict(X), np.ones(200))


# -- bad input before any fit -----------------------------------------------
X_BAD, Y_BAD = make_classification(n_samples=40, random_state=0)


@pytest.mark.parametrize(
    "params, y, match",
    [
        ({"target": 0.0}, Y_BAD, "target"),
        ({"target": 1.0}, Y_BAD, "target"),
        ({"target": 1.5}, Y_BAD, "target"),
        ({"confidence_level": 1.0, "method": "ltt"}, Y_BAD, "confidence_level"),
        ({"risk": "precision"}, Y_BAD, "method='ltt'"),
        ({"risk": "fnr"}, Y_BAD, "multilabel 0/1 indicator"),
        ({"risk": "miscoverage"}, np.eye(40, 3, dtype=int), "1-d class labels"),
        ({"risk": "fnr"}, np.zeros((40, 3), dtype=int), "at least one true label"),
        (
            {"risk": "precision", "method": "ltt"},
            np.arange(40) % 3,
            "needs a binary y",
        ),
        ({"method": "ltt", "loss_bound": 2.0}, Y_BAD, "loss_bound must be 1.0"),
        ({"grid": [0.5, 0.2]}, Y_BAD, "strictly increasing"),
        ({"grid": 1}, Y_BAD, "grid"),
    ],
)
def test_bad_input_before_any_fit(params, y, match):
    with pytest.raises(ValueError, match=match):
        RiskController(NoFit(), **params).fit(X_BAD, y)


def test_bad_user_loss():
    X, y = make_classification(n_samples=100, random_state=0)
    model = LogisticRegression().fit(X, y)

    def rising(y_true, proba, lam):
        return np.full(len(y_true), lam)

    def too_big(y_true, proba, lam):
        return np.full(len(y_true), 2.0 * (lam < 0.5))

    def wrong_shape(y_true, proba, lam):
        return np.zeros(3)

    with pytest.raises(ValueError, match=r"risk \(a callable loss\) must be non-incr"):
        RiskController(model, risk=rising).conformalize(X, y)
    with pytest.raises(ValueError, match=r"risk \(a callable loss\) must lie in"):
        RiskController(model, risk=too_big).conformalize(X, y)
    RiskController(model, risk=too_big, loss_bound=2.0).conformalize(X, y)
    with pytest.raises(ValueError, match=r"one loss per sample"):
        RiskController(model, risk=wrong_shape).conformalize(X, y)


def test_conformalize_contract():
    X, y = make_classification(n_samples=120, random_state=0)
    model = LogisticRegression().fit(X[:60], y[:60])
    coef = model.coef_.copy()
    rc = RiskController(model).conformalize(X[60:], y[60:])
    assert rc.estimator_ is model and rc.n_calibration_ == 60
    np.testing.assert_array_equal(model.coef_, coef)
    with pytest.raises(ValueError, match="estimator is None"):
        RiskController().conformalize(X, y)
    with pytest.raises(Exception, match="not fitted"):
        RiskController(LogisticRegression()).conformalize(X, y)
    with pytest.raises(ValueError, match="features"):
        RiskController(model).conformalize(X[:, :3], y)
    with pytest.raises(ValueError, match="not fitted on"):
        RiskController(model).conformalize(X, y + 5)

"""adaptive_compare (AdaStop): FWER by simulation, early stopping, API."""

import numpy as np
import pytest
import sklearn
from scipy.stats import binom
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import make_scorer, r2_score
from sklearn.model_selection import GroupKFold, KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import AdaptiveCompareResult, adaptive_compare
from skvariance.model_selection._adaptive import _AdaStop

#: Simulated experiments for the FWER tests. The test fails when the number
#: of experiments with a false rejection exceeds the 0.999 quantile of
#: Binomial(N_SIM, alpha) -- a false alarm rate of at most 0.1% when the
#: procedure's FWER is alpha = 5% -- and N_SIM is the smallest multiple of 100
#: for which a true FWER of 7% exceeds that quantile with probability >= 0.9
#: (normal approximation: N ~ ((3.09 * 0.218 + 1.28 * 0.255) / 0.02)^2 ~ 2500;
#: exact binomial: 2700, quantile 171, i.e. 6.3%). ``test_fwer_power_arithmetic``
#: recomputes it.
N_SIM = 2700
ALPHA = 0.05


def _simulate(means, n_sim, *, n=5, n_interims=4, alpha=ALPHA, seed=0, perms=400):
    """Run the statistical core on Gaussian score tables (no estimator fits).

    ``perms`` random permutations per interim: a permutation test that
    includes the identity is valid for any number of them, so the FWER bound
    under test does not depend on it.
    """
    rng = np.random.RandomState(seed)
    outcomes = []
    for _ in range(n_sim):
        test = _AdaStop(len(means), n_interims, alpha, perms, rng)
        while not test.finished:
            test.update(
                {a: rng.normal(means[a], 1.0, size=n) for a in test.active_agents()}
            )
        outcomes.append(list(test.decisions))
    return outcomes


def test_fwer_power_arithmetic():
    """N_SIM detects an FWER of 7% with power >= 0.9 at a 0.1% false alarm."""
    limit = binom.ppf(0.999, N_SIM, ALPHA)
    assert binom.sf(limit, N_SIM, 0.07) >= 0.9
    assert binom.sf(limit, N_SIM - 100, 0.07) < 0.9  # and is the smallest such
    assert binom.sf(limit, N_SIM, ALPHA) <= 0.001


@pytest.mark.slow
def test_family_wise_error_under_the_global_null():
    outcomes = _simulate([0.0, 0.0, 0.0], N_SIM)
    any_rejection = sum(any(d != "equal" for d in o) for o in outcomes)
    assert any_rejection <= binom.ppf(0.999, N_SIM, ALPHA), any_rejection / N_SIM
    # the boundaries are not so conservative that nothing is ever rejected
    assert any_rejection >= binom.ppf(0.001, N_SIM, 0.02)


@pytest.mark.slow
def test_family_wise_error_under_a_partial_null():
    """Agents 0 and 1 are equal, 2 is far better: only (0, 1) can be wrong."""
    outcomes = _simulate([0.0, 0.0, 3.0], N_SIM, seed=1)
    false = sum(o[0] != "equal" for o in outcomes)  # comparison (0, 1)
    assert false <= binom.ppf(0.999, N_SIM, ALPHA), false / N_SIM
    # the true differences are found, with the right sign
    assert all(o[1] == "smaller" and o[2] == "smaller" for o in outcomes)


def test_one_permutation_is_shared_by_every_comparison():
    """Comparisons (0, 1) and (0, 2) see the same permutation of positions.

    Agents 1 and 2 bring identical batches, so with a shared permutation the
    permuted statistics of (0, 1) and (0, 2) are equal for every index; with a
    permutation drawn per comparison they would differ.
    """
    rng = np.random.RandomState(0)
    test = _AdaStop(3, 2, ALPHA, 300, np.random.RandomState(1))
    z0, z1 = rng.normal(size=5), rng.normal(size=5)
    test.update({0: z0, 1: z1, 2: z1.copy()})
    np.testing.assert_allclose(test.stats[:, 0], test.stats[:, 1])
    assert np.unique(test.stats[:, 0]).size > 50  # and they are permutations
    # the permuted values are mean differences of splits of the pooled batch
    pooled = np.concatenate([z0, z1])
    assert np.all(np.abs(test.stats[:, 0]) <= np.ptp(pooled) + 1e-12)
    assert test.stats[0, 0] == pytest.approx(z0.mean() - z1.mean())


def test_unequal_batches_are_rejected():
    test = _AdaStop(2, 2, ALPHA, 100, np.random.RandomState(0))
    with pytest.raises(ValueError, match="same batch size"):
        test.update({0: np.zeros(3), 1: np.zeros(4)})


def test_clear_difference_stops_at_the_first_interim():
    outcomes = _simulate([0.0, 4.0], 20, n_interims=3)
    assert all(o == ["smaller"] for o in outcomes)


def test_early_stop_with_real_estimators():
    X, y = load_breast_cancer(return_X_y=True)
    res = adaptive_compare(
        {
            "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
            "dummy": DummyClassifier(),
        },
        X,
        y,
        cv=3,
        max_seeds=20,
        batch_size=5,
        n_permutations=2000,
        random_state=0,
    )
    assert isinstance(res, AdaptiveCompareResult)
    assert res.decisions == {("logreg", "dummy"): "larger"}
    assert res.n_runs == {"logreg": 5, "dummy": 5} and res.n_interims == 1
    assert res.scores["logreg"].shape == (5,)
    assert res.decided_at[("logreg", "dummy")] == 1
    ((stat,),) = res.statistics.values()
    ((bound,),) = res.boundaries.values()
    assert stat > bound
    assert 0 < res.p_values[("logreg", "dummy")][0] <= 0.05


def test_identical_estimators_run_to_max_seeds_and_are_equal():
    X, y = load_breast_cancer(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=2)
    res = adaptive_compare(
        [("a", tree), ("b", tree)],
        X[:200],
        y[:200],
        cv=3,
        max_seeds=6,
        batch_size=3,
        n_permutations=500,
        random_state=0,
    )
    assert res.n_runs == {"a": 6, "b": 6}
    assert res.n_interims == 2
    assert len(res.boundaries[("a", "b")]) == 2
    # different seeds (and splits) for every run: scores are not copies
    assert not np.array_equal(res.scores["a"], res.scores["b"])
    assert tree.get_params()["random_state"] is None  # not mutated


def test_reproducible_and_n_jobs_invariant():
    X, y = make_regression(n_samples=80, n_features=4, noise=5.0, random_state=0)
    kwargs = dict(cv=KFold(3), max_seeds=4, batch_size=2, n_permutations=200)
    ests = [Ridge(), DummyRegressor()]
    a = adaptive_compare(ests, X, y, random_state=1, n_jobs=1, **kwargs)
    b = adaptive_compare(ests, X, y, random_state=1, n_jobs=2, **kwargs)
    assert a.decisions == b.decisions
    for name in a.names:
        np.testing.assert_array_equal(a.scores[name], b.scores[name])
    assert a.names == ["Ridge", "DummyRegressor"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(estimators=[Ridge()]), ValueError, "at least 2"),
        (dict(estimators=[Ridge(), Ridge()]), ValueError, "duplicate"),
        (dict(estimators=Ridge()), TypeError, "estimators"),
        (dict(alpha=1.5), ValueError, "alpha"),
        (dict(max_seeds=1), ValueError, "max_seeds"),
        (dict(batch_size=10, max_seeds=5), ValueError, "batch_size"),
        (dict(n_permutations=0), ValueError, "n_permutations"),
        (dict(cv=1), ValueError, "cv"),
        (dict(n_jobs=0), ValueError, "n_jobs"),
        (dict(n_jobs=1.5), TypeError, "n_jobs"),
        (dict(params={"sample_weight": -np.ones(20)}), ValueError, "sample_weight"),
        (
            dict(
                estimators=[Ridge(), KNeighborsRegressor()],
                params={"sample_weight": np.ones(20)},
            ),
            TypeError,
            "KNeighborsRegressor does not accept sample_weight",
        ),
    ],
)
def test_bad_parameters(kwargs, error, match):
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    params = dict(estimators=[Ridge(), DummyRegressor()])
    params.update(kwargs)
    with pytest.raises(error, match=match):
        adaptive_compare(params.pop("estimators"), X, y, **params)


# ---------------------------------------------------------------------------
# metadata: sample_weight and groups, with routing on and off
# ---------------------------------------------------------------------------
class _WeightedMean(RegressorMixin, BaseEstimator):
    """Predicts the weighted mean of y; records that weights arrived."""

    def fit(self, X, y, sample_weight=None):
        self.mean_ = np.average(y, weights=sample_weight)
        self.weighted_ = sample_weight is not None
        return self

    def predict(self, X):
        if not self.weighted_:
            raise AssertionError("fitted without sample_weight")
        return np.full(len(X), self.mean_)


def _weighted_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = np.where(np.arange(60) % 3 == 0, 10.0, 0.0) + rng.normal(size=60)
    w = np.where(y > 5, 5.0, 1.0)
    return X, y, w


_KW = dict(cv=3, max_seeds=4, batch_size=2, n_permutations=100, random_state=0)


def test_sample_weight_reaches_a_pipelines_final_step_without_routing():
    X, y, w = _weighted_data()
    ests = {
        "pipe": make_pipeline(StandardScaler(), _WeightedMean()),
        "dummy": make_pipeline(StandardScaler(), DummyRegressor()),
    }
    # _WeightedMean.predict raises unless its fit got the weights (a scoring
    # error would surface as a warning, which pytest turns into an error)
    res = adaptive_compare(ests, X, y, params={"sample_weight": w}, **_KW)
    assert res.n_runs["pipe"] >= 2 and np.isfinite(res.scores["pipe"]).all()


def test_routing_on_and_off_give_the_same_scores():
    X, y, w = _weighted_data()

    def estimators(request):
        final, other, scalers = _WeightedMean(), DummyRegressor(), []
        for _ in range(2):
            scalers.append(StandardScaler())
        if request:  # weights to the final steps' fit only, as without routing
            for step in (final, other):
                step.set_fit_request(sample_weight=True)
            for scaler in scalers:
                scaler.set_fit_request(sample_weight=False)
        return {
            "pipe": make_pipeline(scalers[0], final),
            "dummy": make_pipeline(scalers[1], other),
        }

    weights = {"sample_weight": w}
    off = adaptive_compare(estimators(False), X, y, params=weights, **_KW)
    with sklearn.config_context(enable_metadata_routing=True):
        # the scorer is told not to take the weights, as without routing
        r2 = make_scorer(r2_score).set_score_request(sample_weight=False)
        on = adaptive_compare(estimators(True), X, y, scoring=r2, params=weights, **_KW)
        # unrequested metadata is an error before any fit
        with pytest.raises(UnsetMetadataPassedError):
            adaptive_compare(
                {
                    "pipe": make_pipeline(StandardScaler(), _WeightedMean()),
                    "dummy": DummyRegressor(),
                },
                X,
                y,
                params={"sample_weight": w},
                **_KW,
            )
    assert on.decisions == off.decisions
    for name in on.names:
        np.testing.assert_allclose(on.scores[name], off.scores[name])


def test_a_failing_fit_raises_instead_of_scoring_nan():
    X, y, _ = _weighted_data()
    with pytest.raises(TypeError, match="unexpected keyword"):
        adaptive_compare(
            [Ridge(), DummyRegressor()], X, y, params={"not_a_fit_param": 1}, **_KW
        )


def test_groups_reach_a_group_splitter():
    X, y, _ = _weighted_data()
    groups = np.repeat(np.arange(6), 10)
    kw = dict(_KW, cv=GroupKFold(3))
    res = adaptive_compare([Ridge(), DummyRegressor()], X, y, groups=groups, **kw)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = adaptive_compare(
            [Ridge(), DummyRegressor()], X, y, params={"groups": groups}, **kw
        )
    for name in res.names:
        np.testing.assert_allclose(res.scores[name], routed.scores[name])
    with pytest.raises(ValueError, match="groups"):
        adaptive_compare([Ridge(), DummyRegressor()], X, y, **kw)

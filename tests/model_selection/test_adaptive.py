"""adaptive_compare (AdaStop): FWER by simulation, early stopping, API."""

import numpy as np
import pytest
from scipy.stats import binom
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import AdaptiveCompareResult, adaptive_compare
from skvariance.model_selection._adaptive import _AdaStop


def _simulate(means, n_sim, *, n=5, n_interims=4, alpha=0.05, seed=0):
    """Run the statistical core on Gaussian scores; return per-sim decisions."""
    rng = np.random.RandomState(seed)
    outcomes = []
    for _ in range(n_sim):
        test = _AdaStop(len(means), n_interims, alpha, 1000, rng)
        while not test.finished:
            test.update(
                {a: rng.normal(means[a], 1.0, size=n) for a in test.active_agents()}
            )
        outcomes.append(list(test.decisions))
    return outcomes


def test_family_wise_error_under_the_global_null():
    n_sim, alpha = 300, 0.05
    outcomes = _simulate([0.0, 0.0, 0.0], n_sim, alpha=alpha)
    any_rejection = sum(any(d != "equal" for d in o) for o in outcomes)
    # FWER <= alpha: the count must not exceed the 0.999 quantile of
    # Binomial(n_sim, alpha).
    assert any_rejection <= binom.ppf(0.999, n_sim, alpha)


def test_family_wise_error_under_a_partial_null():
    """Agents 0 and 1 are equal, 2 is far better: only (0, 1) can be wrong."""
    n_sim, alpha = 300, 0.05
    outcomes = _simulate([0.0, 0.0, 3.0], n_sim, alpha=alpha, seed=1)
    false = sum(o[0] != "equal" for o in outcomes)  # comparison (0, 1)
    assert false <= binom.ppf(0.999, n_sim, alpha)
    # the true differences are found, with the right sign
    assert all(o[1] == "smaller" and o[2] == "smaller" for o in outcomes)


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
    ],
)
def test_bad_parameters(kwargs, error, match):
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    params = dict(estimators=[Ridge(), DummyRegressor()])
    params.update(kwargs)
    with pytest.raises(error, match=match):
        adaptive_compare(params.pop("estimators"), X, y, **params)

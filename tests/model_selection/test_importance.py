"""hyperparameter_importance: exact ANOVA, fANOVA surrogate, noise beside it."""

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
)

from skvariance.model_selection import SeedSearchCV, hyperparameter_importance

SEED_NOISE = 0.3
RESIDUAL = 0.1


class _Objective(RegressorMixin, BaseEstimator):
    """Score -(a - 2)^2, independent of b and c, plus seed and split noise.

    A seed effect drawn from (random_state, a, b, c), the same on every
    split, plus a residual that also depends on the training rows; the test
    split adds an effect 0.5 * mean(X[:, 0]) shared by all candidates.
    """

    def __init__(self, a=0.0, b=0.0, c="x", random_state=0):
        self.a = a
        self.b = b
        self.c = c
        self.random_state = random_state

    def fit(self, X, y):
        key = [
            int(self.random_state),
            int(round(self.a * 1000)),
            int(round(self.b * 1000)),
            ord(self.c[0]),
        ]
        seed_effect = np.random.default_rng(key).normal(0.0, SEED_NOISE)
        rows = int(abs(X[:, 1].sum()) * 1000) % (2**31)
        residual = np.random.default_rng([*key, rows]).normal(0.0, RESIDUAL)
        self.noise_ = seed_effect + residual
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return -((self.a - 2.0) ** 2) + self.noise_ + 0.5 * X[:, 0].mean()


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    return rng.randn(60, 2), rng.randn(60)


def test_seed_search_recovers_the_parameter_that_matters(data):
    X, y = data
    search = SeedSearchCV(
        _Objective(),
        {"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 1.0, 2.0]},
        n_seeds=4,
        cv=3,
        random_state=0,
    ).fit(X, y)
    res = hyperparameter_importance(search)
    assert res.method == "anova" and res.n_candidates == 12
    # a: -(a-2)^2 over {0,1,2,3} = (-4, -1, 0, -1), variance 2.25
    assert res.main_effects["a"] == pytest.approx(2.25, rel=0.05)
    assert res.importances["a"] > 0.95
    assert res.importances["b"] < 0.02
    # b has no effect: its main effect is of the order of the noise
    assert res.main_effects["b"] < 5 * res.expected_noise["b"]
    assert res.main_effects["a"] > 100 * res.expected_noise["a"]
    # the seed variance is recovered and set beside the effects
    assert 0.3 * SEED_NOISE**2 < res.seed_variance < 3 * SEED_NOISE**2
    assert res.split_variance > 0
    frame = res.to_frame()
    assert frame.term.tolist()[:2] == ["a", "b"]
    assert set(frame.kind) == {"main", "interaction", "seed", "split", "noise"}


def test_grid_anova_equals_direct_decomposition():
    """A fake search with a 3 x 2 design and a known interaction."""
    a_vals, b_vals = [0, 1, 2], ["u", "v"]
    f = {
        (0, "u"): 1.0,
        (0, "v"): 2.0,
        (1, "u"): 4.0,
        (1, "v"): 3.0,
        (2, "u"): 0.0,
        (2, "v"): 5.0,
    }
    params = [{"a": a, "b": b} for a in a_vals for b in b_vals]
    mean = np.array([f[(p["a"], p["b"])] for p in params])
    rng = np.random.RandomState(0)
    noise = rng.normal(0, 0.1, size=(6, 3))
    splits = mean[:, None] + noise - noise.mean(axis=1, keepdims=True)

    class Fake:
        cv_results_ = {
            "params": params,
            "mean_test_score": mean,
            **{f"split{k}_test_score": splits[:, k] for k in range(3)},
        }

    res = hyperparameter_importance(Fake())
    table = mean.reshape(3, 2)
    main_a = np.var(table.mean(axis=1))
    main_b = np.var(table.mean(axis=0))
    assert res.total_variance == pytest.approx(np.var(mean))
    assert res.main_effects["a"] == pytest.approx(main_a)
    assert res.main_effects["b"] == pytest.approx(main_b)
    # two factors: the interaction is everything else
    assert res.interactions[("a", "b")] == pytest.approx(np.var(mean) - main_a - main_b)
    assert np.isnan(res.seed_variance)
    resid = splits - splits.mean(1, keepdims=True) - splits.mean(0) + splits.mean()
    ms_res = np.sum(resid**2) / (5 * 2)
    assert res.noise_variance == pytest.approx(ms_res / 3)
    assert res.expected_noise["a"] == pytest.approx(2 * res.noise_variance / 6)


def test_fanova_on_random_search_ranks_the_right_parameter(data):
    X, y = data
    search = RandomizedSearchCV(
        _Objective(),
        {"a": uniform(0, 4), "b": uniform(0, 4), "c": ["x", "y"]},
        n_iter=40,
        cv=3,
        random_state=0,
    ).fit(X, y)
    res = hyperparameter_importance(search, random_state=0)
    assert res.method == "fanova"
    ranking = sorted(res.importances, key=res.importances.get, reverse=True)
    assert ranking[0] == "a"
    assert res.importances["a"] > 0.8
    assert max(res.importances["b"], res.importances["c"]) < 0.1
    again = hyperparameter_importance(search, random_state=0)
    assert again.main_effects == res.main_effects
    # expected noise over the surrogate's grid: (min(L, N) - 1) sigma^2 / N
    # with L = n_grid = 10 levels for a and b, 2 for c, N = 40 candidates
    n = 40
    assert res.expected_noise["a"] == pytest.approx(9 * res.noise_variance / n)
    assert res.expected_noise["c"] == pytest.approx(1 * res.noise_variance / n)
    assert res.expected_noise[("a", "c")] == pytest.approx(
        9 * 1 * res.noise_variance / n
    )


def test_halving_search_uses_the_first_iteration(data):
    X, y = data
    search = HalvingGridSearchCV(
        _Objective(),
        {"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 1.0]},
        cv=3,
        factor=2,
        min_resources=20,
        random_state=0,
    ).fit(X, y)
    res = hyperparameter_importance(search)
    assert res.n_candidates == 8 and res.method == "anova"
    assert res.importances["a"] > 0.9


def test_importance_bad_input(data):
    X, y = data
    grid = {"a": [0.0, 2.0], "b": [0.0, 1.0]}
    with pytest.raises(NotFittedError, match="not fitted"):
        hyperparameter_importance(GridSearchCV(_Objective(), grid))
    search = GridSearchCV(_Objective(), grid, cv=3).fit(X, y)
    with pytest.raises(ValueError, match="method must be"):
        hyperparameter_importance(search, method="sobol")
    with pytest.raises(ValueError, match="metric 'r2'"):
        hyperparameter_importance(search, metric="r2")

    class Irregular:
        cv_results_ = {
            "params": [{"a": 0}, {"a": 1}, {"a": 1, "b": 2}],
            "mean_test_score": np.array([0.1, 0.2, 0.3]),
            "split0_test_score": np.array([0.1, 0.2, 0.3]),
            "split1_test_score": np.array([0.1, 0.2, 0.3]),
        }

    with pytest.raises(ValueError, match="full grid"):
        hyperparameter_importance(Irregular(), method="anova")

    class Failed:
        cv_results_ = {
            "params": [{"a": 0}, {"a": 1}],
            "mean_test_score": np.array([0.1, np.nan]),
            "split0_test_score": np.array([0.1, np.nan]),
        }

    with pytest.raises(ValueError, match=r"candidates \[1\] are NaN"):
        hyperparameter_importance(Failed())


def _fake_search(params, mean, n_splits=3, seed=0):
    rng = np.random.RandomState(seed)
    noise = rng.normal(0, 0.05, size=(len(params), n_splits))
    splits = np.asarray(mean)[:, None] + noise - noise.mean(axis=1, keepdims=True)

    class Fake:
        cv_results_ = {
            "params": params,
            "mean_test_score": np.asarray(mean, dtype=float),
            **{f"split{k}_test_score": splits[:, k] for k in range(n_splits)},
        }

    return Fake()


def test_mixed_values_keep_their_natural_order():
    """[2, 10, None] is ordered 2 < 10 < None, not '10' < '2' < 'None'."""
    depths = [2, 10, None]
    params = [{"max_depth": d, "crit": c} for d in depths for c in ["x", "y"]]
    mean = [{2: 0.6, 10: 0.8, None: 0.9}[p["max_depth"]] for p in params]
    res = hyperparameter_importance(_fake_search(params, mean))
    assert res.levels["max_depth"] == [2, 10, None]
    assert res.levels["crit"] == ["x", "y"]
    assert res.method == "anova"
    assert res.main_effects["max_depth"] == pytest.approx(np.var([0.6, 0.8, 0.9]))


def _irregular_design(labels):
    """A random design over a numeric and a 4-level categorical hyperparameter."""
    rng = np.random.RandomState(3)
    effect = dict(zip(labels, [0.0, 1.0, 0.2, 0.9]))
    params, mean = [], []
    for _ in range(30):
        c = labels[rng.randint(4)]
        a = float(rng.uniform(0, 1))
        params.append({"a": a, "c": c})
        mean.append(effect[c] + 0.3 * a)
    return params, mean


def test_fanova_does_not_depend_on_the_order_of_category_names():
    """Renaming categories (which reorders them alphabetically) changes nothing."""
    params, mean = _irregular_design(["a1", "b2", "c3", "d4"])
    renamed = [
        {"a": p["a"], "c": {"a1": "z", "b2": "y", "c3": "x", "d4": "w"}[p["c"]]}
        for p in params
    ]
    one = hyperparameter_importance(_fake_search(params, mean), random_state=0)
    two = hyperparameter_importance(_fake_search(renamed, mean), random_state=0)
    assert one.method == two.method == "fanova"
    assert one.main_effects["c"] == pytest.approx(two.main_effects["c"], rel=1e-9)
    assert one.main_effects["a"] == pytest.approx(two.main_effects["a"], rel=1e-9)
    assert one.interactions == pytest.approx(two.interactions, rel=1e-9)


def test_fanova_numbers_mixed_with_none_are_not_sorted_as_text():
    """The surrogate sees 2 < 10 < 30 (and None apart), as the numbers say."""
    rng = np.random.RandomState(0)
    params, mean = [], []
    # depth 30 never meets b = 1: the surrogate must interpolate it from the
    # numeric neighbour 10 (score rises with depth), not from text order
    for _ in range(40):
        d = [2, 10, 30, None][rng.randint(4)]
        b = int(rng.randint(2)) if d != 30 else 0
        params.append({"max_depth": d, "b": b})
        mean.append({2: 0.0, 10: 1.0, 30: 1.1, None: 1.2}[d] + 0.01 * b)
    res = hyperparameter_importance(_fake_search(params, mean), random_state=0)
    assert res.method == "fanova"
    assert res.levels["max_depth"] == [2, 10, 30, None]
    assert res.importances["max_depth"] > 0.95

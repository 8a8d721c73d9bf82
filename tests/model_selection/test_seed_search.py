"""Tests for SeedSearchCV."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Ridge
from sklearn.metrics import make_scorer, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skvariance.ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor
from skvariance.model_selection import SeedSearchCV
from skvariance.utils import set_random_state


class _NoisyRidge(RegressorMixin, BaseEstimator):
    """Ridge whose solution is perturbed by seed noise, like a stochastic
    solver landing somewhere different for every seed."""

    def __init__(self, alpha=1.0, noise=1.0, random_state=None):
        self.alpha = alpha
        self.noise = noise
        self.random_state = random_state

    def fit(self, X, y):
        ridge = Ridge(alpha=self.alpha).fit(X, y)
        rng = np.random.RandomState(self.random_state)
        self.coef_ = ridge.coef_ + rng.normal(scale=self.noise, size=X.shape[1])
        self.intercept_ = ridge.intercept_
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return X @ self.coef_ + self.intercept_


@pytest.fixture(scope="module")
def data():
    return make_regression(
        n_samples=200, n_features=10, n_informative=5, noise=30.0, random_state=0
    )


CV = KFold(5, shuffle=True, random_state=0)


def _fresh_scores(estimator, X, y, seeds):
    return np.array(
        [
            cross_val_score(set_random_state(clone(estimator), s), X, y, cv=CV).mean()
            for s in seeds
        ]
    )


def test_grid_over_seeds_is_optimistic_seed_search_is_not(data):
    """GridSearchCV over random_state keeps a lucky seed: its CV score beats
    what the same model scores with fresh seeds. SeedSearchCV's best_score_
    is an unbiased estimate of the fresh-seed score."""
    X, y = data
    noisy = _NoisyRidge(noise=15.0)
    fresh_seeds = range(10_000, 10_040)

    grid = GridSearchCV(noisy, {"random_state": list(range(20))}, cv=CV).fit(X, y)
    fresh = _fresh_scores(noisy, X, y, fresh_seeds)
    se_fresh = fresh.std(ddof=1) / np.sqrt(len(fresh))
    assert grid.best_score_ - fresh.mean() > 4 * se_fresh

    search = SeedSearchCV(
        noisy, {"alpha": [1.0, 300.0]}, n_seeds=10, cv=CV, random_state=0
    ).fit(X, y)
    chosen = clone(noisy).set_params(**search.best_params_)
    fresh = _fresh_scores(chosen, X, y, fresh_seeds)
    sd = fresh.std(ddof=1)
    tol = 3 * sd * np.sqrt(1 / search.n_seeds + 1 / len(fresh))
    assert abs(search.best_score_ - fresh.mean()) < tol
    # the seed spread SeedSearchCV reports is the one fresh seeds show
    seed_std = search.cv_results_["seed_std_test_score"][search.best_index_]
    assert 0.4 * sd < seed_std < 2.0 * sd


def test_cv_results_layout_and_values(data):
    X, y = data
    tree = DecisionTreeRegressor(max_features=3)
    search = SeedSearchCV(
        tree,
        {"max_depth": [2, 4, 6]},
        n_seeds=3,
        cv=CV,
        random_state=0,
        return_train_score=True,
    ).fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 3
    table = np.stack(
        [
            np.stack([res[f"split{k}_seed{j}_test_score"] for k in range(5)], axis=1)
            for j in range(3)
        ],
        axis=1,
    )
    assert table.shape == (3, 3, 5)
    assert "split0_test_score" not in res
    assert "split4_seed2_train_score" in res
    np.testing.assert_allclose(res["mean_test_score"], table.mean(axis=(1, 2)))
    np.testing.assert_allclose(res["std_test_score"], table.std(axis=(1, 2)))
    per_seed = table.mean(axis=2)
    for j in range(3):
        np.testing.assert_allclose(res[f"seed{j}_test_score"], per_seed[:, j])
    np.testing.assert_allclose(res["seed_std_test_score"], per_seed.std(axis=1, ddof=1))
    np.testing.assert_allclose(res["aggregated_test_score"], per_seed.mean(axis=1))
    assert search.best_score_ == res["aggregated_test_score"].max()

    # one cell against a manual fit with the same nested seeds
    train, test = next(CV.split(X, y))
    cand = res["params"][1]
    model = set_random_state(clone(tree).set_params(**cand), int(search.seeds_[2]))
    model.fit(X[train], y[train])
    assert res["split0_seed2_test_score"][1] == model.score(X[test], y[test])


@pytest.mark.parametrize("aggregation", ["median", "iqm", "q10", "q25"])
def test_aggregations_rank_candidates(data, aggregation):
    X, y = data
    search = SeedSearchCV(
        DecisionTreeRegressor(max_features=2),
        {"max_depth": [1, 3, 5, 8]},
        n_seeds=4,
        cv=3,
        aggregation=aggregation,
        random_state=0,
    ).fit(X, y)
    res = search.cv_results_
    per_seed = np.stack([res[f"seed{j}_test_score"] for j in range(4)], axis=1)
    if aggregation == "median":
        expected = np.median(per_seed, axis=1)
    elif aggregation == "iqm":
        s = np.sort(per_seed, axis=1)
        expected = s[:, 1:3].mean(axis=1)  # trim 25% of 4 on each side
    else:
        expected = np.quantile(per_seed, int(aggregation[1:]) / 100, axis=1)
    np.testing.assert_allclose(res["aggregated_test_score"], expected)
    order = np.argsort(-expected, kind="stable")
    assert res["rank_test_score"][order[0]] == 1
    assert search.best_index_ == int(np.argmin(res["rank_test_score"]))


def test_refit_uses_fresh_seeds(data):
    X, y = data
    tree = DecisionTreeRegressor(max_features=3)
    search = SeedSearchCV(
        tree, {"max_depth": [2, 4]}, n_seeds=3, cv=3, random_state=0
    ).fit(X, y)
    assert search.refit_seeds_.shape == (1,)
    assert not set(search.refit_seeds_.tolist()) & set(search.seeds_.tolist())
    expected = set_random_state(
        clone(tree).set_params(**search.best_params_), int(search.refit_seeds_[0])
    )
    assert (
        search.best_estimator_.get_params()["random_state"]
        == expected.get_params()["random_state"]
    )
    np.testing.assert_array_equal(
        search.predict(X), clone(expected).fit(X, y).predict(X)
    )


def test_refit_as_seed_ensemble(data):
    X, y = data
    search = SeedSearchCV(
        DecisionTreeRegressor(max_features=3),
        {"max_depth": [2, 4]},
        n_seeds=3,
        cv=3,
        refit_n_seeds=4,
        random_state=0,
    ).fit(X, y, sample_weight=np.ones(len(y)))
    best = search.best_estimator_
    assert isinstance(best, SeedEnsembleRegressor)
    np.testing.assert_array_equal(best.seeds_, search.refit_seeds_)
    assert len(best.seeds_) == 4
    assert not set(best.seeds_.tolist()) & set(search.seeds_.tolist())
    assert best.estimator.get_params()["max_depth"] == search.best_params_["max_depth"]
    np.testing.assert_allclose(search.predict(X), best.predict(X))


def test_multimetric_scoring(data):
    X, y = data
    kwargs = dict(n_seeds=2, cv=3, random_state=0)
    scoring = {"r2": "r2", "mae": "neg_mean_absolute_error"}
    search = SeedSearchCV(
        DecisionTreeRegressor(),
        {"max_depth": [2, 4]},
        scoring=scoring,
        refit="mae",
        **kwargs,
    ).fit(X, y)
    res = search.cv_results_
    for name in ("r2", "mae"):
        assert f"aggregated_test_{name}" in res
        assert f"seed_std_test_{name}" in res
    assert search.best_index_ == int(np.argmin(res["rank_test_mae"]))
    assert search.best_score_ == res["aggregated_test_mae"][search.best_index_]

    no_refit = SeedSearchCV(
        DecisionTreeRegressor(),
        {"max_depth": [2, 4]},
        scoring=scoring,
        refit=False,
        **kwargs,
    ).fit(X, y)
    assert not hasattr(no_refit, "best_estimator_")
    with pytest.raises(ValueError, match="refit"):
        SeedSearchCV(
            DecisionTreeRegressor(), {"max_depth": [2]}, scoring=scoring, **kwargs
        ).fit(X, y)

    def pick_last(results):
        return len(results["params"]) - 1

    called = SeedSearchCV(
        DecisionTreeRegressor(), {"max_depth": [2, 4]}, refit=pick_last, **kwargs
    ).fit(X, y)
    assert called.best_index_ == 1


def test_same_results_for_any_n_jobs(data):
    X, y = data
    search = SeedSearchCV(
        DecisionTreeRegressor(max_features=2),
        {"max_depth": [2, 4]},
        n_seeds=2,
        cv=3,
        random_state=5,
    )
    a = clone(search).set_params(n_jobs=1).fit(X, y)
    b = clone(search).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(
        a.cv_results_["aggregated_test_score"], b.cv_results_["aggregated_test_score"]
    )
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_warns_without_random_state(data):
    X, y = data
    with pytest.warns(UserWarning, match="identical"):
        SeedSearchCV(
            KNeighborsRegressor(), {"n_neighbors": [3, 5]}, n_seeds=2, cv=3
        ).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_seeds": 0}, "n_seeds"),
        ({"aggregation": "mode"}, "aggregation"),
        ({"aggregation": "q200"}, "aggregation"),
        ({"refit_n_seeds": 0}, "refit_n_seeds"),
        ({"cv": 1}, "split"),
        ({"scoring": "not_a_metric"}, "not_a_metric"),
        ({"param_grid": {"random_state": [0, 1]}}, "random_state"),
    ],
)
def test_bad_input(data, params, match):
    X, y = data
    kwargs = {"param_grid": {"max_depth": [2]}, "n_seeds": 2, "cv": 3, **params}
    grid = kwargs.pop("param_grid")
    with pytest.raises(ValueError, match=match):
        SeedSearchCV(DecisionTreeRegressor(), grid, **kwargs).fit(X, y)


def test_nan_in_y_is_rejected(data):
    X, y = data
    y = y.copy()
    y[0] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        SeedSearchCV(DecisionTreeRegressor(), {"max_depth": [2]}, cv=3).fit(X, y)


def test_estimator_without_fit_is_rejected(data):
    X, y = data
    with pytest.raises((TypeError, ValueError)):
        SeedSearchCV(object(), {"a": [1]}, cv=3).fit(X, y)


@pytest.mark.parametrize("refit_n_seeds", [None, 3])
def test_clone_of_best_estimator_reproduces_it(data, refit_n_seeds):
    X, y = data
    search = SeedSearchCV(
        DecisionTreeRegressor(max_features=3),
        {"max_depth": [2, 4]},
        n_seeds=2,
        cv=3,
        refit_n_seeds=refit_n_seeds,
        random_state=0,
    ).fit(X, y)
    best = search.best_estimator_
    again = clone(best).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), best.predict(X))
    if refit_n_seeds is not None:
        np.testing.assert_array_equal(again.seeds_, best.seeds_)
        np.testing.assert_array_equal(best.seeds_, search.refit_seeds_)
        assert not set(best.seeds_.tolist()) & set(search.seeds_.tolist())


def test_fit_changes_no_parameter_and_leaves_no_private_state(data):
    """The old fit set ``self.refit = False`` while the parent searched; a
    scorer that looks at the search during fit sees the user's value."""
    X, y = data
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append(search.refit)
        return estimator.score(X_test, y_test)

    search = SeedSearchCV(
        DecisionTreeRegressor(max_features=3),
        {"max_depth": [2, 4]},
        n_seeds=2,
        cv=2,
        scoring=scorer,
        random_state=0,
    )
    before = search.get_params(deep=False)
    search.fit(X, y)
    assert seen and all(value is True for value in seen)
    after = search.get_params(deep=False)
    assert before.keys() == after.keys()
    assert all(after[key] is before[key] for key in before)
    params = set(before)
    leftovers = [k for k in vars(search) if k not in params and not k.endswith("_")]
    assert leftovers == []


class _WeightedTreeRegressor(DecisionTreeRegressor):
    """A seeded tree that records the weights it was fitted with."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        self.sample_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


def _weights(y):
    return np.random.RandomState(0).uniform(0.1, 5.0, size=len(y))


@pytest.mark.parametrize("refit_n_seeds", [None, 2])
def test_sample_weight_reaches_pipeline_final_step_without_routing(data, refit_n_seeds):
    X, y = data
    w = _weights(y)
    pipe = make_pipeline(StandardScaler(), _WeightedTreeRegressor(max_features=3))
    kwargs = dict(
        n_seeds=2, cv=3, scoring="r2", refit_n_seeds=refit_n_seeds, random_state=0
    )
    grid = {"_weightedtreeregressor__max_depth": [2, 4]}
    weighted = SeedSearchCV(pipe, grid, **kwargs).fit(X, y, sample_weight=w)
    plain = SeedSearchCV(pipe, grid, **kwargs).fit(X, y)
    assert not np.allclose(
        weighted.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )
    best = weighted.best_estimator_
    finals = [best[-1]] if refit_n_seeds is None else [m[-1] for m in best.estimators_]
    for final in finals:
        np.testing.assert_array_equal(final.sample_weight_, w)
    # one cell by hand: the final step fitted with the weights of the split
    train, test = next(KFold(3).split(X))
    cand = weighted.cv_results_["params"][0]
    cell = set_random_state(clone(pipe).set_params(**cand), int(weighted.seeds_[1]))
    cell.fit(X[train], y[train], _weightedtreeregressor__sample_weight=w[train])
    # scikit-learn >= 1.9 also weights the score (GridSearchCV does the same)
    candidates = [
        cell.score(X[test], y[test]),
        cell.score(X[test], y[test], sample_weight=w[test]),
    ]
    value = weighted.cv_results_["split0_seed1_test_score"][0]
    assert any(value == pytest.approx(c) for c in candidates)


@pytest.mark.parametrize("refit_n_seeds", [None, 2])
def test_sample_weight_with_metadata_routing(data, refit_n_seeds):
    X, y = data
    w = _weights(y)
    grid = {"_weightedtreeregressor__max_depth": [2, 4]}
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            _WeightedTreeRegressor(max_features=3).set_fit_request(sample_weight=True),
        )
        scorer = make_scorer(r2_score).set_score_request(sample_weight=True)
        search = SeedSearchCV(
            pipe,
            grid,
            n_seeds=2,
            cv=3,
            scoring=scorer,
            refit_n_seeds=refit_n_seeds,
            random_state=0,
        ).fit(X, y, sample_weight=w)
        best = search.best_estimator_
        finals = (
            [best[-1]] if refit_n_seeds is None else [m[-1] for m in best.estimators_]
        )
        for final in finals:
            np.testing.assert_array_equal(final.sample_weight_, w)
        unrequested = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            _WeightedTreeRegressor(max_features=3),
        )
        with pytest.raises(ValueError, match="sample_weight"):
            SeedSearchCV(unrequested, grid, n_seeds=2, cv=3).fit(X, y, sample_weight=w)


def test_sample_weight_rejected_before_search_when_unsupported(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), KNeighborsRegressor())
    with pytest.raises(TypeError, match="sample_weight"):
        SeedSearchCV(
            pipe, {"kneighborsregressor__n_neighbors": [3]}, n_seeds=2, cv=3
        ).fit(X, y, sample_weight=_weights(y))


def test_refit_ensemble_classifier(data):
    X, y = make_classification(n_samples=120, random_state=0)
    search = SeedSearchCV(
        DecisionTreeClassifier(max_features=3),
        {"max_depth": [2, 3]},
        n_seeds=2,
        cv=3,
        refit_n_seeds=3,
        random_state=0,
    ).fit(X, y)
    assert isinstance(search.best_estimator_, SeedEnsembleClassifier)
    np.testing.assert_array_equal(search.classes_, [0, 1])


def test_n_jobs_zero_is_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="n_jobs"):
        SeedSearchCV(DecisionTreeRegressor(), {"max_depth": [2]}, cv=3, n_jobs=0).fit(
            X, y
        )

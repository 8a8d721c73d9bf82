"""Mutation tests of seed_cross_validate's body: routing messages, summaries.

References by hand: the messages spelled out, the score table recomputed
with explicit splits and seeds, its summaries written out with NumPy.
"""

import re

import numpy as np
import pytest
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from skvariance.model_selection import seed_cross_validate, variance_components_ci
from skvariance.utils import derive_seeds, set_random_state


def _data(n=30, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + 0.5 * rng.normal(size=n)


def _raises(kind, message):
    return pytest.raises(kind, match="^" + re.escape(message) + "$")


def test_routing_messages_name_the_function_and_the_estimator():
    X, y = _data()
    msg = (
        "estimator 'estimator' KNeighborsRegressor does not accept sample_weight "
        "in fit; choose an estimator, or a Pipeline whose final step, takes "
        "sample_weight, or enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )
    with _raises(TypeError, msg):
        seed_cross_validate(
            KNeighborsRegressor(), X, y, cv=3, n_seeds=2, params={"sample_weight": y}
        )
    msg = (
        "groups can only be passed to seed_cross_validate when metadata routing "
        "is disabled; with routing enabled pass groups in params and let the "
        "splitter request it."
    )
    with sklearn.config_context(enable_metadata_routing=True):
        with _raises(ValueError, msg):
            seed_cross_validate(
                DecisionTreeRegressor(), X, y, cv=3, n_seeds=2, groups=y > 0
            )
        with pytest.raises(ValueError, match=r"within seed_cross_validate\.fit\. "):
            seed_cross_validate(
                DecisionTreeRegressor(),
                X,
                y,
                cv=3,
                n_seeds=2,
                params={"sample_weight": np.ones(30)},
            )


def _int_hits(estimator, X, y):
    """An integer score: the number of correct predictions."""
    return int(np.sum(estimator.predict(X) == y))


def test_summaries_by_hand_from_a_table_built_by_hand():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(40, 2))
    y = (rng.uniform(size=40) < 0.5).astype(int)
    splits = list(KFold(4).split(X))
    n_test = np.array([len(t) for _, t in splits])
    kw = dict(cv=splits, n_seeds=5, random_state=3)
    res = seed_cross_validate(
        DummyClassifier(strategy="uniform"),
        X,
        y,
        scoring={"accuracy": "accuracy", "hits": _int_hits},
        confidence_level=0.8,
        **kw,
    )
    # the table by hand: a uniform dummy seeded from each derived seed
    seeds = derive_seeds(3, 5)
    acc = np.empty((5, 4))
    for i, s in enumerate(seeds):
        for j, (train, test) in enumerate(splits):
            dummy = set_random_state(DummyClassifier(strategy="uniform"), int(s))
            dummy.fit(X[train], y[train])
            acc[i, j] = np.mean(dummy.predict(X[test]) == y[test])
    np.testing.assert_allclose(res.scores["accuracy"], acc, rtol=1e-12)
    np.testing.assert_allclose(res.scores["hits"], acc * n_test, rtol=1e-12)
    assert res.scores["hits"].dtype == np.float64
    np.testing.assert_array_equal(res.n_test, n_test)
    # two-way ANOVA without replication, written out
    grand = acc.mean()
    rows, cols = acc.mean(axis=1), acc.mean(axis=0)
    resid = acc - rows[:, None] - cols[None, :] + grand
    ms = {
        "seed": 4 * np.sum((rows - grand) ** 2) / 4,
        "split": 5 * np.sum((cols - grand) ** 2) / 3,
        "residual": np.sum(resid**2) / 12,
    }
    for k, v in ms.items():
        assert res.mean_squares["accuracy"][k] == pytest.approx(v, rel=1e-10)
    assert res.degrees_of_freedom == {"seed": 4, "split": 3, "residual": 12}
    within = np.mean([np.var(acc[:, j], ddof=1) for j in range(4)])
    assert res.within_split_seed_variance["accuracy"] == pytest.approx(within)
    p = acc.mean(axis=0)
    binomial = np.mean(p * (1 - p) / n_test)
    assert res.binomial_variance["accuracy"] == pytest.approx(binomial, rel=1e-12)
    assert set(res.binomial_variance) == {"accuracy"}
    comp = res.components["accuracy"]
    assert comp["total"] == pytest.approx(
        comp["seed"] + comp["split"] + comp["residual"], rel=1e-12
    )
    # intervals at the level asked for, and the level kept
    assert res.confidence_level == 0.8
    assert res.ci_method == "mls"
    ci = variance_components_ci(acc, confidence_level=0.8)
    for k, (low, high) in ci.items():
        assert res.components_ci["accuracy"][k] == (
            pytest.approx(low, rel=1e-10),
            pytest.approx(high, rel=1e-10),
        )

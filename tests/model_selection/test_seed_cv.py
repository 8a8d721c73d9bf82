"""Tests for seed_cross_validate and the variance decomposition."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import (
    SeedCVResult,
    seed_cross_validate,
    variance_components,
)
from skvariance.utils import set_random_state


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=6, random_state=0)


def test_additive_table_has_no_residual():
    a = np.array([0.0, 1.0, 3.0, -1.0])
    b = np.array([2.0, -2.0, 0.5])
    comp = variance_components(a[:, None] + b[None, :])
    assert comp["residual"] == pytest.approx(0.0, abs=1e-12)
    assert comp["seed"] == pytest.approx(np.var(a, ddof=1))
    assert comp["split"] == pytest.approx(np.var(b, ddof=1))


def test_components_are_unbiased_by_simulation():
    """Mean of the ANOVA estimates over 2000 simulated tables ~ the truth."""
    rng = np.random.RandomState(0)
    reps, n_seeds, n_splits = 2000, 10, 6
    sd = {"seed": 1.0, "split": 2.0, "residual": 0.5}
    tables = (
        sd["seed"] * rng.normal(size=(reps, n_seeds, 1))
        + sd["split"] * rng.normal(size=(reps, 1, n_splits))
        + sd["residual"] * rng.normal(size=(reps, n_seeds, n_splits))
    )
    comp = variance_components(tables)
    for name, value in sd.items():
        est = comp[name]
        # truncation at 0 is rare here (P < 1e-3 for each component)
        tol = 4 * est.std(ddof=1) / np.sqrt(reps)
        assert abs(est.mean() - value**2) < tol, name


def test_variance_components_needs_two_by_two():
    with pytest.raises(ValueError, match="at least 2 seeds and 2 splits"):
        variance_components(np.ones((1, 5)))


def test_scores_match_manual_fits(data):
    X, y = data
    tree = DecisionTreeClassifier(max_features=2, max_depth=4)
    cv = KFold(3, shuffle=True, random_state=0)
    res = seed_cross_validate(tree, X, y, cv=cv, n_seeds=3, random_state=0)
    assert isinstance(res, SeedCVResult)
    assert res.scores["score"].shape == (3, 3)
    splits = list(cv.split(X, y))
    for j, seed in enumerate(res.seeds):
        for k, (train, test) in enumerate(splits):
            model = set_random_state(clone(tree), int(seed)).fit(X[train], y[train])
            assert res.scores["score"][j, k] == model.score(X[test], y[test])
    np.testing.assert_array_equal(res.n_test, [len(t) for _, t in splits])
    assert res.fit_time.shape == res.score_time.shape == (3, 3)


def test_decomposition_and_table(data):
    X, y = data
    res = seed_cross_validate(
        DecisionTreeClassifier(max_features=2),
        X,
        y,
        cv=4,
        n_seeds=5,
        scoring=["accuracy", "neg_log_loss"],
        random_state=0,
        n_bootstrap=300,
    )
    for metric in ("accuracy", "neg_log_loss"):
        comp = res.components[metric]
        expected = variance_components(res.scores[metric])
        for name in ("seed", "split", "residual"):
            assert comp[name] == pytest.approx(expected[name])
            low, high = res.components_ci[metric][name]
            assert 0 <= low <= high
        assert comp["total"] == pytest.approx(
            comp["seed"] + comp["split"] + comp["residual"]
        )
    # only accuracy gets the binomial sampling variance
    assert set(res.binomial_variance) == {"accuracy"}
    table = res.summary()
    assert all(len(v) == 8 for v in table.values())
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (8, 8)
    shares = frame[frame.component != "total"].groupby("metric")["share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    assert "accuracy" in repr(res)


def test_binomial_variance_matches_coin_flip_predictions(data):
    """Calibrated Chaos: a seed that only flips coins per test example gives a
    between-seed variance equal to p(1-p)/n_test on a fixed test set."""
    X, y = data
    res = seed_cross_validate(
        DummyClassifier(strategy="uniform"),
        X,
        y,
        cv=5,
        n_seeds=40,
        scoring="accuracy",
        random_state=0,
        n_bootstrap=10,
    )
    ratio = (
        res.within_split_seed_variance["accuracy"] / res.binomial_variance["accuracy"]
    )
    # the observed variance averages 5 sample variances with 39 df each:
    # relative sd ~ sqrt(2/39/5) = 0.10, so [0.6, 1.5] is a > 4-sigma band
    assert 0.6 < ratio < 1.5
    # no seed main effect worth speaking of, no split effect: mostly residual
    comp = res.components["accuracy"]
    assert comp["residual"] > comp["seed"]


def test_reproducible_and_n_jobs_invariant(data):
    X, y = data
    kwargs = dict(cv=3, n_seeds=3, random_state=7, n_bootstrap=100)
    tree = DecisionTreeClassifier(max_features=2)
    first = seed_cross_validate(tree, X, y, n_jobs=1, **kwargs)
    second = seed_cross_validate(tree, X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(first.scores["score"], second.scores["score"])
    assert first.components_ci == second.components_ci


def test_fit_params_are_indexed(data):
    X, y = data
    weights = np.where(y == 1, 5.0, 1.0)
    model = GaussianNB()
    with pytest.warns(UserWarning, match="identical"):
        weighted = seed_cross_validate(
            model, X, y, cv=3, n_seeds=2, params={"sample_weight": weights}
        )
    with pytest.warns(UserWarning, match="identical"):
        plain = seed_cross_validate(model, X, y, cv=3, n_seeds=2)
    assert not np.allclose(weighted.scores["score"], plain.scores["score"])
    # no random_state: the seed component is exactly zero
    assert plain.components["score"]["seed"] == 0.0


def test_pandas_input(data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    res = seed_cross_validate(
        DecisionTreeClassifier(max_depth=3),
        frame,
        pd.Series(y),
        cv=3,
        n_seeds=2,
        random_state=0,
        n_bootstrap=10,
    )
    assert res.scores["score"].shape == (2, 3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_seeds": 1}, ValueError, "n_seeds"),
        ({"n_seeds": 0}, ValueError, "n_seeds"),
        ({"cv": ShuffleSplit(n_splits=1, random_state=0)}, ValueError, "at least 2"),
        ({"scoring": "not_a_metric"}, ValueError, "not_a_metric"),
        ({"scoring": ["accuracy", "nope"]}, ValueError, "nope"),
        ({"confidence_level": 1.5}, ValueError, "confidence_level"),
    ],
)
def test_bad_input(data, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        seed_cross_validate(DecisionTreeClassifier(), X, y, **kwargs)


def test_estimator_without_fit(data):
    X, y = data
    with pytest.raises(ValueError, match="estimator"):
        seed_cross_validate(object(), X, y)


def test_nan_in_y(data):
    X, y = data
    y = y.astype(float)
    y[0] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        seed_cross_validate(DecisionTreeClassifier(), X, y, n_seeds=2)

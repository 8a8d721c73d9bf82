"""Tests for seed_cross_validate and the variance decomposition."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import (
    SeedCVResult,
    seed_cross_validate,
    variance_components,
    variance_components_ci,
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


# (sd_seed, sd_split, sd_residual): balanced, each component dominant, tiny
# components, and both random components exactly zero.
_COVERAGE_CASES = [
    (1.0, 1.0, 1.0),
    (1.0, 0.3, 1.0),
    (0.3, 1.0, 1.0),
    (2.0, 2.0, 0.5),
    (0.2, 0.2, 1.0),
    (0.5, 0.1, 0.05),
    (0.0, 0.0, 1.0),
]


@pytest.mark.parametrize("n_seeds, n_splits", [(10, 5), (5, 3), (20, 10)])
def test_intervals_hold_their_coverage_by_simulation(n_seeds, n_splits):
    """Nominal 95% intervals on correctly specified normal tables cover the
    true components at 95%, up to a binomial tolerance.

    4,000 tables per case: the binomial sd of an estimated coverage is
    0.0034, so a 3.5 sd band ([0.938, 0.962] around 0.95) flags a miss of a
    percentage point; the crossed bootstrap this replaces covered 64-85% on
    10 x 5 tables. A truly zero component is covered more often (the
    truncated lower bound is 0 about half the time), so only the lower
    bound applies there. The upper bound on the coverage of positive
    components checks that the intervals are not uselessly wide.
    """
    reps, level = 4000, 0.95
    low_ok = binom.ppf(1e-4, reps, level) / reps  # ~ 0.938
    high_ok = binom.isf(1e-4, reps, level) / reps  # ~ 0.962, plus MLS slack
    rng = np.random.RandomState(0)
    for sd_seed, sd_split, sd_res in _COVERAGE_CASES:
        tables = (
            sd_seed * rng.normal(size=(reps, n_seeds, 1))
            + sd_split * rng.normal(size=(reps, 1, n_splits))
            + sd_res * rng.normal(size=(reps, n_seeds, n_splits))
        )
        intervals = variance_components_ci(tables, confidence_level=level)
        truth = {
            "seed": sd_seed**2,
            "split": sd_split**2,
            "residual": sd_res**2,
            "total": sd_seed**2 + sd_split**2 + sd_res**2,
        }
        for name, value in truth.items():
            low, high = intervals[name]
            assert low.shape == high.shape == (reps,)
            assert np.all(low <= high)
            coverage = np.mean((low <= value) & (value <= high))
            case = (name, sd_seed, sd_split, sd_res, coverage)
            assert coverage >= low_ok, case
            if value > 0:
                assert coverage <= high_ok + 0.005, case


def test_residual_interval_is_the_exact_chi_square_interval():
    rng = np.random.RandomState(1)
    table = rng.normal(size=(6, 4))
    ms_res = variance_components(table)["residual"]
    low, high = variance_components_ci(table, confidence_level=0.9)["residual"]
    df = 5 * 3
    from scipy.stats import chi2

    assert low == pytest.approx(df * ms_res / chi2.ppf(0.95, df))
    assert high == pytest.approx(df * ms_res / chi2.ppf(0.05, df))


def test_intervals_contain_estimates_and_shrink_with_level():
    rng = np.random.RandomState(2)
    table = (
        rng.normal(size=(10, 1)) + rng.normal(size=(1, 5)) + rng.normal(size=(10, 5))
    )
    est = variance_components(table)
    wide = variance_components_ci(table, confidence_level=0.99)
    narrow = variance_components_ci(table, confidence_level=0.5)
    for name in ("seed", "split", "residual"):
        assert wide[name][0] <= est[name] <= wide[name][1]
        assert wide[name][0] <= narrow[name][0] <= narrow[name][1] <= wide[name][1]


@pytest.mark.parametrize(
    "scores, level, match",
    [
        (np.ones((1, 5)), 0.95, "at least 2 seeds"),
        (np.ones(5), 0.95, "2-d"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), 0.95, "NaN"),
        (np.ones((3, 3)), 1.0, "confidence_level"),
    ],
)
def test_variance_components_ci_bad_input(scores, level, match):
    with pytest.raises(ValueError, match=match):
        variance_components_ci(scores, confidence_level=level)


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
    )
    for metric in ("accuracy", "neg_log_loss"):
        comp = res.components[metric]
        expected = variance_components(res.scores[metric])
        for name in ("seed", "split", "residual"):
            assert comp[name] == pytest.approx(expected[name])
            low, high = res.components_ci[metric][name]
            assert 0 <= low <= high
        intervals = variance_components_ci(res.scores[metric])
        for name, (low, high) in intervals.items():
            assert res.components_ci[metric][name] == (low, high)
        assert comp["total"] == pytest.approx(
            comp["seed"] + comp["split"] + comp["residual"]
        )
    assert res.ci_method == "mls"
    assert res.degrees_of_freedom == {"seed": 4, "split": 3, "residual": 12}
    assert set(res.mean_squares["accuracy"]) == {"seed", "split", "residual"}
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
    kwargs = dict(cv=3, n_seeds=3, random_state=7)
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


class _WeightedTree(DecisionTreeClassifier):
    """A tree that records the weights it was given (the weights matter)."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        self.sample_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


def _weighted_setup(data):
    X, y = data
    w = np.where(y == 1, 6.0, 1.0)
    w[::7] = 0.2
    cv = KFold(3, shuffle=True, random_state=0)
    return X, y, w, cv


def _manual_scores(pipe, X, y, w, cv, seeds, score_weights=False):
    table = np.empty((len(seeds), cv.get_n_splits()))
    for j, seed in enumerate(seeds):
        for k, (train, test) in enumerate(cv.split(X, y)):
            model = set_random_state(clone(pipe), int(seed))
            model.fit(X[train], y[train], _weightedtree__sample_weight=w[train])
            pred = model.predict(X[test])
            sw = w[test] if score_weights else None
            table[j, k] = accuracy_score(y[test], pred, sample_weight=sw)
    return table


def test_sample_weight_reaches_pipeline_final_step_without_routing(data):
    X, y, w, cv = _weighted_setup(data)
    pipe = make_pipeline(StandardScaler(), _WeightedTree(max_features=2, max_depth=3))
    res = seed_cross_validate(
        pipe,
        X,
        y,
        cv=cv,
        n_seeds=2,
        scoring="accuracy",
        params={"sample_weight": w},
        random_state=0,
    )
    expected = _manual_scores(pipe, X, y, w, cv, res.seeds)
    np.testing.assert_array_equal(res.scores["accuracy"], expected)
    plain = seed_cross_validate(
        pipe, X, y, cv=cv, n_seeds=2, scoring="accuracy", random_state=0
    )
    assert not np.array_equal(plain.scores["accuracy"], expected)


def test_sample_weight_rejected_when_no_step_takes_it(data):
    X, y, w, cv = _weighted_setup(data)
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="sample_weight"):
        seed_cross_validate(pipe, X, y, cv=cv, n_seeds=2, params={"sample_weight": w})


def test_metadata_routing_to_estimator_and_scorer(data):
    X, y, w, cv = _weighted_setup(data)
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            _WeightedTree(max_features=2, max_depth=3).set_fit_request(
                sample_weight=True
            ),
        )
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        res = seed_cross_validate(
            pipe,
            X,
            y,
            cv=cv,
            n_seeds=2,
            scoring={"acc": scorer},
            params={"sample_weight": w},
            random_state=0,
        )
        # an unrequested weight is an error, as everywhere in scikit-learn
        unrequested = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            _WeightedTree(max_features=2),
        )
        with pytest.raises(ValueError, match="sample_weight"):
            seed_cross_validate(
                unrequested, X, y, cv=cv, n_seeds=2, params={"sample_weight": w}
            )
        with pytest.raises(ValueError, match="groups"):
            seed_cross_validate(
                pipe, X, y, cv=cv, n_seeds=2, groups=np.arange(len(y)) % 4
            )
    expected = _manual_scores(pipe, X, y, w, cv, res.seeds, score_weights=True)
    np.testing.assert_allclose(res.scores["acc"], expected)


def test_groups_reach_the_splitter_with_and_without_routing(data):
    X, y = data
    groups = np.arange(len(y)) % 4
    tree = DecisionTreeClassifier(max_features=2)
    res = seed_cross_validate(
        tree, X, y, cv=GroupKFold(4), groups=groups, n_seeds=2, random_state=0
    )
    np.testing.assert_array_equal(res.n_test, [50, 50, 50, 50])
    with config_context(enable_metadata_routing=True):
        splitter = GroupKFold(2).set_split_request(groups=True)
        routed = seed_cross_validate(
            tree,
            X,
            y,
            cv=splitter,
            params={"groups": groups % 2},
            n_seeds=2,
            random_state=0,
        )
    np.testing.assert_array_equal(routed.n_test, [100, 100])


def test_n_jobs_zero_is_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="n_jobs"):
        seed_cross_validate(DecisionTreeClassifier(), X, y, n_seeds=2, n_jobs=0)

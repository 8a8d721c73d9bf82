"""compare_estimators, the 5x2cv tests and the cheap bootstrap."""

import numpy as np
import pytest
import sklearn
from scipy import stats
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.evaluation import adjust_pvalues, ftest_5x2cv, ttest_5x2cv
from skvariance.model_selection import (
    cheap_bootstrap_ci,
    combined_ftest_5x2cv,
    compare_estimators,
    paired_ttest_5x2cv,
)


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=150, n_features=6, random_state=0)


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=0)
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=60)
    return X, y, w


def _three_models():
    return {
        "logreg": LogisticRegression(),
        "tree": DecisionTreeClassifier(max_depth=2),
        "dummy": DummyClassifier(),
    }


def test_compare_estimators_table_and_corrections(clf_data):
    X, y = clf_data
    res = compare_estimators(_three_models(), X, y, cv=3, n_seeds=4, random_state=0)
    assert res.names == ["logreg", "tree", "dummy"]
    assert all(s.shape == (4, 3) for s in res.scores.values())
    frame = res.to_frame()
    assert list(zip(frame.model_a, frame.model_b)) == [
        ("logreg", "tree"),
        ("logreg", "dummy"),
        ("tree", "dummy"),
    ]
    np.testing.assert_allclose(frame.pvalue_adjusted, adjust_pvalues(frame.pvalue))
    bh = res.to_frame(correction="bh")
    np.testing.assert_allclose(bh.pvalue_adjusted, adjust_pvalues(frame.pvalue, "bh"))
    assert (
        res.to_frame(correction=None).pvalue_adjusted.tolist() == frame.pvalue.tolist()
    )
    # the dummy is beaten by both real models
    assert frame.significant.tolist()[1:] == [True, True]
    assert res.mean_scores["dummy"] < res.mean_scores["logreg"]
    np.testing.assert_allclose(frame.mean_difference, frame.mean_a - frame.mean_b)


def test_compare_estimators_reshuffles_folds_per_seed_and_pairs_cells(reg_data):
    """Every cell equals a direct fit on that seed's folds, with the weights."""
    X, y, w = reg_data
    models = {
        "mean": make_pipeline(StandardScaler(), DummyRegressor()),
        "median": make_pipeline(StandardScaler(), DummyRegressor(strategy="median")),
    }
    res = compare_estimators(
        models, X, y, cv=3, n_seeds=3, random_state=1, params={"sample_weight": w}
    )
    folds = []
    for j, seed in enumerate(res.seeds):
        splits = list(KFold(3, shuffle=True, random_state=int(seed)).split(X))
        folds.append(splits[0][1].tolist())
        for k, (train, test) in enumerate(splits):
            expected = r2_score(
                y[test], np.full(len(test), np.average(y[train], weights=w[train]))
            )
            assert res.scores["mean"][j, k] == pytest.approx(expected)
    assert folds[0] != folds[1]  # the folds are reshuffled for every seed
    np.testing.assert_array_equal(res.n_test.sum(axis=1), [60, 60, 60])
    unweighted = compare_estimators(models, X, y, cv=3, n_seeds=3, random_state=1)
    assert not np.allclose(unweighted.scores["mean"], res.scores["mean"])


def test_compare_estimators_metadata_routing(reg_data):
    X, y, w = reg_data
    plain = compare_estimators(
        {
            "mean": make_pipeline(StandardScaler(), DummyRegressor()),
            "lr": make_pipeline(StandardScaler(), LinearRegression()),
        },
        X,
        y,
        cv=3,
        n_seeds=2,
        random_state=0,
        params={"sample_weight": w},
    )
    with sklearn.config_context(enable_metadata_routing=True):

        def pipe(final):
            return make_pipeline(
                StandardScaler().set_fit_request(sample_weight=False),
                final.set_fit_request(sample_weight=True),
            )

        routed = compare_estimators(
            {"mean": pipe(DummyRegressor()), "lr": pipe(LinearRegression())},
            X,
            y,
            cv=3,
            n_seeds=2,
            random_state=0,
            params={"sample_weight": w},
        )
        with pytest.raises(Exception, match="sample_weight"):
            compare_estimators(
                {"a": DummyRegressor(), "b": LinearRegression()},
                X,
                y,
                cv=3,
                n_seeds=2,
                params={"sample_weight": w},
            )
    for name in ("mean", "lr"):
        np.testing.assert_allclose(routed.scores[name], plain.scores[name])


def test_compare_estimators_weights_need_support(reg_data):
    X, y, w = reg_data
    with pytest.raises(TypeError, match="estimator 'knn'.*sample_weight"):
        compare_estimators(
            {
                "knn": make_pipeline(StandardScaler(), KNeighborsRegressor()),
                "mean": DummyRegressor(),
            },
            X,
            y,
            params={"sample_weight": w},
        )


def test_compare_estimators_n_jobs_invariant_and_no_mutation(clf_data):
    X, y = clf_data
    models = _three_models()
    before = {k: v.get_params() for k, v in models.items()}
    one = compare_estimators(models, X, y, cv=3, n_seeds=2, n_jobs=1, random_state=3)
    two = compare_estimators(models, X, y, cv=3, n_seeds=2, n_jobs=2, random_state=3)
    for name in models:
        np.testing.assert_array_equal(one.scores[name], two.scores[name])
        assert models[name].get_params() == before[name]
        assert not hasattr(models[name], "classes_")


def test_compare_estimators_bayesian(clf_data):
    X, y = clf_data
    res = compare_estimators(
        _three_models(),
        X,
        y,
        cv=3,
        n_seeds=2,
        test="bayesian",
        rope=0.01,
        random_state=0,
    )
    frame = res.to_frame()
    total = frame.prob_a_better + frame.prob_equivalent + frame.prob_b_better
    np.testing.assert_allclose(total, 1.0)
    assert frame.prob_a_better.iloc[1] > 0.95  # logreg vs dummy
    with pytest.raises(ValueError, match="p-values exist only"):
        res.pvalues()


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"estimators": {"a": DummyClassifier()}}, ValueError, "at least 2"),
        ({"estimators": DummyClassifier()}, TypeError, "dict name"),
        ({"test": "wilcoxon"}, ValueError, "test must be"),
        ({"correction": "sidak"}, ValueError, "correction must be"),
        ({"rope": -0.1}, ValueError, "rope must be >= 0"),
        ({"n_seeds": 0}, ValueError, "n_seeds"),
        ({"cv": 1}, ValueError, "at least 2 folds"),
        ({"n_jobs": 0}, ValueError, "n_jobs == 0"),
        ({"y": np.r_[np.nan, np.zeros(149)]}, ValueError, "NaN"),
    ],
)
def test_compare_estimators_bad_input(clf_data, kwargs, err, match):
    X, y = clf_data
    params = {"estimators": _three_models(), "X": X, "y": y}
    params.update(kwargs)
    with pytest.raises(err, match=match):
        compare_estimators(
            params.pop("estimators"), params.pop("X"), params.pop("y"), **params
        )


def test_5x2cv_functions_share_folds_and_match_array_tests(clf_data):
    X, y = clf_data
    a, b = LogisticRegression(), DummyClassifier()
    t = paired_ttest_5x2cv(a, b, X, y, random_state=0)
    f = combined_ftest_5x2cv(a, b, X, y, random_state=0)
    np.testing.assert_array_equal(t.scores_a, f.scores_a)
    assert t.scores_a.shape == (5, 2)
    assert t.statistic == pytest.approx(ttest_5x2cv(t.scores_a, t.scores_b).statistic)
    assert f.statistic == pytest.approx(ftest_5x2cv(f.scores_a, f.scores_b).statistic)
    assert t.df == 5 and f.df == (10, 5)
    assert f.pvalue < 0.05
    # repetition i uses stratified 2-fold shuffled by seed i
    seed = int(t.seeds[2])
    train, test = next(StratifiedKFold(2, shuffle=True, random_state=seed).split(X, y))
    score = LogisticRegression().fit(X[train], y[train]).score(X[test], y[test])
    assert t.scores_a[2, 0] == pytest.approx(score)
    assert np.all(t.scores_b <= 0.6)  # the dummy


# -- cheap bootstrap ---------------------------------------------------------------
def test_cheap_bootstrap_interval_formula(reg_data):
    X, y, _ = reg_data
    res = cheap_bootstrap_ci(LinearRegression(), X, y, n_resamples=3, random_state=0)
    s = np.sqrt(np.mean((res.replicates - res.estimate) ** 2))
    half = stats.t.ppf(0.975, 3) * s
    assert res.std_error == pytest.approx(s)
    assert res.interval == pytest.approx((res.estimate - half, res.estimate + half))
    assert len(set(res.seeds.tolist())) == 4
    again = cheap_bootstrap_ci(LinearRegression(), X, y, n_resamples=3, random_state=0)
    np.testing.assert_array_equal(again.replicates, res.replicates)
    par = cheap_bootstrap_ci(
        LinearRegression(), X, y, n_resamples=3, random_state=0, n_jobs=2
    )
    np.testing.assert_array_equal(par.replicates, res.replicates)


def test_cheap_bootstrap_held_out_set_and_weights(reg_data):
    X, y, w = reg_data
    pipe = make_pipeline(StandardScaler(), DummyRegressor())
    res = cheap_bootstrap_ci(
        pipe,
        X[:40],
        y[:40],
        X_test=X[40:],
        y_test=y[40:],
        n_resamples=2,
        scoring="r2",
        random_state=0,
        params={"sample_weight": w[:40]},
    )
    expected = r2_score(y[40:], np.full(20, np.average(y[:40], weights=w[:40])))
    assert res.estimate == pytest.approx(expected)
    with pytest.raises(ValueError, match="together"):
        cheap_bootstrap_ci(pipe, X, y, X_test=X)
    with pytest.raises(ValueError, match="n_resamples"):
        cheap_bootstrap_ci(pipe, X, y, n_resamples=0)
    with pytest.raises(ValueError, match="confidence_level"):
        cheap_bootstrap_ci(pipe, X, y, confidence_level=1.0)
    with pytest.raises(ValueError, match="test_size"):
        cheap_bootstrap_ci(pipe, X, y, test_size=0.001)


@pytest.mark.slow
def test_cheap_bootstrap_coverage():
    """The interval covers the expected test score at >= 95% (binomial check).

    OLS with p=3 features, Gaussian noise sigma=1: the expected test MSE of a
    model fitted on n=300 rows is sigma^2 (1 + p / (n - p - 1)).
    """
    n_rep, misses = 150, 0
    rng = np.random.RandomState(0)
    n, n_test, p = 300, 150, 3
    truth = -(1 + p / (n - p - 1))
    for r in range(n_rep):
        X = rng.randn(n + n_test, p)
        y = X @ np.array([1.0, -2.0, 0.5]) + rng.randn(n + n_test)
        res = cheap_bootstrap_ci(
            LinearRegression(),
            X[:n],
            y[:n],
            X_test=X[n:],
            y_test=y[n:],
            n_resamples=5,
            scoring="neg_mean_squared_error",
            random_state=r,
        )
        misses += not (res.low <= truth <= res.high)
    # misses ~ Bin(n_rep, 0.05) if the level holds; fail if implausibly many
    assert stats.binom.sf(misses - 1, n_rep, 0.05) > 1e-3, misses / n_rep


# -- seed churn --------------------------------------------------------------------
def test_seed_churn_equals_direct_out_of_fold_predictions(clf_data):
    from sklearn.base import clone

    from skvariance.metrics import negative_flip_rate, seed_flip_probability
    from skvariance.model_selection import seed_churn
    from skvariance.utils import set_random_state

    X, y = clf_data
    tree = DecisionTreeClassifier(max_features=2)
    res = seed_churn(tree, X, y, cv=3, n_seeds=3, random_state=0)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    np.testing.assert_allclose(res.accuracy, np.mean(res.predictions == y, axis=1))
    np.testing.assert_allclose(
        res.flip_probability, seed_flip_probability(res.predictions)
    )
    nfr = np.mean(
        [
            negative_flip_rate(y, res.predictions[i], res.predictions[j])
            for i in range(3)
            for j in range(3)
            if i != j
        ]
    )
    assert res.negative_flip_rate == pytest.approx(nfr)
    assert 0 < res.disagreement < 0.5
    # a fixed splitter: each row equals direct fits with that seed
    fixed = seed_churn(tree, X, y, cv=folds, n_seeds=2, random_state=0)
    for j, seed in enumerate(fixed.seeds):
        expected = np.empty_like(y)
        for train, test in folds.split(X, y):
            member = set_random_state(clone(tree), int(seed))
            expected[test] = member.fit(X[train], y[train]).predict(X[test])
        np.testing.assert_array_equal(fixed.predictions[j], expected)


def test_seed_churn_deterministic_model_and_bad_input(clf_data):
    from sklearn.model_selection import ShuffleSplit

    from skvariance.model_selection import seed_churn

    X, y = clf_data
    res = seed_churn(LogisticRegression(), X, y, cv=3, n_seeds=2, random_state=0)
    assert res.disagreement == 0.0 and res.negative_flip_rate == 0.0
    with pytest.raises(ValueError, match="n_seeds"):
        seed_churn(LogisticRegression(), X, y, n_seeds=1)
    with pytest.raises(ValueError, match="exactly one test fold"):
        seed_churn(
            LogisticRegression(), X, y, cv=ShuffleSplit(2, random_state=0), n_seeds=2
        )


def test_compare_estimators_splitter_objects(reg_data):
    from sklearn.model_selection import ShuffleSplit

    X, y, _ = reg_data
    models = {"lr": LinearRegression(), "mean": DummyRegressor()}
    # a deterministic splitter is used as given: every seed sees the same folds
    fixed = compare_estimators(models, X, y, cv=KFold(3), n_seeds=2, random_state=0)
    np.testing.assert_array_equal(fixed.scores["lr"][0], fixed.scores["lr"][1])
    # a random splitter is re-seeded per seed, even when given unseeded
    runs = [
        compare_estimators(
            models, X, y, cv=ShuffleSplit(3, test_size=0.3), n_seeds=2, random_state=0
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].scores["lr"], runs[1].scores["lr"])
    assert not np.allclose(runs[0].scores["lr"][0], runs[0].scores["lr"][1])

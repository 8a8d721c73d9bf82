"""benchmark_estimators: the table, Friedman and Nemenyi against references."""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import BenchmarkResult, benchmark_estimators

ESTIMATORS = {
    "nb": GaussianNB(),
    "logreg": LogisticRegression(),
    "dummy": DummyClassifier(),
}


@pytest.fixture(scope="module")
def datasets():
    return {
        f"task{s}": make_classification(
            n_samples=90, n_features=5, flip_y=0.1 * s, random_state=s
        )
        for s in range(6)
    }


@pytest.fixture(scope="module")
def result(datasets):
    return benchmark_estimators(ESTIMATORS, datasets, cv=KFold(3), random_state=0)


def test_table_is_cross_val_score_per_dataset(result, datasets):
    # independent: scikit-learn's cross_val_score on the same (unshuffled) folds
    expected = np.array(
        [
            [
                cross_val_score(est, X, y, cv=KFold(3)).mean()
                for est in ESTIMATORS.values()
            ]
            for X, y in datasets.values()
        ]
    )
    assert isinstance(result, BenchmarkResult)
    assert result.names == list(ESTIMATORS)
    assert result.datasets == list(datasets)
    np.testing.assert_allclose(result.scores, expected, rtol=0, atol=1e-12)
    assert result.cv_scores["task0"].shape == (3, 1, 3)
    assert not result.folds_reseeded


def test_friedman_and_ranks_match_scipy(result):
    table = result.scores
    stat, pvalue = stats.friedmanchisquare(*table.T)
    assert result.friedman.statistic == pytest.approx(stat, rel=1e-12)
    assert result.pvalue == pytest.approx(pvalue, rel=1e-12)
    # rank 1 = highest score, ties averaged
    ranks = stats.rankdata(-table, axis=1)
    np.testing.assert_allclose(result.rank_table, ranks)
    np.testing.assert_allclose(result.ranks, ranks.mean(axis=0))
    # Demšar (2006), Table 5: q_0.05 = 2.343 for k = 3 models
    k, n = table.shape[1], table.shape[0]
    cd = 2.343 * np.sqrt(k * (k + 1) / (6 * n))
    assert result.critical_difference == pytest.approx(cd, abs=5e-4)


def test_to_frame_names_rows_and_columns(result):
    frame = result.to_frame()
    assert list(frame.index) == result.datasets
    assert list(frame.columns) == result.names
    assert frame.index.name == "dataset" and frame.columns.name == "estimator"
    np.testing.assert_array_equal(frame.to_numpy(), result.scores)
    ranks = result.to_frame("ranks")
    np.testing.assert_array_equal(ranks.to_numpy(), result.rank_table)
    with pytest.raises(ValueError, match="kind must be"):
        result.to_frame("pvalues")


def test_same_random_state_same_result_for_any_n_jobs(datasets):
    ests = [("a", DecisionTreeClassifier(max_features=2)), ("b", GaussianNB())]
    small = dict(list(datasets.items())[:2])
    kw = dict(cv=2, n_seeds=2, random_state=0)
    one = benchmark_estimators(ests, small, n_jobs=1, **kw)
    two = benchmark_estimators(ests, small, n_jobs=2, **kw)
    np.testing.assert_array_equal(one.scores, two.scores)
    for name in small:
        np.testing.assert_array_equal(one.cv_scores[name], two.cv_scores[name])
    assert one.folds_reseeded
    # the seeds change the folds: the two repetitions differ somewhere
    cells = one.cv_scores["task0"]
    assert not np.array_equal(cells[:, 0], cells[:, 1])


def test_list_input_and_scoring(datasets):
    pairs = list(datasets.items())[:2]
    res = benchmark_estimators(
        [GaussianNB(), DummyClassifier()], pairs, cv=KFold(3), scoring="accuracy"
    )
    assert res.names == ["GaussianNB", "DummyClassifier"]
    assert res.datasets == ["task0", "task1"]
    assert res.scoring == "accuracy"


@pytest.mark.parametrize(
    "datasets_arg, error, match",
    [
        ({"only": (np.zeros((4, 1)), np.arange(4))}, ValueError, "at least 2 data"),
        ("iris", TypeError, "datasets must be a dict"),
        ([("a", (1, 2, 3)), ("b", (1, 2))], TypeError, r"datasets\['a'\]"),
        ([(0, (1, 2)), (1, (1, 2))], TypeError, "names must be str"),
    ],
)
def test_bad_datasets(datasets_arg, error, match):
    with pytest.raises(error, match=match):
        benchmark_estimators(ESTIMATORS, datasets_arg)


def test_bad_parameters(datasets):
    with pytest.raises(TypeError, match="scoring must be one metric"):
        benchmark_estimators(ESTIMATORS, datasets, scoring=["accuracy", "f1"])
    with pytest.raises(ValueError, match="verbose"):
        benchmark_estimators(ESTIMATORS, datasets, verbose=-1)
    with pytest.raises(ValueError, match="n_seeds"):
        benchmark_estimators(ESTIMATORS, datasets, n_seeds=0)
    X, y = datasets["task0"]
    y = y.astype(float)
    y[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        benchmark_estimators(ESTIMATORS, {"a": (X, y), "b": (X, y)})

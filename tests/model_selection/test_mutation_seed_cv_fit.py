"""Mutation tests of the body of seed_cross_validate.

References by hand: explicit splits, messages and progress lines spelled
out, fit and score times told apart by an estimator whose fit sleeps, the
thread of every fit recorded.
"""

import re
import threading
import time

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeRegressor

from skvariance.model_selection import seed_cross_validate


def _data(n=30, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + 0.5 * rng.normal(size=n)


def _tree():
    return DecisionTreeRegressor(max_depth=2, splitter="random")


def test_n_jobs_zero_is_rejected_by_name():
    X, y = _data()
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        seed_cross_validate(_tree(), X, y, cv=3, n_seeds=2, n_jobs=0)


def test_one_split_is_refused_and_two_are_enough():
    X, y = _data()
    splits = list(KFold(3).split(X))
    msg = (
        "cv must give at least 2 train/test splits to separate split variance "
        "from seed variance; got 1."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        seed_cross_validate(_tree(), X, y, cv=splits[:1], n_seeds=2, random_state=0)
    res = seed_cross_validate(_tree(), X, y, cv=splits[:2], n_seeds=3, random_state=0)
    assert res.scores["score"].shape == (3, 2)
    np.testing.assert_array_equal(res.n_test, [10, 10])
    assert res.n_test.dtype == np.int64


def test_unseeded_estimator_warning_names_the_function_and_the_class():
    X, y = _data()
    msg = (
        "seed_cross_validate: the estimator LinearRegression has no "
        "random_state parameter (nested or not), so every seed gives the same "
        "model: all n_seeds members (repetitions) will be identical."
    )
    with pytest.warns(UserWarning, match="^" + re.escape(msg) + "$"):
        seed_cross_validate(LinearRegression(), X, y, cv=3, n_seeds=2)


def test_verbose_prints_the_plan_and_joblib_progress(capsys):
    X, y = _data()
    seed_cross_validate(_tree(), X, y, cv=3, n_seeds=2, verbose=10, random_state=0)
    out = capsys.readouterr()
    assert "[seed_cross_validate] 6 fits (2 seeds x 3 splits)\n" in out.out
    assert "Parallel(n_jobs=1)]: Done" in out.err
    seed_cross_validate(_tree(), X, y, cv=3, n_seeds=2, verbose=0, random_state=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


class _Slow(DecisionTreeRegressor):
    threads: list = []

    def fit(self, X, y, sample_weight=None):
        _Slow.threads.append(threading.current_thread().name)
        time.sleep(0.03)
        return super().fit(X, y, sample_weight=sample_weight)


def test_fit_times_are_the_fits_and_n_jobs_one_overrides_a_context():
    X, y = _data()
    _Slow.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        res = seed_cross_validate(
            _Slow(max_depth=2), X, y, cv=2, n_seeds=2, n_jobs=1, random_state=0
        )
    assert _Slow.threads == [threading.current_thread().name] * 4
    assert res.fit_time.shape == res.score_time.shape == (2, 2)
    assert np.all(res.fit_time >= 0.03)
    assert np.all(res.score_time < res.fit_time)


def test_non_finite_y_is_refused_by_name():
    X, y = _data()
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"^Input y contains NaN\.$"):
        seed_cross_validate(_tree(), X, y, cv=3, n_seeds=2)


def test_classifier_int_cv_is_stratified_and_takes_string_labels():
    from sklearn.model_selection import StratifiedKFold
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    y = np.array(["a"] * 20 + ["b"] * 10)  # sorted: KFold folds are one-class
    clf = DecisionTreeClassifier(max_depth=2, splitter="random")
    kw = dict(n_seeds=2, random_state=0, scoring="accuracy")
    res = seed_cross_validate(clf, X, y, cv=3, **kw)
    ref = seed_cross_validate(clf, X, y, cv=StratifiedKFold(3), **kw)
    np.testing.assert_array_equal(res.scores["accuracy"], ref.scores["accuracy"])
    other = seed_cross_validate(clf, X, y, cv=KFold(3), **kw)
    assert not np.array_equal(res.scores["accuracy"], other.scores["accuracy"])


def test_seeds_come_from_random_state_and_reach_every_member():
    from skvariance.utils import derive_seeds, set_random_state

    X, y = _data()
    a = seed_cross_validate(_tree(), X, y, cv=3, n_seeds=3, random_state=5)
    b = seed_cross_validate(_tree(), X, y, cv=3, n_seeds=3, random_state=5)
    np.testing.assert_array_equal(a.seeds, derive_seeds(5, 3))
    np.testing.assert_array_equal(a.scores["score"], b.scores["score"])
    # one member by hand: the tree seeded from the first seed, first split
    train, test = next(KFold(3).split(X))
    tree = set_random_state(_tree(), int(a.seeds[0])).fit(X[train], y[train])
    assert a.scores["score"][0, 0] == pytest.approx(tree.score(X[test], y[test]))

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

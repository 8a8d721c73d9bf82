"""Mutation tests of RLearner's deferred nuisance refits (issue 17).

``fit`` keeps a snapshot of the training data and fits ``outcome_model_`` and
``treatment_model_`` on all rows when they are first read
(``_nuisance_model``), replaces them when they are assigned
(``_set_nuisance_model``) and fits them before pickling (``__getstate__``).
References are models fitted here on copies of the training data, never the
learner's own attributes.
"""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from skvariance.weighting import RLearner
from skvariance.weighting._rlearner import _snapshot


class _Counted(RegressorMixin, BaseEstimator):
    """Least squares that logs the size of every training set per name."""

    log: list = []

    def __init__(self, name="m"):
        self.name = name

    def fit(self, X, y, sample_weight=None):
        _Counted.log.append((self.name, X.shape[0]))
        self.lr_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        return self.lr_.predict(X)


def _data(n=90, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    t = X[:, 1] + rng.normal(size=n)
    y = X[:, 0] + t * (1.0 + X[:, 2]) + 0.3 * rng.normal(size=n)
    return X, y, t


def _learner(**kw):
    params = dict(
        outcome_model=LinearRegression(),
        treatment_model=LinearRegression(),
        effect_model=LinearRegression(),
        treatment_type="continuous",
        cv=KFold(3),
    )
    params.update(kw)
    return RLearner(**params)


@pytest.mark.parametrize("name", ["outcome_model_", "treatment_model_"])
def test_unfitted_learner_has_no_nuisance_attribute(name):
    with pytest.raises(
        AttributeError, match=rf"^'RLearner' object has no attribute '{name}'$"
    ):
        getattr(_learner(), name)
    assert not hasattr(_learner(), name)


def test_each_refit_runs_once_on_all_rows_and_only_when_read():
    X, y, t = _data()
    _Counted.log = []
    rl = _learner(
        outcome_model=_Counted("outcome"), treatment_model=_Counted("treatment")
    ).fit(X, y, treatment=t)
    cross_fits = [("outcome", 60)] * 3 + [("treatment", 60)] * 3
    assert sorted(_Counted.log) == sorted(cross_fits)
    first = rl.treatment_model_
    assert _Counted.log[6:] == [("treatment", 90)]  # the outcome refit waits
    assert rl.treatment_model_ is first  # fitted once, then kept
    np.testing.assert_allclose(
        first.lr_.coef_, LinearRegression().fit(X, t).coef_, rtol=1e-10
    )
    outcome = rl.outcome_model_
    assert _Counted.log[6:] == [("treatment", 90), ("outcome", 90)]
    np.testing.assert_allclose(
        outcome.lr_.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-10
    )
    assert rl.outcome_model_ is outcome and len(_Counted.log) == 8


def test_an_assigned_nuisance_replaces_the_deferred_refit():
    X, y, t = _data()
    _Counted.log = []
    rl = _learner(outcome_model=_Counted("outcome")).fit(X, y, treatment=t)
    mine = LinearRegression().fit(X[:10], y[:10])
    rl.outcome_model_ = mine
    assert rl.outcome_model_ is mine
    assert "outcome_model" not in rl._nuisance_pending
    assert ("outcome", 90) not in _Counted.log  # never refitted
    # the other one is still deferred and still fitted on all rows
    np.testing.assert_allclose(
        rl.treatment_model_.coef_, LinearRegression().fit(X, t).coef_, rtol=1e-10
    )


def test_assigning_on_an_unfitted_learner_stores_the_model():
    rl = _learner()
    mine = LinearRegression()
    rl.treatment_model_ = mine
    assert rl.treatment_model_ is mine


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_holds_the_fitted_refits_and_no_training_data(how):
    X, y, t = _data()
    rl = _learner().fit(X, y, treatment=t)
    twin = pickle.loads(pickle.dumps(rl)) if how == "pickle" else copy.deepcopy(rl)
    assert twin._nuisance_pending == {} and rl._nuisance_pending == {}
    assert set(twin._nuisance_fitted) == {"outcome_model", "treatment_model"}
    np.testing.assert_allclose(
        twin.__dict__["_nuisance_fitted"]["outcome_model"].coef_,
        LinearRegression().fit(X, y).coef_,
        rtol=1e-10,
    )


def test_an_unfitted_learner_pickles():
    twin = pickle.loads(pickle.dumps(_learner()))
    assert not hasattr(twin, "outcome_model_")


def test_snapshot_copies_what_the_caller_could_change():
    a = np.arange(4.0)
    assert _snapshot(None) is None
    for value in (
        a,
        sparse.csr_matrix(np.eye(3)),
        pd.DataFrame({"x": [1.0, 2.0]}),
        [np.zeros(2)],
        (np.zeros(2),),
    ):
        copied = _snapshot(value)
        assert copied is not value
        assert type(copied) is type(value)
    np.testing.assert_array_equal(_snapshot(a), a)
    nested = [np.zeros(2)]
    _snapshot(nested)[0][0] = 5.0
    assert nested[0][0] == 0.0  # deep, not shallow
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    snap = _snapshot(frame)
    snap.iloc[0, 0] = 9.0
    assert frame.iloc[0, 0] == 1.0
    other = object()
    assert _snapshot(other) is other  # rare metadata is kept as given


@pytest.mark.parametrize("kind", ["array", "frame", "sparse"])
def test_training_rows_changed_after_fit_do_not_reach_the_refit(kind):
    X, y, t = _data()
    want = LinearRegression().fit(X, y).coef_
    X_in = {
        "array": X.copy(),
        "frame": pd.DataFrame(X.copy(), columns=["a", "b", "c"]),
        "sparse": sparse.csr_matrix(X),
    }[kind]
    sw = np.ones(len(y))
    rl = _learner().fit(X_in, y, treatment=t, sample_weight=sw)
    if kind == "frame":
        X_in.iloc[:, :] = 0.0
    elif kind == "sparse":
        X_in.data[:] = 0.0
    else:
        X_in[:] = 0.0
    sw[:5] = 0.0
    np.testing.assert_allclose(rl.outcome_model_.coef_, want, rtol=1e-10)

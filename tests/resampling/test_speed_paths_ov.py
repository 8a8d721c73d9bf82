"""SMOTE's fast paths give what the slow paths give, errors and warnings too.

* ``_check_target_type`` replaces imbalanced-learn's ``check_target_type``
  (a second ``type_of_target``: a second ``np.unique`` pass over ``y``) by
  ``is_multilabel`` after ``check_classification_targets`` has run;
* ``SMOTE._new_targets`` repeats each class's label instead of gathering
  ``y[parents]`` when equal labels are identical bits.

The slow paths are the code they replace (imbalanced-learn's function,
``y[parents]``), swapped in with ``monkeypatch``; results are compared with
``np.array_equal`` and bit patterns, errors by type and message, warnings by
category and message.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.datasets import make_classification

from skvariance.resampling import SMOTE, SMOTENC
from skvariance.resampling import _smote as smote_module


def _slow_check_target_type(y):
    return check_target_type(y, indicate_one_vs_all=True)


def _slow_new_targets(self, y, parents, partners, steps):
    return y[parents]


def _outcome(func):
    """(result, None) or (None, (type, message)); and the warnings issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = func(), None
        except Exception as exc:  # any error: compared below
            result, error = None, (type(exc), str(exc))
    return result, error, [(w.category, str(w.message)) for w in caught]


def _same(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if sparse.issparse(a):
        return sparse.issparse(b) and (a != b).nnz == 0
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


RNG = np.random.RandomState(0)
ONE_HOT = np.eye(3, dtype=int)[RNG.randint(0, 3, size=30)]
TWO_HOT = ONE_HOT.copy()
TWO_HOT[4] = [1, 1, 0]
TARGETS = {
    "int": RNG.randint(0, 3, size=30),
    "str": np.array(["a", "b", "c"])[RNG.randint(0, 3, size=30)],
    "list": RNG.randint(0, 2, size=30).tolist(),
    "column": RNG.randint(0, 2, size=(30, 1)),  # DataConversionWarning
    "one_hot": ONE_HOT,
    "one_hot_sparse": sparse.csr_matrix(ONE_HOT),
    "two_hot": TWO_HOT,  # multilabel: refused
    "two_columns_int": RNG.randint(0, 3, size=(30, 2)),  # multiclass-multioutput
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_check_target_type_matches_imblearn(name):
    y = TARGETS[name]
    fast = _outcome(lambda: smote_module._check_target_type(y))
    slow = _outcome(lambda: _slow_check_target_type(y))
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    if slow[0] is not None:
        assert _same(fast[0], slow[0])
        assert fast[0][1] == slow[0][1]


def _data(n=120, weights=(0.7, 0.2, 0.1), seed=0):
    return make_classification(
        n_samples=n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=len(weights),
        weights=list(weights),
        n_clusters_per_class=1,
        random_state=seed,
    )


def _targets(y):
    one_hot = np.eye(3, dtype=int)[y]
    two_hot = one_hot.copy()
    two_hot[0] = 1
    continuous = y + np.linspace(0, 0.5, y.size)
    return {
        "int": y,
        "int8": y.astype(np.int8),
        "uint16": y.astype(np.uint16),
        "str": np.array(["low", "mid", "high"])[y],
        "object": np.array(["low", "mid", "high"], dtype=object)[y],
        "float": y.astype(float),
        "list": y.tolist(),
        "column": y.reshape(-1, 1),
        "one_hot": one_hot,
        "two_hot": two_hot,
        "continuous": continuous,
    }


@pytest.mark.parametrize("cls", [SMOTE, SMOTENC])
@pytest.mark.parametrize(
    "name",
    [
        "int",
        "int8",
        "uint16",
        "str",
        "object",
        "float",
        "list",
        "column",
        "one_hot",
        "two_hot",
        "continuous",
    ],
)
def test_fit_resample_fast_equals_slow(monkeypatch, cls, name):
    X, y = _data()
    y = _targets(y)[name]
    kwargs = {"categorical_features": [0]} if cls is SMOTENC else {}
    if cls is SMOTENC:
        X = X.copy()
        X[:, 0] = np.round(X[:, 0])

    def run():
        return cls(random_state=0, k_neighbors=3, **kwargs).fit_resample(X, y)

    fast = _outcome(run)
    with monkeypatch.context() as m:
        m.setattr(smote_module, "_check_target_type", _slow_check_target_type)
        m.setattr(smote_module.SMOTE, "_new_targets", _slow_new_targets)
        slow = _outcome(run)
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    if slow[0] is not None:
        assert _same(fast[0], slow[0])
    if name in ("two_hot", "continuous"):
        assert slow[1] is not None and slow[1][0] is ValueError


def test_new_targets_keep_the_bits_of_float_labels(monkeypatch):
    # -0.0 == 0.0: one class of mixed signs; each synthetic row keeps its
    # parent's own sign (a repeated label would not)
    X, y = _data(weights=(0.8, 0.2))
    minority = np.flatnonzero(y == 1)
    y = np.ones(y.size)  # the majority class is 1.0
    y[minority] = 0.0  # the minority class 0.0 ...
    y[minority[::2]] = -0.0  # ... half of it written -0.0
    assert np.signbit(y[minority]).any() and not np.signbit(y[minority]).all()
    fast = SMOTE(random_state=0, k_neighbors=3).fit_resample(X, y)[1]
    with monkeypatch.context() as m:
        m.setattr(smote_module.SMOTE, "_new_targets", _slow_new_targets)
        slow = SMOTE(random_state=0, k_neighbors=3).fit_resample(X, y)[1]
    assert np.array_equal(np.signbit(fast), np.signbit(slow))
    assert np.signbit(fast[y.size :]).any() and not np.signbit(fast[y.size :]).all()


#: extra rows per class (0: that class gets no synthetic row)
EXTRA = {"mid_zero": (5, 0, 40), "last_zero": (7, 20, 0), "first_zero": (0, 3, 9)}


@pytest.mark.parametrize(
    "strategy", ["auto", "all", "minority", "mid_zero", "last_zero", "first_zero"]
)
@pytest.mark.parametrize("kind", ["int", "bool", "str"])
def test_new_targets_blocks_follow_the_strategy(monkeypatch, strategy, kind):
    X, y = _data()
    labels = np.array([0, 1, 2])
    if kind == "bool":
        keep = y < 2
        X, y = X[keep], y[keep].astype(bool)
        labels = np.array([False, True])
    elif kind == "str":
        y = np.array(["c0", "c1", "c2"])[y]
        labels = np.array(["c0", "c1", "c2"])
    if strategy in EXTRA:
        strategy = {
            label.item(): int(np.sum(y == label)) + extra
            for label, extra in zip(labels, EXTRA[strategy])
        }

    def run():
        return SMOTE(
            sampling_strategy=strategy, random_state=0, k_neighbors=3
        ).fit_resample(X, y)

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(smote_module.SMOTE, "_new_targets", _slow_new_targets)
        slow = run()
    assert _same(fast, slow)
    assert fast[1].size > y.size

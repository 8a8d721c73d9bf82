"""Mutation tests of VennAbersClassifier.fit (issue 17/18).

Each test kills mutants of the decorated body that the behaviour tests of
test_venn_abers.py let survive; references are computed independently.
"""

import re

import numpy as np
import pytest
from sklearn import config_context
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 2)) + y[:, None]
    return X, y


@pytest.mark.parametrize(
    "n_jobs, err, msg",
    [
        (
            0,
            ValueError,
            "n_jobs == 0 has no meaning; use None, a positive int, or a "
            "negative int (-1 for all cores).",
        ),
    ],
)
def test_fit_checks_n_jobs(n_jobs, err, msg):
    X, y = _data()
    va = VennAbersClassifier(GaussianNB(), n_jobs=n_jobs, random_state=0)
    with pytest.raises(err, match="^" + re.escape(msg) + "$"):
        va.fit(X, y)


@pytest.mark.parametrize("method", ["inductive", "cross"])
def test_fit_string_labels_match_integer_labels(method):
    # y is not numeric: string labels are encoded like their integer twins
    X, y = _data()
    names = np.array(["a", "b", "c"])
    kw = dict(method=method, random_state=0)
    ints = VennAbersClassifier(GaussianNB(), **kw).fit(X, y)
    strs = VennAbersClassifier(GaussianNB(), **kw).fit(X, names[y])
    assert strs.classes_.tolist() == ["a", "b", "c"]
    assert strs.pairs_.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    np.testing.assert_array_equal(strs.predict_proba(X), ints.predict_proba(X))
    np.testing.assert_array_equal(strs.predict(X), names[ints.predict(X)])


def test_fit_rejects_metadata_without_routing():
    X, y = _data()
    va = VennAbersClassifier(GaussianNB(), random_state=0)
    msg = (
        "VennAbersClassifier.fit got unexpected parameters ['sample_weight']; "
        "enable metadata routing to pass them to the estimator."
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        va.fit(X, y, sample_weight=np.ones(y.size))


def test_fit_random_state_reproducible():
    # the split and each model's seed come from random_state: an int or a
    # RandomState instance in the same state give the same fit; another
    # seed gives another one (so the comparison is not vacuous)
    X, y = _data()

    def proba(rs):
        model = ExtraTreesClassifier(n_estimators=3, max_depth=2)
        va = VennAbersClassifier(model, random_state=rs)
        return va.fit(X, y).predict_proba(X)

    for a, b in [(0, 0), (np.random.RandomState(0), np.random.RandomState(0))]:
        np.testing.assert_array_equal(proba(a), proba(b))
    assert not np.array_equal(proba(0), proba(1))
    assert not np.array_equal(
        proba(np.random.RandomState(0)), proba(np.random.RandomState(1))
    )


def test_fit_routes_sample_weight_to_the_training_rows():
    # unit weights give the unweighted fit; other weights change it, so the
    # weights of the proper-training rows do reach each pair's model
    X, y = _data()
    w = np.linspace(0.2, 3.0, y.size)
    with config_context(enable_metadata_routing=True):
        model = GaussianNB().set_fit_request(sample_weight=True)
        va = VennAbersClassifier(model, random_state=0)
        unit = va.fit(X, y, sample_weight=np.ones(y.size)).predict_proba(X)
        weighted = va.fit(X, y, sample_weight=w).predict_proba(X)
    plain = VennAbersClassifier(GaussianNB(), random_state=0).fit(X, y)
    np.testing.assert_allclose(unit, plain.predict_proba(X), rtol=1e-12)
    assert not np.allclose(weighted, unit)


def test_fit_rejects_a_one_class_training_part():
    # stratify=False, one class-0 row among 10: the split with this seed
    # (checked with train_test_split itself) puts it in the calibration row
    y = np.ones(10, dtype=np.int64)
    y[4] = 0
    X = np.arange(10.0)[:, None]
    _, cal = train_test_split(np.arange(10), test_size=1, random_state=2)
    assert cal.tolist() == [4]
    va = VennAbersClassifier(
        GaussianNB(), stratify=False, calibration_size=1, random_state=2
    )
    msg = (
        r"^the proper training rows of classes \[0, 1\] hold only "
        r"\[(np\.int64\(1\)|1)\]: each model needs both classes of its pair "
        r"\(use stratify=True or more data\)\.$"
    )
    with pytest.raises(ValueError, match=msg):
        va.fit(X, y)


def test_fit_after_conformalize_is_a_plain_fit():
    # fit resets the prefit mode that conformalize set
    X, y = _data()
    va = VennAbersClassifier(GaussianNB(), random_state=0)
    va.set_params(estimator=GaussianNB().fit(X, y))
    va.conformalize(X, y)
    va.set_params(estimator=GaussianNB())
    fresh = VennAbersClassifier(GaussianNB(), random_state=0).fit(X, y)
    np.testing.assert_array_equal(va.fit(X, y).predict_proba(X), fresh.predict_proba(X))


def test_fit_verbose_reaches_joblib(capfd):
    X, y = _data()
    VennAbersClassifier(GaussianNB(), random_state=0, verbose=0).fit(X, y)
    quiet = capfd.readouterr()
    VennAbersClassifier(GaussianNB(), random_state=0, verbose=10).fit(X, y)
    loud = capfd.readouterr()
    assert quiet.out + quiet.err == ""
    assert "Parallel" in loud.out + loud.err

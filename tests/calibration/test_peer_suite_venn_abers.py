"""The venn-abers package's own test suite, ported to VennAbersClassifier.

Sources: ip200/venn-abers (1.5.4's repository, commit c122e53),
``tests/test_venn_abers.py``, ``tests/test_integrity.py``,
``tests/test_kwargs.py`` and ``tests/test_estimator_checks.py``. Each port
keeps the peer's data and assertions (shapes, probabilities summing to one,
the integrity test's expected numbers) and calls our class through its
public API; where the package is installed the port also checks that our
probabilities are the package's on the peer's data. The package's
``VennAbersRegressor`` has no counterpart here (not ported).

Mapping: ``VennAbersCalibrator(inductive=True, cal_size=c)`` is
``VennAbersClassifier(method="inductive", calibration_size=c,
stratify=False)`` (the package splits unstratified by default);
``inductive=False, n_splits=k`` is ``method="cross", cv=k``; the package's
manual mode (``VennAbers().fit(p_cal, y_cal)``) is ``conformalize`` of a
prefit model.
"""

import contextlib
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier


def _va():
    """The venn-abers package, without its global np.seterr change."""
    state = np.geterr()
    module = pytest.importorskip("venn_abers.venn_abers")
    np.seterr(**state)
    return module


@contextlib.contextmanager
def _quiet():
    """The package divides 0 by 0 on purpose (NaN slopes it then skips)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(n_samples=200, n_classes=2, random_state=42)
    return train_test_split(X, y, test_size=0.2, random_state=42)


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        n_samples=200, n_classes=3, n_informative=5, random_state=42
    )
    return train_test_split(X, y, test_size=0.2, random_state=42)


def _check_proba(proba, n, n_classes):
    assert proba.shape == (n, n_classes)
    assert np.allclose(np.sum(proba, axis=1), 1.0)
    assert np.all((proba >= 0) & (proba <= 1))


def _package_fit(kw, X_train, y_train, X_test):
    va_pkg = _va()
    peer = va_pkg.VennAbersCalibrator(GaussianNB(), random_state=42, **kw)
    with _quiet():
        peer.fit(X_train, y_train)
        return peer.predict_proba(X_test)


# tests/test_venn_abers.py::test_venn_abers_manual
def test_venn_abers_manual(binary_data):
    X_train, X_test, y_train, y_test = binary_data
    X_proper, X_cal, y_proper, y_cal = train_test_split(
        X_train, y_train, test_size=0.2, shuffle=False
    )
    clf = GaussianNB().fit(X_proper, y_proper)
    va = VennAbersClassifier(clf).conformalize(X_cal, y_cal)
    p_prime = va.predict_proba(X_test)
    p0_p1 = va.predict_proba_interval(X_test)
    _check_proba(p_prime, len(X_test), 2)
    assert p0_p1.shape == (len(X_test), 2)
    assert np.all(p0_p1[:, 0] <= p0_p1[:, 1])
    va_pkg = _va()
    with _quiet():
        peer = va_pkg.VennAbers().fit(clf.predict_proba(X_cal), y_cal)
        want, want_pair = peer.predict_proba(clf.predict_proba(X_test))
    np.testing.assert_allclose(p_prime, want, atol=1e-12)
    np.testing.assert_allclose(p0_p1, want_pair, atol=1e-12)


# tests/test_venn_abers.py::test_venn_abers_calibrator_ivap_binary,
# ::test_venn_abers_calibrator_cvap_binary, ::test_venn_abers_cv_manual
@pytest.mark.parametrize("inductive", [True, False])
def test_venn_abers_calibrator_binary(binary_data, inductive):
    X_train, X_test, y_train, y_test = binary_data
    if inductive:
        ours = dict(method="inductive", calibration_size=0.2, stratify=False)
        kw = dict(inductive=True, cal_size=0.2)
    else:
        ours = dict(method="cross", cv=3)
        kw = dict(inductive=False, n_splits=3)
    va = VennAbersClassifier(GaussianNB(), random_state=42, **ours)
    va.fit(X_train, y_train)
    p_prime = va.predict_proba(X_test)
    _check_proba(p_prime, len(X_test), 2)
    # documented difference: the package's predict returns one column per
    # class (shape (n, 2)); ours returns the labels, as every scikit-learn
    # classifier: the class of the larger calibrated probability
    y_pred = va.predict(X_test)
    assert y_pred.shape == (len(X_test),)
    np.testing.assert_array_equal(y_pred, va.classes_[np.argmax(p_prime, axis=1)])
    want = _package_fit(kw, X_train, y_train, X_test)
    np.testing.assert_allclose(p_prime, want, atol=1e-12)


# tests/test_venn_abers.py::test_venn_abers_calibrator_ivap_multiclass,
# ::test_venn_abers_calibrator_cvap_multiclass, ::test_venn_abers_multiclass_manual
@pytest.mark.parametrize("inductive", [True, False])
def test_venn_abers_calibrator_multiclass(multiclass_data, inductive):
    X_train, X_test, y_train, y_test = multiclass_data
    if inductive:
        ours = dict(method="inductive", calibration_size=0.2, stratify=False)
        kw = dict(inductive=True, cal_size=0.2)
    else:
        ours = dict(method="cross", cv=3, stratify=False)
        kw = dict(inductive=False, n_splits=3)
    va = VennAbersClassifier(GaussianNB(), random_state=42, **ours)
    va.fit(X_train, y_train)
    p_prime = va.predict_proba(X_test)
    _check_proba(p_prime, len(X_test), 3)
    assert va.predict(X_test).shape == (len(X_test),)
    want = _package_fit(kw, X_train, y_train, X_test)
    np.testing.assert_allclose(p_prime, want, atol=1e-12)


# tests/test_venn_abers.py::test_venn_abers_calibrator_manual_multiclass
def test_venn_abers_calibrator_manual_multiclass(multiclass_data):
    X_train, X_test, y_train, y_test = multiclass_data
    X_proper, X_cal, y_proper, y_cal = train_test_split(
        X_train, y_train, test_size=0.2, shuffle=False
    )
    clf = GaussianNB().fit(X_proper, y_proper)
    va = VennAbersClassifier(clf).conformalize(X_cal, y_cal)
    p_prime = va.predict_proba(X_test)
    p0_p1 = va.predict_proba_interval(X_test)
    _check_proba(p_prime, len(X_test), 3)
    assert len(p0_p1) > 0
    va_pkg = _va()
    with _quiet():
        want, _ = va_pkg.predict_proba_prefitted_va(
            clf.predict_proba(X_cal), y_cal, clf.predict_proba(X_test)
        )
    np.testing.assert_allclose(p_prime, want, atol=1e-12)


# tests/test_integrity.py::test_prediction_integrity_binary
def test_prediction_integrity_binary():
    X, y = make_classification(n_samples=50, n_features=5, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42
    )
    va = VennAbersClassifier(
        GaussianNB(), calibration_size=0.2, stratify=False, random_state=42
    )
    va.fit(X_train, y_train)
    p_prime = va.predict_proba(X_test)
    # the package's expected values from its main-branch baseline
    expected_sample = np.array([[0.8, 0.2], [0.8, 0.2]])
    np.testing.assert_allclose(p_prime[:2], expected_sample, atol=1e-10)


class DummyEstimator(ClassifierMixin, BaseEstimator):
    """The package's DummyEstimator, with its fit keywords declared.

    scikit-learn's metadata routing requests named parameters
    (``set_fit_request``), not ``**kwargs``.
    """

    def fit(self, X, y, eval_set=None, early_stopping_rounds=None):
        self.kwargs_received = {
            "eval_set": eval_set,
            "early_stopping_rounds": early_stopping_rounds,
        }
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.ones((len(X), 2)) * 0.5


# tests/test_kwargs.py::test_kwargs_passing
def test_kwargs_passing():
    X = np.ones((10, 2))
    y = np.array([0, 1] * 5)
    kwargs = {"eval_set": "mock_eval_set", "early_stopping_rounds": 10}
    # documented difference: fit parameters reach the estimator through
    # scikit-learn's metadata routing; without it they are refused by name
    # (never silently dropped)
    va = VennAbersClassifier(DummyEstimator(), calibration_size=0.2)
    with pytest.raises(TypeError, match="early_stopping_rounds"):
        va.fit(X, y, **kwargs)
    with sklearn.config_context(enable_metadata_routing=True):
        est = DummyEstimator().set_fit_request(
            eval_set=True, early_stopping_rounds=True
        )
        va = VennAbersClassifier(est, calibration_size=0.2).fit(X, y, **kwargs)
    received = va.estimators_[0][0].kwargs_received
    assert received["eval_set"] == "mock_eval_set"
    assert received["early_stopping_rounds"] == 10


# tests/test_estimator_checks.py::test_all_estimators (instantiate and clone;
# scikit-learn's full check_estimator runs in tests/test_common.py)
def test_clone():
    est = VennAbersClassifier(GaussianNB(), calibration_size=0.2)
    cloned = clone(est)
    assert cloned is not None and cloned is not est
    assert cloned.get_params()["calibration_size"] == 0.2

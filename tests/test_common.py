"""Checks every public estimator must pass, found by ``all_estimators()``."""

import pickle

import numpy as np
import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sampler_checks,
)
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import skvariance
from skvariance.utils._test_common import (
    expected_failed_checks,
    grid_params,
    instances_to_check,
)
from skvariance.utils.discovery import all_estimators

ESTIMATORS = list(instances_to_check())
SAMPLERS = list(instances_to_check(type_filter="sampler"))


def _ids(estimator):
    return type(estimator).__name__


def _listed(mark):
    """Older scikit-learn and imbalanced-learn hand pytest a generator, which
    pytest 9 deprecates: give it a list."""
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


@_listed(
    parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@_listed(
    parametrize_with_sampler_checks(
        SAMPLERS, expected_failed_checks=expected_failed_checks
    )
)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)


def test_all_estimators_are_public_and_unique():
    names = [name for name, _ in all_estimators()]
    assert len(names) == len(set(names))
    for name, cls in all_estimators():
        module = cls.__module__.split(".")
        # defined in a private module, exported from a public subpackage
        assert module[0] == "skvariance"
        assert not name.startswith("_")


def _data(estimator):
    if is_classifier(estimator) or hasattr(estimator, "fit_resample"):
        X, y = make_classification(
            n_samples=150,
            n_features=5,
            n_informative=3,
            weights=[0.7, 0.3],
            random_state=0,
        )
    else:
        X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
    return X, y


def _output(fitted, X, y):
    """What a fitted estimator produces, for comparisons."""
    if hasattr(fitted, "fit_resample"):
        return fitted.fit_resample(X, y)
    for method in ("predict_proba", "predict", "transform"):
        if hasattr(fitted, method):
            return getattr(fitted, method)(X)
    raise AssertionError(f"{type(fitted).__name__} has nothing to compare.")


def _fit(estimator, X, y):
    if hasattr(estimator, "fit_resample"):
        return estimator
    return estimator.fit(X, y)


def _assert_same(a, b):
    if isinstance(a, tuple):
        for left, right in zip(a, b):
            np.testing.assert_array_equal(left, right)
    else:
        np.testing.assert_array_equal(a, b)


def _seeded(estimator):
    estimator = clone(estimator)
    if "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=0)
    return estimator


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_ids)
def test_clone_and_pickle_round_trip(estimator):
    X, y = _data(estimator)
    est = _seeded(estimator)
    cloned = clone(est)
    assert cloned.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    fitted = _fit(est, X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same(_output(fitted, X, y), _output(restored, X, y))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_ids)
def test_same_random_state_same_output(estimator):
    X, y = _data(estimator)
    first = _output(_fit(_seeded(estimator), X, y), X, y)
    second = _output(_fit(_seeded(estimator), X, y), X, y)
    _assert_same(first, second)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_ids)
def test_inputs_not_mutated(estimator):
    X, y = _data(estimator)
    X_before, y_before = X.copy(), y.copy()
    est = _seeded(estimator)
    params_before = {k: repr(v) for k, v in est.get_params(deep=True).items()}
    _output(_fit(est, X, y), X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    params_after = {k: repr(v) for k, v in est.get_params(deep=True).items()}
    assert params_after == params_before


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if not hasattr(e, "fit_resample")],
    ids=_ids,
)
def test_in_pipeline_with_scaler(estimator):
    X, y = _data(estimator)
    pipe = make_pipeline(StandardScaler(), _seeded(estimator)).fit(X, y)
    alone = _seeded(estimator).fit(StandardScaler().fit_transform(X), y)
    _assert_same(
        _output(pipe, X, y), _output(alone, StandardScaler().fit_transform(X), y)
    )


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if is_classifier(e) or is_regressor(e)],
    ids=_ids,
)
def test_in_grid_search(estimator):
    X, y = _data(estimator)
    grid = grid_params(estimator)
    search = GridSearchCV(_seeded(estimator), grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == max(
        1, int(np.prod([len(v) for v in grid.values()]))
    )
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    search.predict(X)


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if "n_jobs" in e.get_params(deep=False)],
    ids=_ids,
)
def test_n_jobs_does_not_change_output(estimator):
    X, y = _data(estimator)
    # the SMOTE family would serve the second run's neighbours from its cache
    with skvariance.config_context(neighbors_cache=False):
        serial = _output(_fit(_seeded(estimator).set_params(n_jobs=1), X, y), X, y)
        parallel = _output(_fit(_seeded(estimator).set_params(n_jobs=2), X, y), X, y)
    _assert_same(serial, parallel)

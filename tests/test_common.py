"""Checks every public estimator must pass, found by ``all_estimators()``."""

import pickle

import numpy as np
import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sampler_checks,
)
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import skvariance
from skvariance.utils._test_common import (
    DEFAULTS_EXEMPT,
    INIT_PARAMS,
    construct_instances,
    expected_failed_checks,
    grid_params,
    instances_to_check,
    is_two_sample,
    two_sample_data,
    two_sample_instances,
)
from skvariance.utils.discovery import all_estimators

ESTIMATORS = list(instances_to_check())
SAMPLERS = list(instances_to_check(type_filter="sampler"))


def _first_of_each_class(estimators):
    """Split the configurations into the first of each class (its defaults:
    see ``test_first_configuration_is_the_defaults``) and the tuned rest."""
    first, tuned, seen = [], [], set()
    for estimator in estimators:
        (tuned if type(estimator) in seen else first).append(estimator)
        seen.add(type(estimator))
    return first, tuned


DEFAULT_CONFIGURATIONS, TUNED_CONFIGURATIONS = _first_of_each_class(ESTIMATORS)


def _ids(estimator):
    return type(estimator).__name__


def _listed(mark):
    """Older scikit-learn and imbalanced-learn hand pytest a generator, which
    pytest 9 deprecates: give it a list. The test ids print each estimator
    once per check; its repr is computed once (it was 0.75 s of every
    worker's collection)."""
    argnames, argvalues = mark.args
    kwargs = dict(mark.kwargs)
    ids = kwargs.get("ids")
    if callable(ids):
        seen = {}

        def cached_ids(obj):
            if id(obj) not in seen:
                seen[id(obj)] = (obj, ids(obj))  # obj kept: its id stays its own
            return seen[id(obj)][1]

        kwargs["ids"] = cached_ids
    return pytest.mark.parametrize(argnames, list(argvalues), **kwargs)


@_listed(
    parametrize_with_checks(
        DEFAULT_CONFIGURATIONS, expected_failed_checks=expected_failed_checks
    )
)
def test_sklearn_compatible_estimator(estimator, check):
    """scikit-learn's checks on every estimator with its default parameters."""
    check(estimator)


@pytest.mark.slow
@_listed(
    parametrize_with_checks(
        TUNED_CONFIGURATIONS, expected_failed_checks=expected_failed_checks
    )
)
def test_sklearn_compatible_tuned_configuration(estimator, check):
    """The same checks on the tuned configurations (other methods, scores,
    weightings): about 45 s of CPU, run by CI in its ``-m slow`` step with
    the simulations, so the README's suite stays short."""
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
    if type(estimator).__name__ == "SMOTER":
        # a regression sampler: a right-skewed target, whose upper tail the
        # default relevance ("extremes", boxplot fences) finds rare
        X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
        y = np.exp(y / y.std())
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


# -- two-sample estimators: fit(X_a, X_b) on two unlabelled samples -----------
# scikit-learn's checks call fit(X, y); these estimators (DensityRatioEstimator,
# ImportanceResampler, any future one whose fit takes two X samples) get the
# conventions checked here instead, on the instances and data registered in
# skvariance/utils/_test_common.py (TWO_SAMPLE_INIT_PARAMS, TWO_SAMPLE_DATA).

TWO_SAMPLE = list(two_sample_instances())


def test_every_estimator_is_checked():
    for name, cls in all_estimators():
        if is_two_sample(cls):
            assert any(type(e) is cls for e in TWO_SAMPLE), name
        else:
            assert any(type(e) is cls for e in construct_instances(cls)), name


def _required_params(cls):
    from inspect import Parameter, signature

    return {
        name
        for name, p in signature(cls.__init__).parameters.items()
        if name != "self"
        and p.default is Parameter.empty
        and p.kind not in (Parameter.VAR_POSITIONAL, Parameter.VAR_KEYWORD)
    }


@pytest.mark.parametrize(
    "name, cls",
    [(n, c) for n, c in all_estimators() if not is_two_sample(c)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_first_configuration_is_the_defaults(name, cls):
    """scikit-learn's checks run on the defaults a user gets: the first
    registered configuration sets only the parameters without a default (a
    simple base model where one is required), unless the estimator's fit
    cannot be called as fit(X, y), which is written down with its reason."""
    if name in DEFAULTS_EXEMPT:
        assert len(DEFAULTS_EXEMPT[name]) > 40, name
        return
    first = INIT_PARAMS.get(name, [{}])
    assert first, f"{name} has no configuration for the common checks"
    assert set(first[0]) == _required_params(cls), (
        f"{name}: first configuration {sorted(first[0])} is not the defaults "
        f"(required: {sorted(_required_params(cls))})"
    )


def _two_sample_output(fitted, first, second):
    """What a fitted two-sample estimator produces, for comparisons."""
    if hasattr(fitted, "predict"):
        return fitted.predict(first), fitted.predict(second)
    if hasattr(fitted, "select"):
        return (fitted.select(first),)
    if hasattr(fitted, "transform"):
        return fitted.transform(first), fitted.transform(second)
    raise AssertionError(f"{type(fitted).__name__} has nothing to compare.")


def _sample_names(estimator):
    from inspect import signature

    return list(signature(type(estimator).fit).parameters)[1:3]


def _fitted_attributes(estimator):
    return [k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")]


@pytest.mark.parametrize("estimator", TWO_SAMPLE, ids=_ids)
def test_two_sample_clone_and_params_round_trip(estimator):
    est = _seeded(estimator)
    params = est.get_params(deep=False)
    assert not _fitted_attributes(est)
    cloned = clone(est)
    assert {k: repr(v) for k, v in cloned.get_params(deep=False).items()} == {
        k: repr(v) for k, v in params.items()
    }
    # set_params with get_params changes nothing, deep parameters included
    deep = {k: repr(v) for k, v in est.get_params(deep=True).items()}
    est.set_params(**est.get_params(deep=True))
    assert {k: repr(v) for k, v in est.get_params(deep=True).items()} == deep
    # a clone of a fitted instance is unfitted
    first, second = two_sample_data(est)
    fitted = _seeded(estimator).fit(first, second)
    assert _fitted_attributes(fitted)
    assert not _fitted_attributes(clone(fitted))


@pytest.mark.parametrize("estimator", TWO_SAMPLE, ids=_ids)
def test_two_sample_pickle_round_trip(estimator):
    first, second = two_sample_data(estimator)
    fitted = _seeded(estimator).fit(first, second)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same(
        _two_sample_output(fitted, first, second),
        _two_sample_output(restored, first, second),
    )


@pytest.mark.parametrize("estimator", TWO_SAMPLE, ids=_ids)
def test_two_sample_same_random_state_same_output(estimator):
    first, second = two_sample_data(estimator)
    outputs = [
        _two_sample_output(_seeded(estimator).fit(first, second), first, second)
        for _ in range(2)
    ]
    _assert_same(*outputs)


@pytest.mark.parametrize(
    "estimator",
    [e for e in TWO_SAMPLE if "n_jobs" in e.get_params(deep=False)],
    ids=_ids,
)
def test_two_sample_n_jobs_does_not_change_output(estimator):
    first, second = two_sample_data(estimator)
    serial = _seeded(estimator).set_params(n_jobs=1).fit(first, second)
    parallel = _seeded(estimator).set_params(n_jobs=2).fit(first, second)
    _assert_same(
        _two_sample_output(serial, first, second),
        _two_sample_output(parallel, first, second),
    )


@pytest.mark.parametrize("estimator", TWO_SAMPLE, ids=_ids)
def test_two_sample_inputs_and_params_not_mutated(estimator):
    first, second = two_sample_data(estimator)
    first_before, second_before = first.copy(), second.copy()
    est = _seeded(estimator)
    params_before = {k: repr(v) for k, v in est.get_params(deep=True).items()}
    nested_before = [
        v for v in est.get_params(deep=False).values() if hasattr(v, "get_params")
    ]
    _two_sample_output(est.fit(first, second), first, second)
    np.testing.assert_array_equal(first, first_before)
    np.testing.assert_array_equal(second, second_before)
    params_after = {k: repr(v) for k, v in est.get_params(deep=True).items()}
    assert params_after == params_before
    # user sub-estimators are cloned, never fitted in place
    for nested in nested_before:
        assert not _fitted_attributes(nested), type(nested).__name__


def _numeric(estimator):
    first, second = two_sample_data(estimator)
    return isinstance(first, np.ndarray) and first.dtype.kind == "f"


NUMERIC_TWO_SAMPLE = [e for e in TWO_SAMPLE if _numeric(e)]


@pytest.mark.parametrize("estimator", NUMERIC_TWO_SAMPLE, ids=_ids)
@pytest.mark.parametrize("which", [0, 1])
def test_two_sample_rejects_nan_naming_the_sample(estimator, which):
    samples = list(two_sample_data(estimator))
    samples[which] = samples[which].copy()
    samples[which][3, 1] = np.nan
    name = _sample_names(estimator)[which]
    with pytest.raises(ValueError, match=name):
        _seeded(estimator).fit(*samples)


@pytest.mark.parametrize("estimator", NUMERIC_TWO_SAMPLE, ids=_ids)
@pytest.mark.parametrize("which", [0, 1])
def test_two_sample_rejects_wrong_shapes_naming_the_sample(estimator, which):
    names = _sample_names(estimator)
    samples = list(two_sample_data(estimator))
    samples[which] = samples[which][:, 0]
    with pytest.raises(ValueError, match=names[which]):
        _seeded(estimator).fit(*samples)
    # mismatched n_features between the two samples: both are named
    samples = list(two_sample_data(estimator))
    samples[which] = samples[which][:, :-1]
    with pytest.raises(ValueError, match=names[1 - which]) as error:
        _seeded(estimator).fit(*samples)
    assert names[which] in str(error.value)


@pytest.mark.parametrize("estimator", NUMERIC_TWO_SAMPLE, ids=_ids)
def test_two_sample_errors_before_and_after_fit(estimator):
    first, second = two_sample_data(estimator)
    est = _seeded(estimator)
    method = "predict" if hasattr(est, "predict") else "select"
    with pytest.raises(NotFittedError):
        getattr(est, method)(first)
    est.fit(first, second)
    if method == "predict":
        # rows with another number of features than at fit
        with pytest.raises(ValueError, match="features"):
            est.predict(first[:, :-1])
    else:
        # select indexes the pool given to fit: another pool is refused
        with pytest.raises(ValueError, match=_sample_names(est)[0]):
            est.select(first[:-1])

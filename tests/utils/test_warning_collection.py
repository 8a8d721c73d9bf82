"""Warnings of many fits: collected in the workers, re-emitted once with a count."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold

from skvariance.utils.parallel import Parallel, delayed, emit_collected

COUNT = re.compile(r"\(raised in (\d+) of (\d+) fits(; shown once)?\)$")


class _OddWarning(UserWarning):
    """A category whose constructor does not take the message alone."""

    def __init__(self, text, code):
        super().__init__(text, code)


def _warn_some(i):
    if i % 2 == 0:
        warnings.warn("even", UserWarning, stacklevel=1)
        warnings.warn(
            "even", UserWarning, stacklevel=1
        )  # twice in one task: counted once
    warnings.warn("always here", RuntimeWarning, stacklevel=1)
    if i == 3:
        warnings.warn("only three", UserWarning, stacklevel=1)
    return i * i


def _caught(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, caught


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_each_distinct_warning_once_with_the_number_of_tasks(n_jobs):
    out, caught = _caught(
        Parallel(n_jobs=n_jobs), (delayed(_warn_some)(i) for i in range(6))
    )
    assert out == [i * i for i in range(6)]
    got = sorted((w.category.__name__, str(w.message)) for w in caught)
    assert got == [
        ("RuntimeWarning", "always here (raised in 6 of 6 fits; shown once)"),
        ("UserWarning", "even (raised in 3 of 6 fits; shown once)"),
        ("UserWarning", "only three (raised in 1 of 6 fits)"),
    ]
    # the location of the original warning, not of the re-emission
    assert all(w.filename == __file__ for w in caught)


def test_the_callers_filters_apply_to_the_reemitted_warning():
    tasks = [delayed(_warn_some)(i) for i in range(4)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        Parallel(n_jobs=2)(tasks)
    assert {w.category for w in caught} == {UserWarning}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", category=RuntimeWarning)
        with pytest.raises(RuntimeWarning, match=r"always here \(raised in 4 of 4"):
            Parallel(n_jobs=1)(tasks)
    # a filter on the module of the original warning still matches it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module=__name__)
        Parallel(n_jobs=1)(tasks)
    assert caught == []


def test_warnings_module_state_is_restored():
    filters, show = list(warnings.filters), warnings.showwarning
    _caught(Parallel(n_jobs=1), (delayed(_warn_some)(i) for i in range(3)))
    assert warnings.filters == filters and warnings.showwarning is show


def test_tasks_in_threads_record_at_once_without_losing_a_result():
    # several tasks recording at once in one process (threading backend):
    # each warning goes to the task of its thread. scikit-learn's per-task
    # catch_warnings is not thread-safe before Python 3.14, so a warning may
    # escape the count (shown as raised); it is never lost nor misattributed
    # to another message.
    from joblib import parallel_config

    with parallel_config(backend="threading"):
        out, caught = _caught(
            Parallel(n_jobs=4), (delayed(_warn_some)(i) for i in range(40))
        )
    assert out == [i * i for i in range(40)]
    texts = {str(w.message).split(" (raised in ")[0] for w in caught}
    assert texts == {"always here", "even", "only three"}


def test_one_task_and_nested_loops_keep_the_message():
    _, caught = _caught(Parallel(n_jobs=1), [delayed(_warn_some)(3)])
    assert {str(w.message) for w in caught} == {"always here", "only three"}

    def outer(i):
        return sum(Parallel(n_jobs=1)(delayed(_warn_some)(j) for j in range(3)))

    _, caught = _caught(Parallel(n_jobs=1), (delayed(outer)(i) for i in range(5)))
    # counted by the outer loop: the inner loop passes its messages up as is
    assert sorted(str(w.message) for w in caught) == [
        "always here (raised in 5 of 5 fits; shown once)",
        "even (raised in 5 of 5 fits; shown once)",
    ]


def test_category_with_another_constructor_is_kept():
    records = [[(_OddWarning, "odd", __file__, 1)]] * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emit_collected(records)
    assert caught[0].category is _OddWarning
    assert str(caught[0].message.args[0]) == "odd (raised in 2 of 2 fits; shown once)"


def test_sklearn_tasks_pass_through():
    from sklearn.utils.parallel import delayed as sk_delayed

    assert Parallel(n_jobs=1)(sk_delayed(abs)(-i) for i in range(3)) == [0, 1, 2]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_seed_cross_validate_shows_one_convergence_warning_for_50_fits(n_jobs):
    from skvariance.model_selection import seed_cross_validate

    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    model = LogisticRegression(max_iter=2)
    cv = KFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = seed_cross_validate(
            model, X, y, cv=cv, n_seeds=10, random_state=0, n_jobs=n_jobs
        )
    convergence = [w for w in caught if w.category is ConvergenceWarning]
    assert len(convergence) == 1
    assert COUNT.search(str(convergence[0].message)).groups() == (
        "50",
        "50",
        "; shown once",
    )
    # the same scores without the collection: fits one by one, by hand
    seeds = res.seeds
    expected = np.empty((10, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for j, seed in enumerate(seeds):
            for k, (tr, te) in enumerate(cv.split(X, y)):
                m = LogisticRegression(max_iter=2, random_state=int(seed)).fit(
                    X[tr], y[tr]
                )
                expected[j, k] = m.score(X[te], y[te])
    np.testing.assert_array_equal(res.scores["score"], expected)


class _WarningRidge(Ridge):
    """Ridge whose every fit raises a ConvergenceWarning."""

    def fit(self, X, y, sample_weight=None):
        warnings.warn("did not converge", ConvergenceWarning, stacklevel=1)
        return super().fit(X, y, sample_weight=sample_weight)


Xr, yr = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=0)
Xc, yc = make_classification(n_samples=60, n_features=4, random_state=0)
SLOW_LR = LogisticRegression(max_iter=2)


def _call_sites():
    from skvariance.calibration import ConformalClassifier, ConformalRegressor
    from skvariance.ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor
    from skvariance.model_selection import (
        adaptive_compare,
        cheap_bootstrap_ci,
        compare_estimators,
        seed_churn,
    )
    from skvariance.utils.crossfit import check_splits, cross_fit_predict

    lr = SLOW_LR
    splits = check_splits(4, Xr, yr, seed=0)
    return {
        # name: (call, number of fits)
        "compare_estimators": (
            lambda: compare_estimators(
                [lr, DummyClassifier()],
                Xc,
                yc,
                cv=3,
                n_seeds=2,
                random_state=0,
            ),
            12,
        ),
        "cheap_bootstrap_ci": (
            lambda: cheap_bootstrap_ci(lr, Xc, yc, n_resamples=3, random_state=0),
            4,
        ),
        "seed_churn": (
            lambda: seed_churn(lr, Xc, yc, cv=3, n_seeds=2, random_state=0),
            6,
        ),
        "adaptive_compare": (  # two batches, one count over both
            lambda: adaptive_compare(
                [lr, DummyClassifier()],
                Xc,
                yc,
                cv=2,
                max_seeds=4,
                batch_size=2,
                random_state=0,
            ),
            lambda res: sum(res.n_runs.values()),
        ),
        "SeedEnsembleRegressor": (
            lambda: SeedEnsembleRegressor(_WarningRidge(), n_seeds=5).fit(Xr, yr),
            5,
        ),
        "SeedEnsembleClassifier": (
            lambda: SeedEnsembleClassifier(lr, n_seeds=4, random_state=0).fit(Xc, yc),
            4,
        ),
        "cross_fit_predict": (
            lambda: cross_fit_predict(_WarningRidge(), Xr, yr, splits),
            4,
        ),
        "ConformalRegressor-cv_plus": (
            lambda: ConformalRegressor(
                _WarningRidge(), method="cv_plus", cv=3, random_state=0
            ).fit(Xr, yr),
            3,
        ),
        "ConformalRegressor-jackknife_plus_ab": (
            lambda: ConformalRegressor(
                _WarningRidge(),
                method="jackknife_plus_ab",
                n_resamples=20,
                random_state=0,
            ).fit(Xr, yr),
            20,
        ),
        "ConformalClassifier-cv_plus": (
            lambda: ConformalClassifier(lr, method="cv_plus", cv=3, random_state=0).fit(
                Xc, yc
            ),
            3,
        ),
    }


@pytest.mark.parametrize("name", list(_call_sites()))
def test_every_loop_of_fits_shows_a_convergence_warning_once(name):
    call, n_fits = _call_sites()[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    if callable(n_fits):
        n_fits = n_fits(result)
    convergence = [w for w in caught if w.category is ConvergenceWarning]
    assert len(convergence) == 1, [str(w.message) for w in convergence]
    count = COUNT.search(str(convergence[0].message)).groups()
    assert count[1] == str(n_fits)

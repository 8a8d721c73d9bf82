"""Instances and expected failures for the common estimator checks.

Every public estimator is found by :func:`skvariance.utils.discovery.all_estimators`
and checked by ``tests/test_common.py``. An estimator whose constructor needs
arguments (a base ``estimator``, a list of ``estimators``...) or that should be
checked with cheaper settings registers them here, keyed by class name; so does
an estimator that is expected to fail a scikit-learn check, with the reason.
Nothing here is imported by the library at run time.
"""

from __future__ import annotations

from sklearn.base import clone

from .discovery import all_estimators

#: {class name: list of constructor keyword dicts}; estimators not listed are
#: built with their defaults. Estimator values are cloned for every instance.
INIT_PARAMS: dict[str, list[dict]] = {}

#: {class name: {check name: reason}} -- each reason says why the check cannot
#: pass, not merely that it does not. A value may also be a callable taking the
#: instance and returning such a dict, when only some configurations fail.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}

#: {class name: param_grid} for the GridSearchCV integration test; by default
#: the grid is over ``random_state`` (or, failing that, an empty grid).
GRID_PARAMS: dict[str, dict[str, list]] = {}

#: Public functions that take ``n_jobs``: {name: callable(n_jobs) -> result}.
#: ``tests/test_distributed.py`` runs each under a dask LocalCluster and
#: compares the result with ``n_jobs=1``. Families register their functions
#: here (for example ``seed_cross_validate``).
PARALLEL_FUNCTIONS: dict[str, object] = {}


def _clone_params(params: dict) -> dict:
    return {
        key: clone(value) if hasattr(value, "get_params") else value
        for key, value in params.items()
    }


def construct_instances(cls):
    """Yield the instances of ``cls`` that the common checks run on."""
    for params in INIT_PARAMS.get(cls.__name__, [{}]):
        yield cls(**_clone_params(params))


def instances_to_check(type_filter=None):
    """Yield one instance per registered configuration of every estimator."""
    for _, cls in all_estimators(type_filter=type_filter):
        yield from construct_instances(cls)


def expected_failed_checks(estimator) -> dict[str, str]:
    """The ``{check: reason}`` dict for ``parametrize_with_checks``."""
    failures = EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
    return failures(estimator) if callable(failures) else failures


def grid_params(estimator) -> dict[str, list]:
    """A small param grid for the GridSearchCV integration test."""
    name = type(estimator).__name__
    if name in GRID_PARAMS:
        return GRID_PARAMS[name]
    if "random_state" in estimator.get_params(deep=False):
        return {"random_state": [0, 1]}
    return {}


# -- seed family: skvariance.ensemble and skvariance.model_selection ----------
def _register_seed_family():
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    INIT_PARAMS["SeedEnsembleRegressor"] = [
        {"estimator": DecisionTreeRegressor(max_depth=3), "n_seeds": 3},
        {
            "estimator": DecisionTreeRegressor(max_depth=3),
            "n_seeds": 3,
            "aggregation": "median",
        },
    ]
    INIT_PARAMS["SeedEnsembleClassifier"] = [
        {"estimator": DecisionTreeClassifier(max_depth=3), "n_seeds": 3},
        {
            "estimator": DecisionTreeClassifier(max_depth=3),
            "n_seeds": 3,
            "voting": "hard",
        },
    ]
    INIT_PARAMS["SeedSearchCV"] = [
        {
            "estimator": DecisionTreeRegressor(max_features=2),
            "param_grid": {"max_depth": [2, 3]},
            "n_seeds": 2,
            "cv": 2,
            "error_score": "raise",
        },
        {
            "estimator": DecisionTreeClassifier(max_features=2),
            "param_grid": {"max_depth": [2, 3]},
            "n_seeds": 2,
            "cv": 2,
            "aggregation": "iqm",
            "refit_n_seeds": 2,
            "error_score": "raise",
        },
    ]
    PARALLEL_FUNCTIONS["seed_cross_validate"] = _run_seed_cross_validate


def _run_seed_cross_validate(n_jobs):
    from sklearn.datasets import make_classification
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import seed_cross_validate

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    result = seed_cross_validate(
        DecisionTreeClassifier(max_features=2),
        X,
        y,
        cv=3,
        n_seeds=4,
        scoring=["accuracy", "neg_log_loss"],
        n_jobs=n_jobs,
        random_state=0,
        n_bootstrap=200,
    )
    return {
        "scores": result.scores,
        "seeds": result.seeds,
        "components": result.components,
        "components_ci": result.components_ci,
    }


_register_seed_family()


# -- evaluation family: skvariance.model_selection.adaptive_compare -----------
def _run_adaptive_compare(n_jobs):
    from sklearn.datasets import make_classification
    from sklearn.dummy import DummyClassifier
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import adaptive_compare

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    result = adaptive_compare(
        {"tree": DecisionTreeClassifier(max_depth=3), "dummy": DummyClassifier()},
        X,
        y,
        cv=3,
        max_seeds=4,
        batch_size=2,
        n_permutations=200,
        n_jobs=n_jobs,
        random_state=0,
    )
    return {
        "decisions": result.decisions,
        "n_runs": result.n_runs,
        "scores": result.scores,
        "boundaries": result.boundaries,
    }


PARALLEL_FUNCTIONS["adaptive_compare"] = _run_adaptive_compare


# -- resampling family: skvariance.resampling ---------------------------------
def _register_resampling_family():
    from sklearn.linear_model import LogisticRegression

    INIT_PARAMS["ResampledClassifier"] = [
        {"estimator": LogisticRegression()},
        {"estimator": LogisticRegression(), "strategy": "upsample"},
        {"estimator": LogisticRegression(), "strategy": "smote", "k_neighbors": 2},
        {"estimator": LogisticRegression(), "strategy": "undersample"},
    ]
    INIT_PARAMS["SMOTE"] = [{"random_state": 0}]
    INIT_PARAMS["SMOTENC"] = [{"categorical_features": [0], "random_state": 0}]
    EXPECTED_FAILED_CHECKS["SMOTE"] = {
        "check_samplers_pandas_sparse": (
            "dense only: the fused kernels write dense rows, and sparse input "
            "(here a pandas frame of SparseDtype columns) is rejected with a "
            "TypeError instead of being densified silently"
        ),
    }
    random_draws = (
        "the rows drawn (copies, SMOTE partners, kept subsets) depend on the "
        "row count, so integer weights and repeated rows give different random "
        "draws; weights equal repetition only for strategy='upweight'/'none'"
    )
    EXPECTED_FAILED_CHECKS["ResampledClassifier"] = lambda est: (
        {}
        if est.strategy in ("upweight", "none")
        else {
            "check_sample_weight_equivalence_on_dense_data": random_draws,
            "check_sample_weight_equivalence_on_sparse_data": random_draws,
        }
    )
    from sklearn import __version__ as sklearn_version
    from sklearn.utils.fixes import parse_version

    old_sklearn_checks = {}
    if parse_version(sklearn_version) < parse_version("1.7"):
        old_sklearn_checks["check_positive_only_tag_during_fit"] = (
            "scikit-learn 1.6's check casts X to integers for categorical "
            "estimators, then subtracts a float mean in place: the check itself "
            "raises a casting error before SMOTENC is called"
        )
    EXPECTED_FAILED_CHECKS["SMOTENC"] = {
        **old_sklearn_checks,
        "check_samplers_pandas_sparse": EXPECTED_FAILED_CHECKS["SMOTE"][
            "check_samplers_pandas_sparse"
        ],
        "check_samplers_string": (
            "SMOTE-NC needs at least one continuous column (its distance scale "
            "is their median standard deviation); the check passes a single "
            "string column, which gets a clear ValueError"
        ),
    }
    GRID_PARAMS["ResampledClassifier"] = {
        "strategy": ["upweight", "upsample"],
        "temperature": [1.0, float("inf")],
    }
    # the checks feed class labels, often balanced, in which neither built-in
    # relevance ("iqr": no outliers; "density": equal frequencies) finds a
    # rare value; a picklable callable keeps the checks on the sampler itself
    INIT_PARAMS["SMOTER"] = [
        {"relevance": _DistanceFromMedian(), "k_neighbors": 3, "random_state": 0}
    ]
    EXPECTED_FAILED_CHECKS["SMOTER"] = {
        "check_target_type": (
            "a regression sampler: the check requires a continuous target to be "
            "rejected as an unknown label type, SMOTER is built for it"
        ),
        "check_samplers_multiclass_ova": (
            "the check passes a one-hot (n_samples, 3) target; SMOTER resamples "
            "one continuous target and rejects multi-output y with a ValueError"
        ),
        "check_samplers_preserve_dtype": (
            "interpolated targets are not integers, so an int32 target comes "
            "back as float64 (float32 X and float targets keep their dtype)"
        ),
        "check_samplers_pandas_sparse": EXPECTED_FAILED_CHECKS["SMOTE"][
            "check_samplers_pandas_sparse"
        ],
    }


class _DistanceFromMedian:
    """SMOTER relevance for the common checks: |y - median| / its maximum.

    A class with a fixed ``repr`` rather than a function, whose ``repr``
    holds its address and would give the checks different test ids in each
    pytest-xdist worker.
    """

    def __call__(self, y):
        import numpy as np

        distance = np.abs(y - np.median(y))
        return distance / distance.max()

    def __repr__(self):
        return "_DistanceFromMedian()"


_register_resampling_family()


# -- weighting family: skvariance.weighting -----------------------------------
def _register_weighting():
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.tree import DecisionTreeRegressor

    INIT_PARAMS["InverseVarianceEnsembleRegressor"] = [
        {
            "estimators": [
                ("ridge", Ridge()),
                ("tree", DecisionTreeRegressor(max_depth=3)),
            ],
            "cv": 3,
        },
        {
            "estimators": [("lr", LinearRegression()), ("ridge", Ridge(alpha=10.0))],
            "cv": 3,
            "covariance": "full",
            "non_negative": True,
        },
    ]
    # the checks call fit(X, y): the last column of X is the treatment
    INIT_PARAMS["RLearner"] = [
        {"treatment_column": -1, "cv": 3, "random_state": 0},
        {
            "outcome_model": Ridge(),
            "treatment_model": Ridge(),
            "effect_model": LinearRegression(),
            "treatment_column": 0,
            "cv": 3,
        },
    ]
    # fit(X_source, X_target) takes two unlabelled samples, not (X, y): the
    # checks here, which pass 1-d labels as the second argument, do not
    # apply; the conventions (no attributes in __init__, get_params, clone,
    # pickle, same seed same output, n_jobs invariance, no mutation) are
    # tested in tests/weighting/test_density_ratio.py. No instance here.
    INIT_PARAMS["DensityRatioEstimator"] = []
    # fit(X_pool, X_target), two raw samples (text by default): likewise,
    # see tests/weighting/test_importance_resampling.py
    INIT_PARAMS["ImportanceResampler"] = []
    rlearner_folds = {
        "check_sample_weight_equivalence_on_dense_data": (
            "cross-fitting splits the rows into shuffled folds whose membership "
            "depends on the row count, so integer weights and repeated rows give "
            "the spline nuisance models different out-of-fold residuals and "
            "effect-model weights (linear nuisances on the check's data agree)"
        ),
    }
    EXPECTED_FAILED_CHECKS["RLearner"] = lambda est: (
        rlearner_folds if est.outcome_model is None else {}
    )
    fold_dependent = {
        "check_sample_weight_equivalence_on_dense_data": (
            "cross-fitting splits the rows into shuffled folds whose membership "
            "depends on the row count, so integer weights and repeated rows give "
            "a tree member different out-of-fold errors and combination weights "
            "(linear members on the check's data happen to agree)"
        ),
    }
    EXPECTED_FAILED_CHECKS["InverseVarianceEnsembleRegressor"] = lambda est: (
        fold_dependent
        if any(isinstance(m, DecisionTreeRegressor) for _, m in est.estimators)
        else {}
    )

_register_weighting()

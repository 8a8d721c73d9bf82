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

#: {class name: reason} -- estimators whose ``fit`` cannot match ``fit(X, y)``
#: and are therefore not checked with their defaults: the first configuration
#: in ``INIT_PARAMS`` of every other estimator gives only the parameters that
#: have no default (a simple base model where one is required), so
#: scikit-learn's checks run on the defaults users get, and
#: ``tests/test_common.py`` fails when it does not. Two-sample estimators
#: (``fit(X_a, X_b)``, see :func:`is_two_sample`) are exempt by kind.
DEFAULTS_EXEMPT: dict[str, str] = {
    "RLearner": (
        "fit needs a treatment besides (X, y): the treatment keyword or a "
        "treatment_column naming a column of X, which has no default; checked "
        "with treatment_column=-1, everything else at its default"
    ),
}

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
        {"estimator": DecisionTreeRegressor(max_depth=3)},
        {
            "estimator": DecisionTreeRegressor(max_depth=3),
            "n_seeds": 3,
            "aggregation": "median",
        },
    ]
    INIT_PARAMS["SeedEnsembleClassifier"] = [
        {"estimator": DecisionTreeClassifier(max_depth=3)},
        {
            "estimator": DecisionTreeClassifier(max_depth=3),
            "n_seeds": 3,
            "voting": "hard",
        },
    ]
    INIT_PARAMS["SeedSearchCV"] = [
        # the defaults (5 seeds x 5 folds) with a one-point grid: 25 fits a
        # fit instead of 50 made this the slowest configuration of the suite;
        # the configurations below search two candidates
        {"estimator": DecisionTreeRegressor(), "param_grid": {"max_depth": [6]}},
        {
            # all features at every split: check_regressors_train wants a
            # training R^2 > 0.5, which a max_features=2 tree on its 10
            # features reaches for some refit seeds only (0.17 to 0.72)
            "estimator": DecisionTreeRegressor(),
            "param_grid": {"max_depth": [3, 6]},
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
    EXPECTED_FAILED_CHECKS["SeedSearchCV"] = lambda est: (
        {}
        if est.error_score == "raise"
        else {
            "check_dtype_object": (
                "with the default error_score=np.nan a fit that raises on string "
                "features becomes a nan score and a FitFailedWarning, as in "
                "GridSearchCV, where the check wants the error itself (pytest "
                "turns the warning into an error); the error_score='raise' "
                "configuration passes it"
            )
        }
    )
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
        {"estimator": LogisticRegression(), "prior_correction": "cv", "cv": 3},
    ]
    INIT_PARAMS["SMOTE"] = [{}]
    INIT_PARAMS["SMOTENC"] = [{"categorical_features": [0]}]
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
    unseeded = dict.fromkeys(
        [
            "check_samplers_sparse",
            "check_samplers_pandas",
            "check_samplers_pandas_sparse",
            "check_samplers_list",
            "check_samplers_multiclass_ova",
        ],
        "imbalanced-learn's check calls fit_resample twice (dense and sparse, "
        "array and list...) and compares the rows drawn, which needs a fixed "
        "random_state; with the default random_state=None the two calls draw "
        "different rows -- imbalanced-learn's own SMOTE and SMOTENC fail it the "
        "same way unseeded. The seeded configurations pass it",
    )
    INIT_PARAMS["SMOTENC"].append({"categorical_features": [0], "random_state": 0})
    INIT_PARAMS["SMOTE"].append({"random_state": 0})
    EXPECTED_FAILED_CHECKS["SMOTE"] = lambda est: (
        unseeded if est.random_state is None else {}
    )
    EXPECTED_FAILED_CHECKS["SMOTENC"] = lambda est: {
        **(unseeded if est.random_state is None else {}),
        **old_sklearn_checks,
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
    # the imbalanced-learn checks pass class labels (0, 1, 2) as the target:
    # no label lies beyond the boxplot fences of the default "extremes"
    # relevance (nothing is rare, a warning); "density" finds the rarer labels
    INIT_PARAMS["SMOTER"] = [{}, {"random_state": 0, "relevance": "density"}]
    nothing_rare = (
        "the check's target is balanced class labels: with the default "
        "relevance='extremes' no value lies beyond the boxplot fences, so "
        "fit_resample warns that nothing is rare and returns the data unchanged, "
        "and pytest turns the warning into an error (the relevance='density' "
        "configuration below passes the check)"
    )
    smoter_common = {
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
        **dict.fromkeys(
            [
                "check_sampler_get_feature_names_out",
                "check_sampler_get_feature_names_out_pandas",
            ],
            "the check's target is two balanced labels (15 rows each): no value "
            "is rarer than another, so fit_resample warns that it returns the "
            "data unchanged, and pytest turns the warning into an error "
            "(tests/resampling/test_smoter.py checks get_feature_names_out)",
        ),
    }
    EXPECTED_FAILED_CHECKS["SMOTER"] = lambda est: {
        **smoter_common,
        **(
            dict.fromkeys(
                [
                    "check_samplers_fit",
                    "check_samplers_sparse",
                    "check_samplers_pandas",
                    "check_samplers_pandas_sparse",
                    "check_samplers_list",
                ],
                nothing_rare,
            )
            if est.relevance == "extremes"
            else {}
        ),
    }


_register_resampling_family()


# -- comparison family: skvariance.model_selection._compare -------------------
def _comparison_data():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=90, n_features=5, random_state=0)


def _run_compare_estimators(n_jobs):
    from sklearn.dummy import DummyClassifier
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import compare_estimators

    X, y = _comparison_data()
    result = compare_estimators(
        {"tree": DecisionTreeClassifier(max_features=2), "dummy": DummyClassifier()},
        X,
        y,
        cv=3,
        n_seeds=2,
        n_jobs=n_jobs,
        random_state=0,
    )
    return {"scores": result.scores, "seeds": result.seeds}


def _run_paired_ttest_5x2cv(n_jobs):
    from sklearn.dummy import DummyClassifier
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import paired_ttest_5x2cv

    X, y = _comparison_data()
    result = paired_ttest_5x2cv(
        DecisionTreeClassifier(max_features=2),
        DummyClassifier(),
        X,
        y,
        n_jobs=n_jobs,
        random_state=0,
    )
    return {"scores_a": result.scores_a, "statistic": result.statistic}


def _run_cheap_bootstrap_ci(n_jobs):
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import cheap_bootstrap_ci

    X, y = _comparison_data()
    result = cheap_bootstrap_ci(
        DecisionTreeClassifier(max_features=2),
        X,
        y,
        n_resamples=3,
        n_jobs=n_jobs,
        random_state=0,
    )
    return {"replicates": result.replicates, "interval": result.interval}


PARALLEL_FUNCTIONS["compare_estimators"] = _run_compare_estimators
PARALLEL_FUNCTIONS["paired_ttest_5x2cv"] = _run_paired_ttest_5x2cv
PARALLEL_FUNCTIONS["cheap_bootstrap_ci"] = _run_cheap_bootstrap_ci


def _run_seed_churn(n_jobs):
    from sklearn.tree import DecisionTreeClassifier

    from skvariance.model_selection import seed_churn

    X, y = _comparison_data()
    result = seed_churn(
        DecisionTreeClassifier(max_features=2),
        X,
        y,
        cv=3,
        n_seeds=3,
        n_jobs=n_jobs,
        random_state=0,
    )
    return {"predictions": result.predictions, "seeds": result.seeds}


PARALLEL_FUNCTIONS["seed_churn"] = _run_seed_churn


# -- calibration family: skvariance.calibration -------------------------------
def _register_calibration():
    from sklearn.linear_model import LogisticRegression, Ridge

    # first of each list: the defaults with the simplest base model (the
    # quantile regressor's default base model is QuantileRegressor); the
    # checks' small data sets give calibration sets too small for coverage
    # 0.9, which fit accepts (infinite bounds, warned about at predict time
    # only, by predict_interval/predict_set, which the checks never call)
    INIT_PARAMS["ConformalRegressor"] = [
        {},  # estimator=None: LinearRegression
        {"estimator": Ridge(), "method": "cv_plus", "cv": 3, "random_state": 0},
        {
            "estimator": Ridge(),
            "method": "jackknife_plus_ab",
            # enough bootstrap samples that every row is out of bag at least
            # once (a row never out of bag is dropped with a warning)
            "n_resamples": 30,
            "random_state": 0,
        },
    ]
    INIT_PARAMS["ConformalClassifier"] = [
        {},  # estimator=None: LogisticRegression
        {"estimator": LogisticRegression(), "score": "aps", "random_state": 0},
        {
            "estimator": LogisticRegression(),
            "method": "cv_plus",
            "cv": 3,
            "random_state": 0,
        },
    ]
    INIT_PARAMS["ConformalQuantileRegressor"] = [{}]
    random_split = (
        "the calibration split (and the bootstrap samples of "
        "jackknife_plus_ab) are drawn over rows, so integer weights and "
        "repeated rows put different rows in the calibration set; weights "
        "reach the estimator, not the calibration quantile"
    )
    weight_checks = {
        "check_sample_weight_equivalence_on_dense_data": random_split,
        "check_sample_weight_equivalence_on_sparse_data": random_split,
    }
    EXPECTED_FAILED_CHECKS["ConformalRegressor"] = lambda est: (
        {} if est.get_params()["method"] == "cv_plus" else weight_checks
    )
    EXPECTED_FAILED_CHECKS["ConformalClassifier"] = lambda est: (
        {} if est.get_params()["method"] == "cv_plus" else weight_checks
    )
    EXPECTED_FAILED_CHECKS["ConformalQuantileRegressor"] = weight_checks
    # the default estimator is None (a LinearRegression / LogisticRegression
    # inside), so the grid is over the base model itself
    GRID_PARAMS["ConformalRegressor"] = {"estimator": [None, Ridge(alpha=10.0)]}
    GRID_PARAMS["ConformalClassifier"] = {
        "estimator": [None, LogisticRegression(C=0.1)]
    }


_register_calibration()


def _register_venn_abers():
    INIT_PARAMS["VennAbersClassifier"] = [
        {},  # estimator=None: LogisticRegression, method="inductive"
        {"method": "cross", "cv": 3, "random_state": 0},
    ]
    EXPECTED_FAILED_CHECKS["VennAbersClassifier"] = {
        "check_methods_subset_invariance": (
            "the isotonic fits jump at every calibration score and a test "
            "score equal to a calibration score is pooled with it (as "
            "IsotonicRegression pools ties); the check predicts calibration "
            "rows, whose LogisticRegression scores differ by 1 ulp between "
            "a batch and a smaller batch, so they leave or join the tie"
        ),
    }


_register_venn_abers()


# -- quantile family: skvariance.quantile -------------------------------------
def _register_quantile():
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import QuantileRegressor

    from skvariance.quantile import KNNQuantileRegressor

    def gbr():
        return GradientBoostingRegressor(
            loss="quantile", n_estimators=5, max_depth=2, random_state=0
        )

    INIT_PARAMS["MultiQuantileRegressor"] = [{"estimator": gbr()}]
    # the defaults (n_neighbors="auto") and a small explicit k
    INIT_PARAMS["KNNQuantileRegressor"] = [{}, {"n_neighbors": 5}]

    def bases():
        # two nearest-neighbour quantile models: 6 x 7 gradient-boosting fits
        # per aggregator fit made these checks the slowest of the suite (the
        # aggregator, not its base models, is what they check)
        return [
            ("knn3", KNNQuantileRegressor(n_neighbors=3)),
            ("knn_auto", KNNQuantileRegressor()),
        ]

    def wrapped_bases():
        # a single-quantile model, which the aggregator wraps per level
        return [
            ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
            ("knn", KNNQuantileRegressor(n_neighbors=3)),
        ]

    INIT_PARAMS["QuantileAggregator"] = [
        {"estimators": bases()},
        {"estimators": bases(), "quantiles": (0.1, 0.5, 0.9), "cv": 3},
        {
            "estimators": wrapped_bases(),
            "quantiles": (0.1, 0.5, 0.9),
            "weighting": "local",
            "conformalize": True,
            "monotonize": "isotonic",
            "cv": 3,
        },
    ]
    two_d = (
        "predict returns (n_samples, n_quantiles), one column per quantile level "
        "(the family's contract), while the check requires the shape of y"
    )
    regressors_train = {
        "check_regressors_train": two_d,
        "check_regressors_train(readonly_memmap=True)": two_d,
        "check_regressors_train(readonly_memmap=True,X_dtype=float32)": two_d,
    }
    # X reaches the estimator as given, so a sparse X works with a model that
    # takes it (GradientBoostingRegressor), and predict's 2-d output meets
    # the same shape assertion
    EXPECTED_FAILED_CHECKS["MultiQuantileRegressor"] = {
        **regressors_train,
        "check_estimator_sparse_array": two_d,
        "check_estimator_sparse_matrix": two_d,
    }
    EXPECTED_FAILED_CHECKS["KNNQuantileRegressor"] = {
        **regressors_train,
        "check_sample_weight_equivalence_on_dense_data": (
            "repeated rows take neighbour slots while weights do not change "
            "which points are neighbours, so integer weights differ from repetition"
        ),
    }
    EXPECTED_FAILED_CHECKS["QuantileAggregator"] = {
        **regressors_train,
        "check_sample_weight_equivalence_on_dense_data": (
            "the out-of-fold predictions the weights are fitted on come from "
            "folds over rows: repeated rows change the folds (and a copy of a row "
            "can sit in its own training fold), so weights differ from repetition"
        ),
    }
    GRID_PARAMS["MultiQuantileRegressor"] = {"estimator__max_depth": [1, 2]}
    GRID_PARAMS["KNNQuantileRegressor"] = {"n_neighbors": [3, 5]}
    GRID_PARAMS["QuantileAggregator"] = {"weighting": ["global", "per_quantile"]}
    PARALLEL_FUNCTIONS["monotonize"] = _run_monotonize


def _run_monotonize(n_jobs):
    import numpy as np

    from skvariance.quantile import monotonize

    q = np.random.RandomState(0).normal(size=(500, 9))
    return monotonize(q, "isotonic", n_jobs=n_jobs)


_register_quantile()


# -- weighting family: skvariance.weighting -----------------------------------
def _register_weighting():
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.tree import DecisionTreeRegressor

    INIT_PARAMS["InverseVarianceEnsembleRegressor"] = [
        {"estimators": [("lr", LinearRegression()), ("ridge", Ridge())]},
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
    # the checks call fit(X, y): the last column of X is the treatment, a
    # real-valued dose ("auto" accepts 0/1 treatments only)
    INIT_PARAMS["RLearner"] = [
        {
            "treatment_column": -1,
            "treatment_type": "continuous",
            "cv": 3,
            "random_state": 0,
        },
        {
            "outcome_model": Ridge(),
            "treatment_model": Ridge(),
            "effect_model": LinearRegression(),
            "treatment_column": 0,
            "treatment_type": "continuous",
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
    # X reaches the models as given; on sparse X Ridge solves iteratively
    # (tolerance 1e-4), so weighted and repeated rows agree to ~1e-7 only
    ridge_sparse = {
        "check_sample_weight_equivalence_on_sparse_data": (
            "Ridge fits sparse input with an iterative solver whose tolerance "
            "leaves relative differences of about 1e-7 between integer weights "
            "and repeated rows (dense Ridge is exact and passes)"
        ),
    }
    EXPECTED_FAILED_CHECKS["RLearner"] = lambda est: (
        rlearner_folds if est.outcome_model is None else ridge_sparse
    )
    fold_dependent = {
        "check_sample_weight_equivalence_on_dense_data": (
            "cross-fitting splits the rows into shuffled folds whose membership "
            "depends on the row count, so integer weights and repeated rows give "
            "the members different out-of-fold errors and combination weights "
            "(with linear members and covariance='full' the check's data happen "
            "to agree, so the check may pass there)"
        ),
    }
    # the members take sparse X as given, with the same fold dependence
    fold_dependent["check_sample_weight_equivalence_on_sparse_data"] = fold_dependent[
        "check_sample_weight_equivalence_on_dense_data"
    ]
    EXPECTED_FAILED_CHECKS["InverseVarianceEnsembleRegressor"] = lambda est: (
        fold_dependent
        if est.covariance != "full"
        or any(isinstance(m, DecisionTreeRegressor) for _, m in est.estimators)
        else {}
    )


_register_weighting()


# -- two-sample estimators: fit(X_first, X_second) on two unlabelled samples ---
# scikit-learn's checks call fit(X, y) and cannot run on them (they are
# registered above with no instance); tests/test_common.py checks their
# conventions (clone, params, pickle, seeds, n_jobs, no mutation, input
# errors) on the instances and data below. An estimator is of this kind when
# the first two parameters of its fit are both named ``X...``.

#: {class name: list of constructor keyword dicts} for the two-sample checks;
#: estimators not listed are checked with their defaults.
TWO_SAMPLE_INIT_PARAMS: dict[str, list[dict]] = {}

#: {class name: callable(seed) -> (first, second)}: the two samples to fit on,
#: when the default of :func:`two_sample_data` does not suit the estimator.
TWO_SAMPLE_DATA: dict[str, object] = {}


def is_two_sample(cls) -> bool:
    """Whether ``cls.fit`` takes two samples, ``fit(X_a, X_b)``, not ``(X, y)``."""
    from inspect import signature

    fit = getattr(cls, "fit", None)
    if fit is None:
        return False
    names = list(signature(fit).parameters)[1:3]
    return len(names) == 2 and all(name.startswith("X") for name in names)


def two_sample_instances():
    """Yield one instance per registered configuration of every two-sample
    estimator."""
    for _, cls in all_estimators():
        if is_two_sample(cls):
            for params in TWO_SAMPLE_INIT_PARAMS.get(cls.__name__, [{}]):
                yield cls(**_clone_params(params))


def two_sample_data(estimator, seed=0):
    """The two samples the checks fit ``estimator`` on.

    By default two numeric samples with the same 3 columns, the second one's
    first column shifted by 0.5.
    """
    import numpy as np

    hook = TWO_SAMPLE_DATA.get(type(estimator).__name__)
    if hook is not None:
        return hook(seed)
    rng = np.random.RandomState(seed)
    first = rng.normal(size=(120, 3))
    second = rng.normal(size=(80, 3))
    second[:, 0] += 0.5
    return first, second


def _register_two_sample():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import KBinsDiscretizer, StandardScaler

    from ..weighting import DensityRatioEstimator

    TWO_SAMPLE_INIT_PARAMS["DensityRatioEstimator"] = [
        {"cv": 3},
        {"classifier": LogisticRegression(), "cv": 3, "clip": 5.0},
        # fixed uLSIF hyperparameters: no cross-validated search, fast
        {"method": "ulsif", "bandwidth": 1.0, "regularization": 0.1, "n_centers": 20},
        {"method": "ulsif", "n_centers": 20, "cv": 3},
    ]
    TWO_SAMPLE_INIT_PARAMS["ImportanceResampler"] = [
        # the default HashingVectorizer wants text; count features for tables
        {
            "transformer": KBinsDiscretizer(
                n_bins=4, encode="onehot", strategy="uniform"
            ),
            "n_samples": 30,
        },
        {
            "transformer": StandardScaler(),
            "importance": "classifier",
            "density_ratio": DensityRatioEstimator(LogisticRegression(), cv=3),
            "n_samples": 0.25,
        },
    ]


_register_two_sample()

"""Utilities: seeds, input validation and discovery shared by every family."""

from ._seeds import (
    derive_seeds,
    random_state_params,
    set_random_state,
    warn_if_unseeded,
)
from .intervals import (
    coverage_columns,
    default_coverage,
    gaussian_interval,
    interval_levels,
    predict_gaussian_interval,
    stack_interval,
    symmetric_coverages,
)
from .metadata import accepts_sample_weight, sample_weight_params
from .parallel import fit_estimator
from .stats import conformal_rank, weighted_quantile
from .validation import (
    check_confidence_level,
    check_coverage,
    check_estimator_method,
    check_groups,
    check_n_jobs,
    check_positive_int,
    check_quantile_levels,
    check_sample_weight,
    check_sample_weight_support,
    passthrough_X,
    validate_passthrough,
)

__all__ = [
    "accepts_sample_weight",
    "check_confidence_level",
    "check_coverage",
    "check_estimator_method",
    "check_groups",
    "check_n_jobs",
    "check_positive_int",
    "check_quantile_levels",
    "check_sample_weight",
    "check_sample_weight_support",
    "conformal_rank",
    "coverage_columns",
    "default_coverage",
    "derive_seeds",
    "fit_estimator",
    "gaussian_interval",
    "interval_levels",
    "predict_gaussian_interval",
    "random_state_params",
    "sample_weight_params",
    "set_random_state",
    "stack_interval",
    "symmetric_coverages",
    "passthrough_X",
    "validate_passthrough",
    "warn_if_unseeded",
    "weighted_quantile",
]

"""Utilities: seeds, input validation and discovery shared by every family."""

from ._seeds import (
    derive_seeds,
    random_state_params,
    set_random_state,
    warn_if_unseeded,
)
from .metadata import accepts_sample_weight, sample_weight_params
from .parallel import fit_estimator
from .stats import conformal_rank, weighted_quantile
from .validation import (
    check_coverage,
    check_estimator_method,
    check_groups,
    check_n_jobs,
    check_positive_int,
    check_quantile_levels,
    check_sample_weight,
    check_sample_weight_support,
)

__all__ = [
    "accepts_sample_weight",
    "check_coverage",
    "check_estimator_method",
    "check_groups",
    "check_n_jobs",
    "check_positive_int",
    "check_quantile_levels",
    "check_sample_weight",
    "check_sample_weight_support",
    "conformal_rank",
    "derive_seeds",
    "fit_estimator",
    "random_state_params",
    "sample_weight_params",
    "set_random_state",
    "warn_if_unseeded",
    "weighted_quantile",
]

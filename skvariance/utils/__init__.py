"""Utilities: seeds, input validation and discovery shared by every family."""

from ._seeds import derive_seeds, random_state_params, set_random_state
from .stats import weighted_quantile
from .validation import (
    check_coverage,
    check_estimator_method,
    check_groups,
    check_positive_int,
    check_quantile_levels,
    check_sample_weight,
    check_sample_weight_support,
)

__all__ = [
    "check_coverage",
    "check_estimator_method",
    "check_groups",
    "check_positive_int",
    "check_quantile_levels",
    "check_sample_weight",
    "check_sample_weight_support",
    "derive_seeds",
    "random_state_params",
    "set_random_state",
    "weighted_quantile",
]

"""Seed-aware cross-validation and search, and sequential model comparison."""

from ._adaptive import AdaptiveCompareResult, adaptive_compare
from ._seed_cv import (
    SeedCVResult,
    seed_cross_validate,
    variance_components,
    variance_components_ci,
)
from ._seed_search import SeedSearchCV

__all__: list[str] = [
    "AdaptiveCompareResult",
    "adaptive_compare",
    "SeedCVResult",
    "SeedSearchCV",
    "seed_cross_validate",
    "variance_components",
    "variance_components_ci",
]

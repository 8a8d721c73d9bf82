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

from ._cheap_bootstrap import CheapBootstrapResult, cheap_bootstrap_ci
from ._churn import SeedChurnResult, seed_churn
from ._compare import (
    CompareEstimatorsResult,
    PairedCVTestResult,
    combined_ftest_5x2cv,
    compare_estimators,
    paired_ttest_5x2cv,
)
from ._importance import HyperparameterImportanceResult, hyperparameter_importance

__all__ += [
    "CheapBootstrapResult",
    "CompareEstimatorsResult",
    "PairedCVTestResult",
    "cheap_bootstrap_ci",
    "combined_ftest_5x2cv",
    "compare_estimators",
    "paired_ttest_5x2cv",
    "SeedChurnResult",
    "seed_churn",
    "HyperparameterImportanceResult",
    "hyperparameter_importance",
]

from ._benchmark import BenchmarkResult, benchmark_estimators  # noqa: E402

__all__ += ["BenchmarkResult", "benchmark_estimators"]

from ._compare import MultiMetricCompareResult  # noqa: E402

__all__ += ["MultiMetricCompareResult"]

"""matplotlib Displays for skvariance results (needs the plot extra)."""

from ._evaluation import (
    IntervalEstimatesDisplay,
    PerformanceProfileDisplay,
    ProbabilityOfImprovementDisplay,
)
from ._seed_variance import SeedVarianceDisplay

__all__: list[str] = [
    "IntervalEstimatesDisplay",
    "PerformanceProfileDisplay",
    "ProbabilityOfImprovementDisplay",
    "SeedVarianceDisplay",
]

from ._comparison import CriticalDifferenceDisplay, HyperparameterImportanceDisplay

__all__ += ["CriticalDifferenceDisplay", "HyperparameterImportanceDisplay"]

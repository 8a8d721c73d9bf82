"""matplotlib Displays for skvariance results (needs the plot extra)."""

from ._coverage import CoverageDisplay
from ._evaluation import (
    IntervalEstimatesDisplay,
    PerformanceProfileDisplay,
    ProbabilityOfImprovementDisplay,
)
from ._seed_variance import SeedVarianceDisplay

__all__: list[str] = [
    "CoverageDisplay",
    "IntervalEstimatesDisplay",
    "PerformanceProfileDisplay",
    "ProbabilityOfImprovementDisplay",
    "SeedVarianceDisplay",
]

from ._comparison import CriticalDifferenceDisplay, HyperparameterImportanceDisplay

__all__ += ["CriticalDifferenceDisplay", "HyperparameterImportanceDisplay"]

from ._bayesian import BayesianPosteriorDisplay  # noqa: E402

__all__ += ["BayesianPosteriorDisplay"]

from ._reliability import ReliabilityDisplay  # noqa: E402

__all__ += ["ReliabilityDisplay"]

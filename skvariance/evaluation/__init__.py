"""Statistics of scores: IQM, bootstrap CIs, probability of improvement.

Scores are arrays of shape (n_runs, n_tasks) -- runs are seeds, tasks are
data sets or cross-validation folds -- or dicts name -> array, as in rliable.
"""

from ._bootstrap import BootstrapCI, BootstrapCIDict, bootstrap_ci
from ._statistics import (
    iqm,
    optimality_gap,
    performance_profile,
    probability_of_improvement,
)

__all__ = [
    "BootstrapCI",
    "BootstrapCIDict",
    "bootstrap_ci",
    "iqm",
    "optimality_gap",
    "performance_profile",
    "probability_of_improvement",
]

"""Statistics of scores: IQM, bootstrap CIs, probability of improvement.

Scores are arrays of shape (n_runs, n_tasks) -- runs are seeds, tasks are
data sets or cross-validation folds -- or dicts name -> array, as in rliable.
"""

from ._bootstrap import bootstrap_ci
from ._profile import performance_profile
from ._statistics import iqm, optimality_gap, probability_of_improvement
from ._validation import check_scores
from .base import BootstrapCI, BootstrapCIDict

__all__ = [
    "BootstrapCI",
    "BootstrapCIDict",
    "bootstrap_ci",
    "check_scores",
    "iqm",
    "optimality_gap",
    "performance_profile",
    "probability_of_improvement",
]

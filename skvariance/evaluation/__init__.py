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

from ._comparison import (
    BayesianTTestResult,
    FriedmanNemenyiResult,
    FTestResult,
    McNemarResult,
    TTestResult,
    adjust_pvalues,
    bayesian_correlated_ttest,
    corrected_resampled_ttest,
    friedman_nemenyi,
    ftest_5x2cv,
    mcnemar_test,
    ttest_5x2cv,
)

__all__ += [
    "BayesianTTestResult",
    "FTestResult",
    "FriedmanNemenyiResult",
    "McNemarResult",
    "TTestResult",
    "adjust_pvalues",
    "bayesian_correlated_ttest",
    "corrected_resampled_ttest",
    "friedman_nemenyi",
    "ftest_5x2cv",
    "mcnemar_test",
    "ttest_5x2cv",
]

from ._bayesian import (  # noqa: E402
    BayesianHierarchicalResult,
    BayesianSignedRankResult,
    bayesian_hierarchical_test,
    bayesian_signed_rank_test,
)

__all__ += [
    "BayesianHierarchicalResult",
    "BayesianSignedRankResult",
    "bayesian_hierarchical_test",
    "bayesian_signed_rank_test",
]

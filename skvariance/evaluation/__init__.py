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

from ._label_efficient import (  # noqa: E402
    ScoreCIResult,
    StratifiedSample,
    StratifiedScoreResult,
    control_variate_ci,
    neyman_allocation,
    prediction_powered_ci,
    stratified_sample,
    stratified_score_ci,
)

__all__ += [
    "ScoreCIResult",
    "StratifiedSample",
    "StratifiedScoreResult",
    "control_variate_ci",
    "neyman_allocation",
    "prediction_powered_ci",
    "stratified_sample",
    "stratified_score_ci",
]

from ._active import (  # noqa: E402
    ActiveTester,
    ActiveTestingResult,
    active_testing_estimate,
)

__all__ += ["ActiveTester", "ActiveTestingResult", "active_testing_estimate"]

from ._across_datasets import (  # noqa: E402
    ConoverResult,
    ControlComparisonResult,
    EffectSizeResult,
    WilcoxonResult,
    compare_to_control,
    conover_posthoc,
    effect_size,
    wilcoxon_test,
)

__all__ += [
    "ConoverResult",
    "ControlComparisonResult",
    "EffectSizeResult",
    "WilcoxonResult",
    "compare_to_control",
    "conover_posthoc",
    "effect_size",
    "wilcoxon_test",
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

"""Interval and quantile scores, and scorers for model selection."""

from ._conformal_scorers import (
    make_coverage_constrained_width_scorer,
    neg_coverage_constrained_width_scorer,
    neg_mean_set_size_scorer,
    set_coverage_scorer,
)
from ._scorers import (
    coverage_scorer,
    neg_interval_score_scorer,
    neg_mean_interval_width_scorer,
    neg_pinball_loss_scorer,
    neg_weighted_interval_score_scorer,
)
from ._scores import (
    coverage_score,
    interval_score,
    mean_interval_width,
    pinball_loss,
    weighted_interval_score,
)

__all__ = [
    "coverage_score",
    "coverage_scorer",
    "interval_score",
    "make_coverage_constrained_width_scorer",
    "mean_interval_width",
    "neg_coverage_constrained_width_scorer",
    "neg_interval_score_scorer",
    "neg_mean_interval_width_scorer",
    "neg_mean_set_size_scorer",
    "neg_pinball_loss_scorer",
    "neg_weighted_interval_score_scorer",
    "pinball_loss",
    "set_coverage_scorer",
    "weighted_interval_score",
]

from ._churn import (
    churn,
    negative_flip_rate,
    seed_disagreement,
    seed_flip_probability,
)

__all__ += [
    "churn",
    "negative_flip_rate",
    "seed_disagreement",
    "seed_flip_probability",
]

from ._calibration_error import calibration_error, reliability_bins  # noqa: E402

__all__ += ["calibration_error", "reliability_bins"]

from ._conditional_coverage import (  # noqa: E402
    coverage_by_group,
    size_stratified_coverage,
    worst_slab_coverage,
)

__all__ += ["coverage_by_group", "size_stratified_coverage", "worst_slab_coverage"]

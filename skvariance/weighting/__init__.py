"""Inverse-variance weighting, the R-learner and covariate-shift importance weights."""

__all__: list[str] = []

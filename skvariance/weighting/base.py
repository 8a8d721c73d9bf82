"""Shared pieces of the weighting family: default sub-models and docstrings.

Every estimator of :mod:`skvariance.weighting` that needs out-of-fold
predictions (residuals for a variance model, member errors for a covariance,
nuisance residuals for the R-learner, domain probabilities for density
ratios) gets them from the package's one cross-fitting owner,
:func:`skvariance.utils.crossfit.cross_fit_predict`, and routes fit metadata
with :func:`skvariance.utils.metadata.route_fit_params`; both are re-exported
here for the family's modules.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

from ..utils._seeds import MAX_SEED
from ..utils.crossfit import check_splits, cross_fit_predict, fit_with_weights
from ..utils.metadata import build_router, route_fit_params, routing_enabled

__all__ = [
    "CV_DOC",
    "N_JOBS_DOC",
    "RANDOM_STATE_DOC",
    "build_router",
    "check_splits",
    "cross_fit_predict",
    "derive_seed",
    "fill_doc",
    "fit_with_weights",
    "route_fit_params",
    "smooth_classifier",
    "smooth_regressor",
]

CV_DOC = """cv : int, cross-validation generator or iterable, default=5
        How the rows are split for cross-fitting. An int ``k`` gives a
        shuffled :class:`~sklearn.model_selection.KFold` (stratified for
        classification targets) seeded from ``random_state``. The test folds
        must partition the rows: every row gets exactly one out-of-fold
        prediction."""

N_JOBS_DOC = """n_jobs : int, default=None
        Folds fitted in parallel through :class:`sklearn.utils.parallel.Parallel`
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context,
        ``-1`` all cores, ``0`` is rejected). The result does not depend on
        ``n_jobs`` or on the joblib backend."""

RANDOM_STATE_DOC = """random_state : int, RandomState instance or None, default=None
        Seeds the shuffled folds and every nested ``random_state`` of the
        cloned sub-estimators. Pass an int for reproducible output."""


def smooth_regressor():
    """The family's default non-linear regressor: additive cubic splines + RidgeCV.

    Five knots per feature, the ridge penalty chosen by efficient
    leave-one-out: smooth, milliseconds to fit, deterministic, and free of
    OpenMP threads that would fight the cross-fitting workers. Its ridge
    requests ``sample_weight`` when metadata routing is enabled.
    """
    splines = SplineTransformer(n_knots=5, degree=3)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13))
    if routing_enabled():
        splines.set_fit_request(sample_weight=False)
        ridge.set_fit_request(sample_weight=True)
    return make_pipeline(splines, ridge)


def smooth_classifier():
    """The family's default classifier: logistic regression on cubic splines.

    An additive model of the log-odds fitted by maximum likelihood, whose
    probabilities are calibrated when that model holds.
    """
    splines = SplineTransformer(n_knots=5, degree=3)
    logistic = LogisticRegression(C=1.0, max_iter=1000)
    if routing_enabled():
        splines.set_fit_request(sample_weight=False)
        logistic.set_fit_request(sample_weight=True)
    return make_pipeline(splines, logistic)


def fill_doc(cls):
    """Replace ``{cv}``, ``{n_jobs}`` and ``{random_state}`` in ``cls.__doc__``.

    Plain replacement rather than ``str.format``, so LaTeX braces in the
    docstrings need no escaping.
    """
    for key, text in (
        ("{cv}", CV_DOC),
        ("{n_jobs}", N_JOBS_DOC),
        ("{random_state}", RANDOM_STATE_DOC),
    ):
        cls.__doc__ = cls.__doc__.replace(key, text)
    return cls


def derive_seed(rng) -> int:
    """One integer seed drawn from a ``RandomState``."""
    return int(rng.randint(MAX_SEED))

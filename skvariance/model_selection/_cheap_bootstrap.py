"""Lam's cheap bootstrap interval for a model's test score."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_random_state, indexable
from sklearn.utils.multiclass import type_of_target

from ..utils._seeds import derive_seeds, set_random_state
from ..utils.parallel import Parallel, check_verbose, delayed, report
from ..utils.validation import (
    check_confidence_level,
    check_n_jobs,
    check_positive_int,
)
from ._fitting import check_probability, check_target, fit_and_score, route_params

__all__ = ["CheapBootstrapResult", "cheap_bootstrap_ci"]


@dataclass(eq=False)
class CheapBootstrapResult:
    """Outcome of :func:`cheap_bootstrap_ci`.

    Attributes
    ----------
    estimate : float
        Test score of the model fitted on the whole training set.
    low, high : float
        The interval :math:`\\hat\\psi \\mp t_{B, 1-\\alpha/2} S`.
    std_error : float
        :math:`S = \\sqrt{\\sum_b (\\psi^*_b - \\hat\\psi)^2 / B}`.
    replicates : ndarray of shape (n_resamples,)
        Score of each refit on a resample.
    seeds : ndarray of shape (n_resamples + 1,)
        Seed of the full fit (first) and of each refit.
    confidence_level : float
        Level of the interval.
    """

    estimate: float
    low: float
    high: float
    std_error: float
    replicates: np.ndarray = field(repr=False)
    seeds: np.ndarray = field(repr=False)
    confidence_level: float = 0.95

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``."""
        return (self.low, self.high)

    def to_frame(self):
        """The interval as a one-row pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(
            {
                "estimate": [self.estimate],
                "low": [self.low],
                "high": [self.high],
                "std_error": [self.std_error],
                "n_resamples": [len(self.replicates)],
                "confidence_level": [self.confidence_level],
            }
        )


def cheap_bootstrap_ci(
    estimator,
    X,
    y,
    *,
    X_test=None,
    y_test=None,
    test_size: float = 0.25,
    n_resamples: int = 5,
    scoring=None,
    confidence_level: float = 0.95,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
    verbose: int = 0,
) -> CheapBootstrapResult:
    """Lam's cheap bootstrap interval for a model's test score.

    The model is fitted on the training set and scored on the test set:
    :math:`\\hat\\psi`. Then, ``n_resamples`` = :math:`B` times, the
    training rows and the test rows are each resampled with replacement, a
    clone with a fresh seed is fitted on the training resample and scored on
    the test resample: :math:`\\psi^*_b`. The interval

    .. math:: \\hat\\psi \\pm t_{B, 1-\\alpha/2}
        \\sqrt{\\textstyle\\sum_b (\\psi^*_b - \\hat\\psi)^2 / B}

    uses a Student t quantile with :math:`B` degrees of freedom, so it is
    valid with as few as one to five refits. It covers the variance from
    the test set, from the training set and from the seed, unlike an
    interval from one fitted model's test predictions.

    Parameters
    ----------
    estimator : estimator object
        The model; cloned for every fit.
    X : array-like of shape (n_samples, n_features)
        Training data, or all data when ``X_test`` is None.
    y : array-like of shape (n_samples,)
        Target of ``X``.
    X_test, y_test : array-like, default=None
        A held-out test set. When None, ``X, y`` are split once with
        ``test_size`` (stratified for classifiers).
    test_size : float, default=0.25
        Fraction held out when ``X_test`` is None, in (0, 1).
    n_resamples : int, default=5
        Number of refits :math:`B` (>= 1).
    scoring : str, callable or None, default=None
        One metric; ``None`` uses the estimator's ``score``.
    confidence_level : float, default=0.95
        Level of the interval, in (0, 1).
    n_jobs : int, default=None
        Parallel refits; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the split, the resamples and the seeds.
    params : dict, default=None
        Fit parameters indexed like ``X`` (``sample_weight`` handled as in
        :func:`compare_estimators`); they reach ``fit`` only, never the
        scorer.
    verbose : int, default=0
        Progress: ``0`` prints nothing; ``1`` and more print the number of
        fits, then joblib's progress messages (more of them as ``verbose``
        grows, as in scikit-learn). Results do not depend on it.

    Returns
    -------
    result : CheapBootstrapResult
        ``estimate``, ``low``, ``high``, ``std_error``, ``replicates``.

    See Also
    --------
    skvariance.evaluation.bootstrap_ci : intervals of scores already computed.

    References
    ----------
    .. [1] Lam, H. "Cheap Bootstrap for Input Uncertainty Quantification",
       Winter Simulation Conference, 2022; Lam, H. and Liu, Z. "Bootstrap in
       High Dimension with Low Computation", ICML 2023.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skvariance.model_selection import cheap_bootstrap_ci
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = cheap_bootstrap_ci(
    ...     RandomForestClassifier(n_estimators=20), X, y, n_resamples=4,
    ...     random_state=0,
    ... )
    >>> bool(res.low < res.estimate < res.high), res.replicates.shape
    (True, (4,))
    """
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator {type(estimator).__name__} has no fit method.")
    n_resamples = check_positive_int(n_resamples, name="n_resamples")
    confidence_level = check_confidence_level(confidence_level)
    n_jobs = check_n_jobs(n_jobs)
    verbose = check_verbose(verbose)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together.")
    X, y = indexable(X, y)
    check_target(y)
    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, n_resamples + 1)
    scorer = check_scoring(estimator, scoring=scoring)
    fit, _, _ = route_params(
        "cheap_bootstrap_ci", ["estimator"], [estimator], [None], None, params, None
    )
    n = len(y)
    if X_test is None:
        test_size = check_probability(test_size, "test_size")
        n_test = int(round(test_size * n))
        if n_test < 1 or n_test >= n:
            raise ValueError(
                f"test_size={test_size} leaves {n_test} test rows out of {n}; "
                "choose a test_size that keeps both sets non-empty."
            )
        split_seed = int(derive_seeds(rng, 1, exclude=seeds)[0])
        stratify = is_classifier(estimator) and type_of_target(y) in (
            "binary",
            "multiclass",
        )
        kind = StratifiedShuffleSplit if stratify else ShuffleSplit
        splitter = kind(n_splits=1, test_size=n_test, random_state=split_seed)
        train_idx, test_idx = next(splitter.split(np.zeros((n, 1)), y))
        X_te, y_te = X, y
    else:
        X_test, y_test = indexable(X_test, y_test)
        check_target(y_test)
        if len(y_test) != len(X_test):
            raise ValueError(
                f"X_test and y_test differ in length: {len(X_test)} and {len(y_test)}."
            )
        train_idx, test_idx = np.arange(n), np.arange(len(y_test))
        X_te, y_te = X_test, y_test
    draws = [
        (
            np.sort(rng.choice(train_idx, size=train_idx.size, replace=True)),
            np.sort(rng.choice(test_idx, size=test_idx.size, replace=True)),
        )
        for _ in range(n_resamples)
    ]
    jobs = [(train_idx, test_idx), *draws]
    report(
        verbose, "cheap_bootstrap_ci", f"{len(jobs)} fits (1 + {n_resamples} resamples)"
    )
    out = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(fit_and_score)(
            set_random_state(clone(estimator), int(seed)),
            X,
            y,
            tr,
            te,
            scorer,
            fit[0],
            X_test=X_te,
            y_test=y_te,
        )
        for seed, (tr, te) in zip(seeds, jobs)
    )
    estimate, replicates = out[0], np.asarray(out[1:])
    if not np.all(np.isfinite(out)):
        raise ValueError("a fit gave a non-finite score; check the scorer and data.")
    std_error = float(np.sqrt(np.mean((replicates - estimate) ** 2)))
    half = stats.t.ppf(0.5 + confidence_level / 2, n_resamples) * std_error
    return CheapBootstrapResult(
        estimate=float(estimate),
        low=float(estimate - half),
        high=float(estimate + half),
        std_error=std_error,
        replicates=replicates,
        seeds=seeds,
        confidence_level=confidence_level,
    )

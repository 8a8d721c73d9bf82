"""Prediction churn: how many predictions change with the seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state, indexable

from ..utils._seeds import derive_seeds, set_random_state
from ..utils.crossfit import make_splitter
from ..utils.parallel import Parallel, delayed
from ..utils.validation import check_n_jobs, check_positive_int
from ._fitting import check_target, fit_and_score, route_params

__all__ = ["SeedChurnResult", "seed_churn"]


@dataclass(eq=False)
class SeedChurnResult:
    """Outcome of :func:`seed_churn`.

    Attributes
    ----------
    predictions : ndarray of shape (n_seeds, n_samples)
        Out-of-fold prediction of every sample under every seed (the folds
        are the same for every seed).
    flip_probability : ndarray of shape (n_samples,)
        Per sample, the probability that two different seeds predict
        differently (:func:`~skvariance.metrics.seed_flip_probability`).
    disagreement : float
        Its mean: the expected churn between two seeds.
    negative_flip_rate : float
        Mean over ordered pairs of distinct seeds of
        :func:`~skvariance.metrics.negative_flip_rate`: the share of samples
        a model gets right that a retrained model with another seed gets
        wrong.
    accuracy : ndarray of shape (n_seeds,)
        Out-of-fold accuracy of each seed.
    seeds : ndarray of shape (n_seeds,)
        Seed of each row.
    """

    predictions: np.ndarray = field(repr=False)
    flip_probability: np.ndarray = field(repr=False)
    disagreement: float
    negative_flip_rate: float
    accuracy: np.ndarray
    seeds: np.ndarray = field(repr=False)

    def to_frame(self):
        """One-row pandas DataFrame: churn, negative flips and seed accuracy."""
        import pandas as pd

        return pd.DataFrame(
            {
                "n_seeds": [len(self.accuracy)],
                "disagreement": [self.disagreement],
                "negative_flip_rate": [self.negative_flip_rate],
                "accuracy_mean": [float(np.mean(self.accuracy))],
                "accuracy_std": [float(np.std(self.accuracy, ddof=1))],
            }
        )


def seed_churn(
    estimator,
    X,
    y,
    *,
    cv=5,
    n_seeds: int = 5,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
) -> SeedChurnResult:
    """How many predictions change when a classifier is retrained with another seed.

    Out-of-fold predictions of every sample are computed under ``n_seeds``
    seeds on the *same* folds, so only the model's randomness changes
    between rows. From them: each sample's flip probability, the expected
    disagreement (churn) between two seeds and the expected negative flip
    rate (right before, wrong after retraining).

    Parameters
    ----------
    estimator : classifier
        Cloned for every fit, every nested ``random_state`` set from the
        seed.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Class labels.
    cv : int, cross-validation generator or iterable, default=5
        With an int, shuffled stratified folds drawn once from
        ``random_state`` and shared by every seed.
    n_seeds : int, default=5
        Seeds (>= 2).
    n_jobs : int, default=None
        Parallel fits; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the seeds and of the folds.
    params : dict, default=None
        Fit parameters such as ``sample_weight``, handled as in
        :func:`compare_estimators`.

    Returns
    -------
    result : SeedChurnResult
        ``flip_probability``, ``disagreement``, ``negative_flip_rate``,
        ``accuracy`` and the ``predictions``.

    See Also
    --------
    skvariance.metrics.seed_flip_probability : the same on member predictions
        of a fitted :class:`~skvariance.ensemble.SeedEnsembleClassifier`.

    References
    ----------
    .. [1] Schumann, R. et al. "Backward Compatibility During Data Updates by
       Weight Interpolation", EACL 2024.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skvariance.model_selection import seed_churn
    >>> X, y = make_classification(n_samples=200, flip_y=0.1, random_state=0)
    >>> res = seed_churn(RandomForestClassifier(n_estimators=10), X, y,
    ...                  cv=3, n_seeds=4, random_state=0)
    >>> res.predictions.shape, bool(0 < res.disagreement < 0.5)
    ((4, 200), True)
    """
    from ..metrics import negative_flip_rate, seed_flip_probability

    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator {type(estimator).__name__} has no fit method.")
    n_seeds = check_positive_int(n_seeds, name="n_seeds", minimum=2)
    n_jobs = check_n_jobs(n_jobs)
    X, y = indexable(X, y)
    check_target(y)
    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, n_seeds)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must give at least 2 folds, got cv={cv}.")
        split_seed = int(derive_seeds(rng, 1, exclude=seeds)[0])
    else:
        split_seed = None
    splitter = make_splitter(
        cv, y, classifier=is_classifier(estimator), random_state=split_seed
    )
    fit, _, split = route_params(
        "seed_churn", ["estimator"], [estimator], [None], splitter, params, None
    )
    folds = list(splitter.split(X, y, **split))
    out = Parallel(n_jobs=n_jobs)(
        delayed(fit_and_score)(
            set_random_state(clone(estimator), int(seed)),
            X,
            y,
            train,
            test,
            None,
            fit[0],
        )
        for seed in seeds
        for train, test in folds
    )
    y_arr = np.asarray(y)
    predictions = np.empty((n_seeds, len(y_arr)), dtype=np.asarray(out[0]).dtype)
    covered = np.zeros(len(y_arr), dtype=int)
    for t, pred in enumerate(out):
        j, k = divmod(t, len(folds))
        predictions[j, folds[k][1]] = pred
        if j == 0:
            covered[folds[k][1]] += 1
    if np.any(covered != 1):
        raise ValueError(
            "cv must put every sample in exactly one test fold (a partition, as "
            "KFold does) to compare out-of-fold predictions."
        )
    nfr = [
        negative_flip_rate(y_arr, predictions[i], predictions[j])
        for i in range(n_seeds)
        for j in range(n_seeds)
        if i != j
    ]
    flip = seed_flip_probability(predictions)
    return SeedChurnResult(
        predictions=predictions,
        flip_probability=flip,
        disagreement=float(flip.mean()),
        negative_flip_rate=float(np.mean(nfr)),
        accuracy=np.mean(predictions == y_arr, axis=1),
        seeds=seeds,
    )

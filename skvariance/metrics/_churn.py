"""Prediction churn: flips between two models and disagreement across seeds."""

from __future__ import annotations

import numpy as np

__all__ = [
    "churn",
    "negative_flip_rate",
    "seed_disagreement",
    "seed_flip_probability",
]


def _labels(values, name) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one label per sample), got {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty.")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; a label is missing.")
    return arr


def _weights(sample_weight, n) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight has shape {w.shape}, expected ({n},).")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative, not all zero.")
    return w


def _same_length(arrays: dict):
    lengths = {name: arr.shape[0] for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"inputs differ in length: {lengths}.")


def negative_flip_rate(y_true, y_pred_old, y_pred_new, *, sample_weight=None) -> float:
    """Fraction of samples the old model got right and the new one gets wrong.

    The negative flip rate measures regressions a user notices when a model
    is replaced (retrained on more data, with another seed, another
    algorithm): even if the new model is more accurate overall, samples that
    used to be right and are now wrong erode trust.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred_old, y_pred_new : array-like of shape (n_samples,)
        Labels predicted by the old and the new model.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; the rate is the weighted fraction.

    Returns
    -------
    rate : float
        In [0, 1].

    See Also
    --------
    churn : disagreement whatever the true label.
    seed_flip_probability : per-sample flips between models fitted with
        different seeds.

    References
    ----------
    .. [1] Yan, S. et al. "Positive-Congruent Training: Towards
       Regression-Free Model Updates", CVPR 2021.
    .. [2] Schumann, R. et al. "Backward Compatibility During Data Updates by
       Weight Interpolation", EACL 2024.

    Examples
    --------
    >>> from skvariance.metrics import negative_flip_rate
    >>> negative_flip_rate([0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0])
    0.25
    """
    y = _labels(y_true, "y_true")
    old = _labels(y_pred_old, "y_pred_old")
    new = _labels(y_pred_new, "y_pred_new")
    _same_length({"y_true": y, "y_pred_old": old, "y_pred_new": new})
    w = _weights(sample_weight, y.shape[0])
    flips = (old == y) & (new != y)
    return float(np.sum(w * flips) / np.sum(w))


def churn(y_pred_a, y_pred_b, *, sample_weight=None) -> float:
    """Fraction of samples on which two models predict different labels.

    Parameters
    ----------
    y_pred_a, y_pred_b : array-like of shape (n_samples,)
        Labels predicted by the two models on the same samples.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; the churn is the weighted fraction.

    Returns
    -------
    churn : float
        In [0, 1]; symmetric in the two models.

    See Also
    --------
    negative_flip_rate : only the flips from right to wrong.
    seed_disagreement : the expected churn between two seeds.

    References
    ----------
    .. [1] Milani Fard, M. et al. "Launch and Iterate: Reducing Prediction
       Churn", NeurIPS 2016.

    Examples
    --------
    >>> from skvariance.metrics import churn
    >>> churn(["a", "b", "b", "c"], ["a", "b", "c", "a"])
    0.5
    """
    a = _labels(y_pred_a, "y_pred_a")
    b = _labels(y_pred_b, "y_pred_b")
    _same_length({"y_pred_a": a, "y_pred_b": b})
    w = _weights(sample_weight, a.shape[0])
    return float(np.sum(w * (a != b)) / np.sum(w))


def _member_predictions(predictions) -> np.ndarray:
    arr = np.asarray(predictions)
    if arr.ndim != 2:
        raise ValueError(
            "predictions must have shape (n_seeds, n_samples), one row per seed "
            f"(for example SeedEnsembleClassifier.predict_members(X)); got {arr.shape}."
        )
    if arr.shape[0] < 2:
        raise ValueError(
            "predictions needs at least 2 seeds (rows) to disagree, got "
            f"{arr.shape[0]}."
        )
    if arr.shape[1] == 0:
        raise ValueError("predictions has no samples (columns).")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError("predictions contains NaN; a label is missing.")
    return arr


def seed_flip_probability(predictions) -> np.ndarray:
    """Per sample, the probability that two different seeds predict differently.

    With :math:`S` seeds of which :math:`n_c` predict class :math:`c` for a
    sample, the unbiased estimate over distinct pairs of seeds is

    .. math:: 1 - \\sum_c \\frac{n_c (n_c - 1)}{S (S - 1)}.

    A sample at 0 gets the same label whatever the seed; a sample near
    :math:`1 - 1/K` is a coin flip among :math:`K` classes.

    Parameters
    ----------
    predictions : array-like of shape (n_seeds, n_samples)
        Labels predicted by models that differ only by their seed, for
        example ``SeedEnsembleClassifier(...).fit(X, y).predict_members(X_test)``.

    Returns
    -------
    probability : ndarray of shape (n_samples,)
        Flip probability of each sample.

    See Also
    --------
    seed_disagreement : its (weighted) mean over samples.
    skvariance.ensemble.SeedEnsembleClassifier : fits the seed members.

    References
    ----------
    .. [1] Schumann, R. et al. "Backward Compatibility During Data Updates by
       Weight Interpolation", EACL 2024.
    .. [2] Jordan, K. "Calibrated Chaos: Variance Between Runs of Neural
       Network Training is Harmless and Inevitable", 2023.

    Examples
    --------
    >>> from skvariance.metrics import seed_flip_probability
    >>> members = [[0, 1, 1], [0, 1, 0], [0, 0, 1], [0, 1, 1]]
    >>> seed_flip_probability(members).tolist()
    [0.0, 0.5, 0.5]
    """
    arr = _member_predictions(predictions)
    n_seeds = arr.shape[0]
    agree = np.zeros(arr.shape[1])
    for i in range(n_seeds - 1):
        agree += np.sum(arr[i + 1 :] == arr[i], axis=0)
    n_pairs = n_seeds * (n_seeds - 1) / 2
    return 1.0 - agree / n_pairs


def seed_disagreement(predictions, *, sample_weight=None) -> float:
    """Expected churn between the models of two different seeds.

    The mean over samples of :func:`seed_flip_probability`, which equals the
    average of :func:`churn` over all pairs of distinct seeds: the fraction
    of predictions a user would see change if the model were retrained with
    another seed and nothing else.

    Parameters
    ----------
    predictions : array-like of shape (n_seeds, n_samples)
        Labels predicted by models that differ only by their seed.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    disagreement : float
        In [0, 1].

    See Also
    --------
    seed_flip_probability : the same, per sample.

    Examples
    --------
    >>> from skvariance.metrics import seed_disagreement
    >>> members = [[0, 1, 1], [0, 1, 0], [0, 0, 1], [0, 1, 1]]
    >>> round(seed_disagreement(members), 4)
    0.3333
    """
    prob = seed_flip_probability(predictions)
    w = _weights(sample_weight, prob.shape[0])
    return float(np.sum(w * prob) / np.sum(w))

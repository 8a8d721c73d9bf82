"""Point statistics of score matrices: IQM, optimality gap, P(X > Y), profiles."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.stats import trim_mean

from ._validation import check_pair, check_score_array, check_score_dict, is_mapping

__all__ = [
    "iqm",
    "optimality_gap",
    "performance_profile",
    "probability_of_improvement",
]


def _check_any(scores, name="scores") -> np.ndarray:
    try:
        arr = np.asarray(scores, dtype=np.float64)
    except ValueError as exc:
        raise ValueError(
            f"{name} must be a rectangular numeric array ({exc})."
        ) from exc
    if arr.size == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}.")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; scores must be finite.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains infinite scores; scores must be finite.")
    return arr


def iqm(scores, axis: int | None = None):
    """Interquartile mean: the mean of the middle 50% of the scores.

    With ``axis=None`` all ``n_runs * n_tasks`` scores are pooled, sorted, the
    lowest and highest ``int(0.25 * n)`` dropped and the rest averaged --
    ``scipy.stats.trim_mean(scores, 0.25, axis=None)``, rliable's
    ``aggregate_iqm``. It is robust to outlier runs like the median while using
    half of the scores, so it is far less noisy than the median with few runs.

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks) or dict of such arrays
        Scores, higher is better; any shape is accepted for arrays.
    axis : int or None, default=None
        Axis along which to trim; ``None`` pools every score.

    Returns
    -------
    iqm : float, ndarray or dict
        A float for ``axis=None``; a dict name -> result for a dict input.

    See Also
    --------
    bootstrap_ci : confidence interval of the IQM.

    References
    ----------
    R. Agarwal, M. Schwarzer, P. S. Castro, A. Courville, M. G. Bellemare,
    "Deep Reinforcement Learning at the Edge of the Statistical Precipice",
    NeurIPS 2021.

    Examples
    --------
    >>> from skvariance.evaluation import iqm
    >>> iqm([[1.0, 2.0], [3.0, 100.0]])
    2.5
    """
    if is_mapping(scores):
        return {key: iqm(value, axis=axis) for key, value in scores.items()}
    arr = _check_any(scores)
    result = trim_mean(arr, 0.25, axis=axis)
    return float(result) if np.ndim(result) == 0 else result


def optimality_gap(scores, gamma: float = 1.0):
    """Amount by which scores fall short of a target ``gamma``.

    ``gamma - mean(min(scores, gamma))``: scores above ``gamma`` earn nothing
    extra, so the gap measures how often and by how much runs miss the
    target (lower is better).

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks) or dict of such arrays
        Scores, higher is better.
    gamma : float, default=1.0
        Target score (for example 1.0 for accuracy, or a normalised score).

    Returns
    -------
    gap : float or dict
        A dict name -> gap for a dict input.

    See Also
    --------
    bootstrap_ci : confidence interval with ``statistic="optimality_gap"``.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> from skvariance.evaluation import optimality_gap
    >>> optimality_gap([[0.5, 1.2], [0.9, 1.0]])
    0.15
    """
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not np.isfinite(gamma):
        raise TypeError(f"gamma must be a finite real number, got {gamma!r}.")
    if is_mapping(scores):
        return {key: optimality_gap(value, gamma) for key, value in scores.items()}
    arr = _check_any(scores)
    return float(gamma - np.mean(np.minimum(arr, gamma)))


def _probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    greater = (x[:, None, :] > y[None, :, :]).sum(axis=(0, 1))
    ties = (x[:, None, :] == y[None, :, :]).sum(axis=(0, 1))
    per_task = (greater + 0.5 * ties) / (x.shape[0] * y.shape[0])
    return float(np.mean(per_task))


def probability_of_improvement(scores_x, scores_y) -> float:
    """Probability that a run of X beats a run of Y, averaged over tasks.

    For each task, ``P(X > Y) + P(X = Y) / 2`` over all pairs of runs -- the
    Mann-Whitney U statistic divided by ``n_x * n_y`` -- then the mean over
    tasks. 0.5 means no difference; it says how likely X is to win, not by how
    much.

    Parameters
    ----------
    scores_x : array-like of shape (n_runs_x, n_tasks)
        Scores of algorithm X (a 1-d array is one task).
    scores_y : array-like of shape (n_runs_y, n_tasks)
        Scores of algorithm Y, same tasks in the same order.

    Returns
    -------
    probability : float
        In [0, 1].

    See Also
    --------
    bootstrap_ci : confidence interval with
        ``statistic="probability_of_improvement"``.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> from skvariance.evaluation import probability_of_improvement
    >>> probability_of_improvement([3.0, 2.0], [1.0, 2.0])
    0.875
    """
    x, y = check_pair((scores_x, scores_y), name="(scores_x, scores_y)")
    return _probability_of_improvement(x, y)


def _profile(arr: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    return (arr.ravel()[:, None] > thresholds[None, :]).mean(axis=0)


def _check_thresholds(thresholds) -> np.ndarray:
    tau = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if tau.ndim != 1 or tau.size == 0:
        raise ValueError("thresholds must be a float or a non-empty 1-d array.")
    if np.isnan(tau).any():
        raise ValueError("thresholds contains NaN.")
    return tau


def performance_profile(
    scores,
    thresholds,
    *,
    n_resamples: int | None = None,
    confidence_level: float = 0.95,
    stratified: bool = True,
    random_state=None,
):
    """Fraction of runs scoring above each threshold, optionally with bands.

    The run-score distribution ``F(tau) = mean(scores > tau)`` over all runs
    and tasks: a whole curve instead of one aggregate, which shows where one
    algorithm dominates another. With ``n_resamples`` a stratified bootstrap
    (runs resampled within each task) gives pointwise percentile bands.

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks) or dict of such arrays
        Scores, higher is better.
    thresholds : float or array-like of shape (n_thresholds,)
        Thresholds ``tau``.
    n_resamples : int, default=None
        Number of bootstrap resamples for the bands; ``None`` returns only the
        profile.
    confidence_level : float, default=0.95
        Level of the pointwise bands.
    stratified : bool, default=True
        Resample runs within each task (``True``) or whole runs.
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap; the same value gives identical bands.

    Returns
    -------
    profile : ndarray of shape (n_thresholds,), BootstrapCI or dict
        The profile, or with ``n_resamples`` a :class:`BootstrapCI` whose
        ``estimate``, ``low`` and ``high`` are arrays over the thresholds; a
        dict of these for a dict input.

    See Also
    --------
    PerformanceProfileDisplay : plot the profiles with their bands.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> from skvariance.evaluation import performance_profile
    >>> performance_profile([[0.1, 0.5], [0.9, 0.7]], [0.0, 0.6])
    array([1. , 0.5])
    >>> band = performance_profile(
    ...     [[0.1, 0.5], [0.9, 0.7]], [0.6], n_resamples=200, random_state=0
    ... )
    >>> float(band.low[0]) <= 0.5 <= float(band.high[0])
    True
    """
    tau = _check_thresholds(thresholds)
    if n_resamples is not None:
        from ._bootstrap import _profile_ci

        return _profile_ci(
            scores,
            tau,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            stratified=stratified,
            random_state=random_state,
        )
    if is_mapping(scores):
        return {
            key: _profile(arr, tau) for key, arr in check_score_dict(scores).items()
        }
    return _profile(check_score_array(scores), tau)

"""Point statistics of score matrices: IQM, optimality gap, P(X > Y)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.stats import trim_mean

from ._validation import check_pair, is_mapping
from .base import _probability_of_improvement

__all__ = ["iqm", "optimality_gap", "probability_of_improvement"]


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

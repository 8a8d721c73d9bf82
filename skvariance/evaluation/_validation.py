"""Validation of score matrices and dicts of them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["check_scores"]


def check_scores(scores, *, min_runs: int = 1):
    """Validate scores as every function of :mod:`skvariance.evaluation` does.

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks) or dict of such arrays
        Scores; a 1-d array is one task. A dict needs the same number of tasks
        in every array (runs may differ).
    min_runs : int, default=1
        Minimum number of runs (rows) per array.

    Returns
    -------
    scores : ndarray of shape (n_runs, n_tasks) or dict of such arrays
        Finite, C-contiguous float64 copies (a dict keeps its keys and order).

    Raises
    ------
    ValueError
        NaN or infinite scores, an empty or ragged input, more than two
        dimensions, fewer than ``min_runs`` runs, an empty dict or a dict whose
        arrays have different numbers of tasks.
    TypeError
        Non-numeric scores.

    Examples
    --------
    >>> from skvariance.evaluation import check_scores
    >>> check_scores([0.5, 0.7]).shape
    (2, 1)
    >>> check_scores({"a": [[1.0, 2.0]], "b": [[1.0]]})
    Traceback (most recent call last):
    ...
    ValueError: scores is ragged: every array must have the same number of tasks ...
    """
    if is_mapping(scores):
        return check_score_dict(scores, min_runs=min_runs)
    return check_score_array(scores, min_runs=min_runs)


def check_score_array(scores, *, name: str = "scores", min_runs: int = 1) -> np.ndarray:
    """Return ``scores`` as a finite float64 array of shape (n_runs, n_tasks).

    A 1-d array is one task: shape (n_runs, 1).
    """
    try:
        arr = np.asarray(scores)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of shape (n_runs, n_tasks); "
            f"got a ragged sequence ({exc})."
        ) from exc
    if arr.dtype == object:
        raise ValueError(
            f"{name} must be a rectangular numeric array of shape (n_runs, n_tasks); "
            "got a ragged or non-numeric sequence."
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 1-d or 2-d array of shape (n_runs, n_tasks), got "
            f"an array with shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}.")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(
            f"{name} contains NaN: {int(np.isnan(arr).sum())} score(s) are missing; "
            "drop or impute failed runs explicitly before computing statistics."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains infinite scores; scores must be finite.")
    if arr.shape[0] < min_runs:
        raise ValueError(
            f"{name} needs at least {min_runs} runs (rows), got {arr.shape[0]} "
            f"(shape {arr.shape})."
        )
    return arr


def check_score_dict(scores, *, name: str = "scores", min_runs: int = 1) -> dict:
    """Validate a dict name -> score matrix; all with the same number of tasks."""
    if len(scores) == 0:
        raise ValueError(f"{name} is an empty dict; expected name -> score array.")
    out = {
        key: check_score_array(value, name=f"{name}[{key!r}]", min_runs=min_runs)
        for key, value in scores.items()
    }
    n_tasks = {key: arr.shape[1] for key, arr in out.items()}
    if len(set(n_tasks.values())) > 1:
        raise ValueError(
            f"{name} is ragged: every array must have the same number of tasks "
            f"(columns), got {n_tasks}."
        )
    return out


def is_mapping(scores) -> bool:
    return isinstance(scores, Mapping)


def check_pair(pair, *, name: str = "scores", min_runs: int = 1):
    """Validate a pair (scores_x, scores_y) with the same number of tasks."""
    if isinstance(pair, np.ndarray) or not isinstance(pair, (tuple, list)):
        raise TypeError(
            f"{name} must be a pair (scores_x, scores_y) for the probability of "
            f"improvement, got {type(pair).__name__}."
        )
    if len(pair) != 2:
        raise ValueError(
            f"{name} must be a pair (scores_x, scores_y), got {len(pair)} items."
        )
    x = check_score_array(pair[0], name=f"{name}[0]", min_runs=min_runs)
    y = check_score_array(pair[1], name=f"{name}[1]", min_runs=min_runs)
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"{name}: scores_x and scores_y must have the same number of tasks, got "
            f"{x.shape[1]} and {y.shape[1]}."
        )
    return x, y

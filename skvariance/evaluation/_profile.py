"""Performance profiles: score distributions and average-score distributions."""

from __future__ import annotations

import numpy as np

from .._kernels._bootstrap import bootstrap_exceedance, bootstrap_task_mean_exceedance
from ._validation import check_score_array, check_score_dict, is_mapping
from .base import (
    BootstrapCI,
    BootstrapCIDict,
    _check_bool,
    _check_params,
    _draw_seed,
    _interval,
    _profile,
    _ranks,
)

__all__ = ["performance_profile"]

KINDS = ("score", "average")


def _check_thresholds(thresholds) -> np.ndarray:
    try:
        tau = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"thresholds must be a float or a 1-d array of floats ({exc})."
        ) from exc
    if tau.ndim != 1 or tau.size == 0:
        raise ValueError("thresholds must be a float or a non-empty 1-d array.")
    if np.isnan(tau).any():
        raise ValueError("thresholds contains NaN.")
    return tau


def _distribution(arr, thresholds, kind, seed, n_resamples, stratified, tasks):
    out = np.empty((n_resamples, thresholds.size))
    if kind == "score":
        sorted_values, rank = _ranks(arr)
        positions = np.searchsorted(sorted_values, thresholds, side="right")
        return bootstrap_exceedance(
            rank, positions.astype(np.int64), seed, stratified, tasks, out
        )
    # the kernel sweeps ascending thresholds; results go back to the given order
    order = np.argsort(thresholds, kind="stable")
    bootstrap_task_mean_exceedance(
        arr, np.ascontiguousarray(thresholds[order]), seed, stratified, tasks, out
    )
    dist = np.empty_like(out)
    dist[:, order] = out
    return dist


def performance_profile(
    scores,
    thresholds,
    *,
    kind: str = "score",
    n_resamples: int | None = None,
    confidence_level: float = 0.95,
    stratified: bool = True,
    task_bootstrap: bool = False,
    random_state=None,
):
    """Fraction of runs (or of tasks) scoring above each threshold, with bands.

    ``kind="score"`` gives the run-score distribution
    ``F(tau) = mean(scores > tau)`` over all runs and tasks: a whole curve
    instead of one aggregate, which shows where one algorithm dominates
    another. ``kind="average"`` gives the average-score distribution, the
    fraction of tasks whose mean over runs exceeds ``tau`` (rliable's
    ``use_score_distribution=False``); it has fewer points and wider bands.
    With ``n_resamples`` a stratified bootstrap (runs resampled within each
    task, and the tasks too with ``task_bootstrap=True``) gives pointwise
    percentile bands.

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks) or dict of such arrays
        Scores, higher is better.
    thresholds : float or array-like of shape (n_thresholds,)
        Thresholds ``tau``.
    kind : {"score", "average"}, default="score"
        ``"score"``: every (run, task) score counts; ``"average"``: each
        task's mean over runs counts once.
    n_resamples : int, default=None
        Number of bootstrap resamples for the bands; ``None`` returns only the
        profile.
    confidence_level : float, default=0.95
        Level of the pointwise bands.
    stratified : bool, default=True
        Resample runs within each task (``True``) or whole runs.
    task_bootstrap : bool, default=False
        Also resample the tasks with replacement (rliable's
        ``task_bootstrap=True``).
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
    skvariance.plotting.PerformanceProfileDisplay : plot the profiles with their bands.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> from skvariance.evaluation import performance_profile
    >>> performance_profile([[0.1, 0.5], [0.9, 0.7]], [0.0, 0.6])
    array([1. , 0.5])
    >>> performance_profile([[0.1, 0.5], [0.9, 0.7]], [0.0, 0.55], kind="average")
    array([1. , 0.5])
    >>> band = performance_profile(
    ...     [[0.1, 0.5], [0.9, 0.7]], [0.6], n_resamples=200, random_state=0
    ... )
    >>> float(band.low[0]) <= 0.5 <= float(band.high[0])
    True
    """
    tau = _check_thresholds(thresholds)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    if n_resamples is None:
        _check_bool(stratified, "stratified")
        _check_bool(task_bootstrap, "task_bootstrap")
        if is_mapping(scores):
            return {
                key: _profile(arr, tau, kind)
                for key, arr in check_score_dict(scores).items()
            }
        return _profile(check_score_array(scores), tau, kind)

    _check_params(
        "mean", n_resamples, confidence_level, "percentile", stratified, task_bootstrap
    )
    seed = _draw_seed(random_state)

    def one(arr):
        dist = _distribution(
            arr, tau, kind, seed, n_resamples, bool(stratified), bool(task_bootstrap)
        )
        estimate = _profile(arr, tau, kind)
        low, high = _interval(dist, estimate, "percentile", confidence_level, None)
        return BootstrapCI(
            estimate=estimate,
            low=low,
            high=high,
            confidence_level=float(confidence_level),
            method="percentile",
            n_resamples=int(n_resamples),
            statistic="performance_profile" if kind == "score" else "average_profile",
            bootstrap_distribution=dist,
            task_bootstrap=bool(task_bootstrap),
        )

    if is_mapping(scores):
        data = check_score_dict(scores, min_runs=2)
        return BootstrapCIDict({key: one(arr) for key, arr in data.items()})
    return one(check_score_array(scores, min_runs=2))

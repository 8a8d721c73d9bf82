"""Stratified bootstrap confidence intervals for aggregate score statistics."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real

import numpy as np
from scipy.stats import trim_mean

from .._kernels._bootstrap import (
    bootstrap_indices,
    bootstrap_mean,
    bootstrap_median_of_task_means,
    bootstrap_probability_of_improvement,
    bootstrap_trimmed_mean,
)
from ._validation import check_pair, check_score_array, check_score_dict, is_mapping
from .base import (
    BootstrapCI,
    BootstrapCIDict,
    _check_params,
    _draw_seed,
    _interval,
    _pair_inputs,
    _probability_of_improvement,
    _ranks,
)

__all__ = ["bootstrap_ci"]

#: Resamples per block when a Python callable is applied.
_BLOCK = 2048


# --------------------------------------------------------------------------
# statistics: point value, bootstrap distribution, jackknife (for BCa)
# --------------------------------------------------------------------------


def _point(statistic, data, gamma):
    if statistic == "iqm":
        return float(trim_mean(data, 0.25, axis=None))
    if statistic == "mean":
        return float(np.mean(data))
    if statistic == "median":
        return float(np.median(np.mean(data, axis=0)))
    if statistic == "optimality_gap":
        return float(gamma - np.mean(np.minimum(data, gamma)))
    if statistic == "probability_of_improvement":
        return _probability_of_improvement(*data)
    value = np.asarray(statistic(data), dtype=np.float64)
    return float(value) if value.ndim == 0 else value


def _distribution(statistic, data, seed, n_resamples, stratified, tasks, gamma):
    """The statistic on each of ``n_resamples`` resamples (numba where possible).

    ``tasks`` is ``task_bootstrap``: resample tasks as well as runs.
    """
    out = np.empty(n_resamples)
    if statistic == "iqm":
        sorted_values, rank = _ranks(data)
        n = data.size
        lo = int(0.25 * n)
        return bootstrap_trimmed_mean(
            sorted_values, rank, lo, n - lo, seed, stratified, tasks, out
        )
    if statistic == "mean":
        return bootstrap_mean(data, seed, stratified, tasks, out)
    if statistic == "optimality_gap":
        clipped = np.ascontiguousarray(np.minimum(data, gamma))
        return gamma - bootstrap_mean(clipped, seed, stratified, tasks, out)
    if statistic == "median":
        return bootstrap_median_of_task_means(data, seed, stratified, tasks, out)
    if statistic == "probability_of_improvement":
        return bootstrap_probability_of_improvement(
            *_pair_inputs(*data), seed, stratified, tasks, out
        )
    # A Python callable on materialised resamples, block by block; the indices
    # come from the same counter-based generator as the kernels.
    n_runs, n_tasks = data.shape
    values = []
    for start in range(0, n_resamples, _BLOCK):
        size = min(_BLOCK, n_resamples - start)
        idx = np.empty((size, n_runs, n_tasks), dtype=np.int64)
        slots = np.empty((size, n_tasks), dtype=np.int64)
        bootstrap_indices(seed, start, n_runs, n_tasks, stratified, tasks, idx, slots)
        for resample in data[idx, slots[:, None, :]]:
            values.append(np.asarray(statistic(resample), dtype=np.float64))
    return np.asarray(values)


def _jackknife(statistic, data, gamma):
    """Leave-one-run-out values, one array per sample (runs are the units)."""
    if statistic == "probability_of_improvement":
        x, y = data
        return [
            np.array(
                [
                    _point(statistic, (np.delete(x, i, axis=0), y), gamma)
                    for i in range(x.shape[0])
                ]
            ),
            np.array(
                [
                    _point(statistic, (x, np.delete(y, j, axis=0)), gamma)
                    for j in range(y.shape[0])
                ]
            ),
        ]
    return [
        np.array(
            [
                np.asarray(_point(statistic, np.delete(data, i, axis=0), gamma))
                for i in range(data.shape[0])
            ]
        )
    ]


# --------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------


def _check_no_nan(values, name, what):
    """Raise if the statistic gave NaN on any sample: no silent NaN interval."""
    bad = np.isnan(values).reshape(values.shape[0], -1).any(axis=1)
    n_bad = int(bad.sum())
    if n_bad:
        raise ValueError(
            f"statistic {name!r} returned NaN on {n_bad} of {values.shape[0]} "
            f"{what}; the interval would be NaN or would silently drop them. "
            "Make the statistic return a number for every resample (for "
            "example guard a division or a constant-column case)."
        )
    return values


def _one(
    data,
    statistic,
    name,
    seed,
    n_resamples,
    confidence_level,
    method,
    stratified,
    task_bootstrap,
    gamma,
):
    estimate = _point(statistic, data, gamma)
    if np.any(np.isnan(estimate)):
        raise ValueError(
            f"statistic {name!r} returned NaN on the observed scores; a callable "
            "statistic must return a number for every (resampled) score matrix."
        )
    dist = _distribution(
        statistic,
        data,
        seed,
        n_resamples,
        bool(stratified),
        bool(task_bootstrap),
        gamma,
    )
    _check_no_nan(dist, name, "bootstrap resamples")
    low, high = _interval(
        dist,
        estimate,
        method,
        confidence_level,
        lambda: [
            _check_no_nan(theta, name, "leave-one-run-out (jackknife) samples")
            for theta in _jackknife(statistic, data, gamma)
        ],
    )
    return BootstrapCI(
        estimate=estimate,
        low=low,
        high=high,
        confidence_level=float(confidence_level),
        method=method,
        n_resamples=int(n_resamples),
        statistic=name,
        bootstrap_distribution=dist,
        task_bootstrap=bool(task_bootstrap),
    )


def bootstrap_ci(
    scores,
    statistic: str | Callable = "iqm",
    *,
    n_resamples: int = 50_000,
    confidence_level: float = 0.95,
    method: str = "percentile",
    stratified: bool = True,
    task_bootstrap: bool = False,
    gamma: float = 1.0,
    random_state: None | int | np.random.RandomState = None,
) -> BootstrapCI | BootstrapCIDict:
    """Stratified bootstrap confidence interval of an aggregate score statistic.

    With few runs per task, a point estimate of the aggregate hides how much it
    would move with other seeds. Each resample draws, **within each task**,
    ``n_runs`` runs with replacement (stratified bootstrap), recomputes the
    statistic, and the interval is read off the resulting distribution. The
    resampling and the built-in statistics run in numba kernels with a
    counter-based random generator: the same ``random_state`` gives
    bit-identical intervals on every call and for any number of threads.

    Parameters
    ----------
    scores : array-like of shape (n_runs, n_tasks), dict, or pair
        Scores (higher is better), for example the ``test_score`` of
        ``cross_validate`` over several seeds (runs x folds) or over data sets.
        A dict name -> array gives one interval per algorithm (all with the
        same number of tasks). For ``statistic="probability_of_improvement"``
        pass a pair ``(scores_x, scores_y)`` or a dict name -> pair.
    statistic : {"iqm", "mean", "median", "optimality_gap", \
"probability_of_improvement"} or callable, default="iqm"
        ``"iqm"``: interquartile mean of all scores; ``"mean"``: mean of all
        scores; ``"median"``: median over tasks of the per-task mean (as in
        rliable); ``"optimality_gap"``: ``gamma - mean(min(scores, gamma))``;
        ``"probability_of_improvement"``: average over tasks of
        ``P(X > Y) + P(X = Y) / 2``, the two algorithms resampled
        independently. A callable receives a resampled (n_runs, n_tasks)
        array and returns a float or a 1-d array (evaluated in Python: slower).
    n_resamples : int, default=50_000
        Number of bootstrap resamples (>= 1).
    confidence_level : float, default=0.95
        Nominal coverage, strictly between 0 and 1.
    method : {"percentile", "basic", "bc", "bca"}, default="percentile"
        Percentile interval, basic (reverse percentile) interval,
        bias-corrected percentile interval (rliable's and arch's ``"bc"``), or
        bias-corrected and accelerated interval (acceleration from the
        leave-one-run-out jackknife).
    stratified : bool, default=True
        ``True`` resamples runs independently within each task; ``False``
        resamples whole runs (rows), keeping each run's scores together.
    task_bootstrap : bool, default=False
        Also resample the tasks with replacement (rliable's
        ``task_bootstrap=True``): each task slot holds a task drawn at random,
        with its runs resampled as ``stratified`` says. The interval then also
        covers the choice of tasks, as if they were drawn from a larger
        population of tasks; without it, it covers only the choice of runs
        (seeds) on these tasks. For ``"probability_of_improvement"`` the two
        algorithms share the drawn tasks.
    gamma : float, default=1.0
        Target of the optimality gap.
    random_state : int, RandomState instance or None, default=None
        One integer seed is drawn from it; every algorithm of a dict uses that
        seed, so an algorithm's interval does not depend on the others.

    Returns
    -------
    result : BootstrapCI or BootstrapCIDict
        ``estimate``, ``low``, ``high`` (and the bootstrap distribution); for a
        dict input a mapping name -> :class:`BootstrapCI` whose ``estimate``,
        ``low`` and ``high`` are dicts.

    Raises
    ------
    ValueError
        NaN or infinite scores, a ragged dict, fewer than 2 runs,
        ``confidence_level`` outside (0, 1), ``n_resamples < 1``; a callable
        ``statistic`` that returns NaN on the scores or on any resample (or,
        for ``"bca"``, on any leave-one-run-out sample): the message says on
        how many. No resample is dropped.

    See Also
    --------
    iqm, optimality_gap, probability_of_improvement, performance_profile
    skvariance.plotting.IntervalEstimatesDisplay : plot the intervals of
        several algorithms.

    Notes
    -----
    Built-in statistics avoid per-resample sorting: a resample is held as
    counts over the scores sorted once, so the IQM is a windowed sum and the
    probability of improvement a pass over cumulative counts (see
    ``skvariance/_kernels/_bootstrap.py``). For "bc" and "bca" the bias
    correction uses the fraction of resamples below the estimate with ties
    counted half (arch counts only those strictly below; the two agree unless
    the statistic takes the estimate's exact value on many resamples); a
    fraction of 0 or 1 is clipped to half a resample from the edge, where
    arch raises an error.

    References
    ----------
    R. Agarwal, M. Schwarzer, P. S. Castro, A. Courville, M. G. Bellemare,
    "Deep Reinforcement Learning at the Edge of the Statistical Precipice",
    NeurIPS 2021.

    B. Efron, "Better Bootstrap Confidence Intervals", JASA 82 (1987).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import bootstrap_ci
    >>> rng = np.random.RandomState(0)
    >>> scores = rng.normal(0.8, 0.05, size=(10, 3))
    >>> ci = bootstrap_ci(scores, "iqm", n_resamples=2000, random_state=0)
    >>> bool(ci.low < ci.estimate < ci.high)
    True
    >>> ci.low == bootstrap_ci(scores, "iqm", n_resamples=2000, random_state=0).low
    True
    >>> res = bootstrap_ci({"a": scores, "b": scores + 0.1}, "mean",
    ...                    n_resamples=2000, random_state=0)
    >>> sorted(res.estimate)
    ['a', 'b']

    Resampling the tasks too widens the interval:

    >>> wide = bootstrap_ci(scores, "iqm", n_resamples=2000, method="bc",
    ...                     task_bootstrap=True, random_state=0)
    >>> bool(wide.high - wide.low > ci.high - ci.low)
    True
    """
    _check_params(
        statistic, n_resamples, confidence_level, method, stratified, task_bootstrap
    )
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not np.isfinite(gamma):
        raise TypeError(f"gamma must be a finite real number, got {gamma!r}.")
    name = (
        statistic
        if isinstance(statistic, str)
        else getattr(statistic, "__name__", type(statistic).__name__)
    )
    seed = _draw_seed(random_state)
    pairwise = statistic == "probability_of_improvement"
    args = dict(
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        method=method,
        stratified=stratified,
        task_bootstrap=task_bootstrap,
        gamma=gamma,
    )
    if is_mapping(scores):
        if len(scores) == 0:
            raise ValueError("scores is an empty dict; expected name -> scores.")
        if pairwise:
            data = {
                key: check_pair(value, name=f"scores[{key!r}]", min_runs=2)
                for key, value in scores.items()
            }
        else:
            data = check_score_dict(scores, min_runs=2)
        return BootstrapCIDict(
            {
                key: _one(value, statistic, name, seed, **args)
                for key, value in data.items()
            }
        )
    if pairwise:
        data = check_pair(scores, min_runs=2)
    else:
        data = check_score_array(scores, min_runs=2)
    return _one(data, statistic, name, seed, **args)

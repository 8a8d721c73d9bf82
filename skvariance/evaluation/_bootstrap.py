"""Stratified bootstrap confidence intervals for aggregate score statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import trim_mean
from sklearn.utils import check_random_state

from .._kernels._bootstrap import (
    bootstrap_exceedance,
    bootstrap_indices,
    bootstrap_mean,
    bootstrap_median_of_task_means,
    bootstrap_probability_of_improvement,
    bootstrap_trimmed_mean,
)
from ..utils._seeds import MAX_SEED
from ._statistics import _probability_of_improvement, _profile
from ._validation import check_pair, check_score_array, check_score_dict, is_mapping

__all__ = ["BootstrapCI", "BootstrapCIDict", "bootstrap_ci"]

STATISTICS = ("iqm", "mean", "median", "optimality_gap", "probability_of_improvement")
METHODS = ("percentile", "basic", "bca")

#: Resamples per block when a Python callable is applied.
_BLOCK = 2048


@dataclass(eq=False)
class BootstrapCI:
    """A point estimate with a bootstrap confidence interval.

    Attributes
    ----------
    estimate : float or ndarray
        The statistic on the observed scores.
    low, high : float or ndarray
        Bounds of the interval (arrays for vector-valued statistics).
    confidence_level : float
        Nominal coverage of the interval.
    method : str
        ``"percentile"``, ``"basic"`` or ``"bca"``.
    n_resamples : int
        Number of bootstrap resamples.
    statistic : str
        Name of the statistic (a callable's ``__name__``).
    bootstrap_distribution : ndarray of shape (n_resamples,) or \
(n_resamples, n_outputs)
        The statistic on every resample.
    """

    estimate: float | np.ndarray
    low: float | np.ndarray
    high: float | np.ndarray
    confidence_level: float
    method: str
    n_resamples: int
    statistic: str
    bootstrap_distribution: np.ndarray = field(repr=False)

    @property
    def interval(self) -> tuple:
        """``(low, high)``."""
        return self.low, self.high


class BootstrapCIDict(Mapping):
    """Bootstrap intervals of several algorithms: a mapping name -> BootstrapCI.

    ``estimate``, ``low`` and ``high`` give dicts name -> value, so a result is
    read either as ``result["A"].low`` or ``result.low["A"]``.
    """

    def __init__(self, results: dict[str, BootstrapCI]):
        self._results = dict(results)

    def __getitem__(self, key) -> BootstrapCI:
        return self._results[key]

    def __iter__(self) -> Iterator:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        body = ", ".join(f"{k!r}: {v!r}" for k, v in self._results.items())
        return f"BootstrapCIDict({{{body}}})"

    @property
    def estimate(self) -> dict:
        return {k: r.estimate for k, r in self._results.items()}

    @property
    def low(self) -> dict:
        return {k: r.low for k, r in self._results.items()}

    @property
    def high(self) -> dict:
        return {k: r.high for k, r in self._results.items()}


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


def _ranks(arr: np.ndarray):
    """Global sorted values of ``arr`` and the sorted position of each entry."""
    flat = arr.ravel()
    order = np.argsort(flat, kind="stable")
    rank = np.empty(flat.size, dtype=np.int64)
    rank[order] = np.arange(flat.size)
    return np.ascontiguousarray(flat[order]), rank.reshape(arr.shape)


def _pair_inputs(x: np.ndarray, y: np.ndarray):
    """Per-task ranks of x and y and, for sorted x, counts of smaller y."""
    x_order = np.argsort(x, axis=0, kind="stable")
    y_order = np.argsort(y, axis=0, kind="stable")
    x_rank = np.empty(x.shape, dtype=np.int64)
    y_rank = np.empty(y.shape, dtype=np.int64)
    np.put_along_axis(x_rank, x_order, np.arange(x.shape[0])[:, None], axis=0)
    np.put_along_axis(y_rank, y_order, np.arange(y.shape[0])[:, None], axis=0)
    xs = np.take_along_axis(x, x_order, axis=0)
    ys = np.take_along_axis(y, y_order, axis=0)
    y_less = np.empty(x.shape, dtype=np.int64)
    y_equal = np.empty(x.shape, dtype=np.int64)
    for t in range(x.shape[1]):
        y_less[:, t] = np.searchsorted(ys[:, t], xs[:, t], side="left")
        y_equal[:, t] = np.searchsorted(ys[:, t], xs[:, t], side="right")
    return x_rank, y_rank, y_less, y_equal


def _distribution(statistic, data, seed, n_resamples, stratified, gamma):
    """The statistic on each of ``n_resamples`` resamples (numba where possible)."""
    out = np.empty(n_resamples)
    if statistic == "iqm":
        sorted_values, rank = _ranks(data)
        n = data.size
        lo = int(0.25 * n)
        return bootstrap_trimmed_mean(
            sorted_values, rank, lo, n - lo, seed, stratified, out
        )
    if statistic == "mean":
        return bootstrap_mean(data, seed, stratified, out)
    if statistic == "optimality_gap":
        clipped = np.ascontiguousarray(np.minimum(data, gamma))
        return gamma - bootstrap_mean(clipped, seed, stratified, out)
    if statistic == "median":
        return bootstrap_median_of_task_means(data, seed, stratified, out)
    if statistic == "probability_of_improvement":
        return bootstrap_probability_of_improvement(
            *_pair_inputs(*data), seed, stratified, out
        )
    # A Python callable on materialised resamples, block by block; the indices
    # come from the same counter-based generator as the kernels.
    n_runs, n_tasks = data.shape
    columns = np.arange(n_tasks)
    values = []
    for start in range(0, n_resamples, _BLOCK):
        size = min(_BLOCK, n_resamples - start)
        idx = np.empty((size, n_runs, n_tasks), dtype=np.int64)
        bootstrap_indices(seed, start, n_runs, n_tasks, stratified, idx)
        for resample in data[idx, columns]:
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


def _interval(dist, estimate, method, confidence_level, jackknife):
    alpha = 1.0 - confidence_level
    levels = np.array([alpha / 2, 1 - alpha / 2])
    if method == "percentile":
        low, high = np.quantile(dist, levels, axis=0)
    elif method == "basic":
        q_low, q_high = np.quantile(dist, levels, axis=0)
        low, high = 2 * estimate - q_high, 2 * estimate - q_low
    else:  # bca
        n = dist.shape[0]
        below = (np.sum(dist < estimate, axis=0) + np.sum(dist <= estimate, axis=0)) / (
            2.0 * n
        )
        # An estimate outside the bootstrap distribution would give an infinite
        # bias correction; the fraction is kept within half a resample of 0, 1.
        below = np.clip(below, 0.5 / n, 1 - 0.5 / n)
        z0 = ndtri(below)
        nums, dens = 0.0, 0.0
        for theta in jackknife():
            m = theta.shape[0]
            u = (m - 1) * (theta.mean(axis=0) - theta)
            nums = nums + (u**3).sum(axis=0) / m**3
            dens = dens + (u**2).sum(axis=0) / m**2
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(dens > 0, nums / (6.0 * np.power(dens, 1.5)), 0.0)
        z = ndtri(levels).reshape((2,) + (1,) * np.ndim(estimate))
        adjusted = ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
        if np.ndim(estimate) == 0:
            low, high = np.quantile(dist, adjusted.ravel())
        else:
            low = np.array(
                [np.quantile(dist[:, k], adjusted[0, k]) for k in range(dist.shape[1])]
            )
            high = np.array(
                [np.quantile(dist[:, k], adjusted[1, k]) for k in range(dist.shape[1])]
            )
    if np.ndim(low) == 0:
        return float(low), float(high)
    return np.asarray(low), np.asarray(high)


# --------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------


def _check_params(statistic, n_resamples, confidence_level, method, stratified):
    if isinstance(statistic, str):
        if statistic not in STATISTICS:
            raise ValueError(
                f"statistic must be one of {STATISTICS} or a callable, got "
                f"{statistic!r}."
            )
    elif not callable(statistic):
        raise TypeError(
            f"statistic must be a string or a callable, got {type(statistic).__name__}."
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, Integral):
        raise TypeError(
            f"n_resamples must be an integer >= 1, got {type(n_resamples).__name__}."
        )
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be an integer >= 1, got {n_resamples}.")
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, Real):
        raise TypeError(
            "confidence_level must be a float strictly between 0 and 1, got "
            f"{type(confidence_level).__name__}."
        )
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(
            "confidence_level must be strictly between 0 and 1, got "
            f"{confidence_level}."
        )
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    if not isinstance(stratified, (bool, np.bool_)):
        raise TypeError(f"stratified must be a bool, got {type(stratified).__name__}.")


def _one(
    data,
    statistic,
    name,
    seed,
    n_resamples,
    confidence_level,
    method,
    stratified,
    gamma,
):
    estimate = _point(statistic, data, gamma)
    dist = _distribution(statistic, data, seed, n_resamples, bool(stratified), gamma)
    low, high = _interval(
        dist,
        estimate,
        method,
        confidence_level,
        lambda: _jackknife(statistic, data, gamma),
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
    )


def bootstrap_ci(
    scores,
    statistic: str | Callable = "iqm",
    *,
    n_resamples: int = 50_000,
    confidence_level: float = 0.95,
    method: str = "percentile",
    stratified: bool = True,
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
    method : {"percentile", "basic", "bca"}, default="percentile"
        Percentile interval, basic (reverse percentile) interval, or
        bias-corrected and accelerated interval (acceleration from the
        leave-one-run-out jackknife).
    stratified : bool, default=True
        ``True`` resamples runs independently within each task; ``False``
        resamples whole runs (rows), keeping each run's scores together.
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
        ``confidence_level`` outside (0, 1), ``n_resamples < 1``.

    See Also
    --------
    iqm, optimality_gap, probability_of_improvement, performance_profile
    IntervalEstimatesDisplay : plot the intervals of several algorithms.

    Notes
    -----
    Built-in statistics avoid per-resample sorting: a resample is held as
    counts over the scores sorted once, so the IQM is a windowed sum and the
    probability of improvement a pass over cumulative counts (see
    ``skvariance/_kernels/_bootstrap.py``). For BCa, a bootstrap fraction of 0
    or 1 below the estimate is clipped to half a resample from the edge.

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
    """
    _check_params(statistic, n_resamples, confidence_level, method, stratified)
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not np.isfinite(gamma):
        raise TypeError(f"gamma must be a finite real number, got {gamma!r}.")
    name = (
        statistic
        if isinstance(statistic, str)
        else getattr(statistic, "__name__", type(statistic).__name__)
    )
    seed = int(check_random_state(random_state).randint(MAX_SEED))
    pairwise = statistic == "probability_of_improvement"
    args = dict(
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        method=method,
        stratified=stratified,
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


def _profile_ci(
    scores, thresholds, *, n_resamples, confidence_level, stratified, random_state
):
    """Performance profile with pointwise percentile bootstrap bands."""
    _check_params("mean", n_resamples, confidence_level, "percentile", stratified)
    seed = int(check_random_state(random_state).randint(MAX_SEED))

    def one(arr):
        sorted_values, rank = _ranks(arr)
        positions = np.searchsorted(sorted_values, thresholds, side="right").astype(
            np.int64
        )
        out = np.empty((n_resamples, thresholds.size))
        dist = bootstrap_exceedance(rank, positions, seed, bool(stratified), out)
        estimate = _profile(arr, thresholds)
        low, high = _interval(dist, estimate, "percentile", confidence_level, None)
        return BootstrapCI(
            estimate=estimate,
            low=low,
            high=high,
            confidence_level=float(confidence_level),
            method="percentile",
            n_resamples=int(n_resamples),
            statistic="performance_profile",
            bootstrap_distribution=dist,
        )

    if is_mapping(scores):
        data = check_score_dict(scores, min_runs=2)
        return BootstrapCIDict({key: one(arr) for key, arr in data.items()})
    return one(check_score_array(scores, min_runs=2))

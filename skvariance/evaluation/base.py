"""Shared pieces of the evaluation family.

Result containers, parameter checks, the one-pass helpers that turn score
matrices into kernel inputs, the point statistics the bootstrap shares with
the public functions, and the interval read off a bootstrap distribution
(percentile, basic, bias-corrected, BCa). ``_statistics``, ``_bootstrap`` and
``_profile`` all import from here and never from each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy.special import ndtr, ndtri
from sklearn.utils import check_random_state

from ..utils._seeds import MAX_SEED
from ..utils.validation import check_confidence_level

STATISTICS = ("iqm", "mean", "median", "optimality_gap", "probability_of_improvement")
METHODS = ("percentile", "basic", "bc", "bca")


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
        ``"percentile"``, ``"basic"``, ``"bc"`` or ``"bca"``.
    n_resamples : int
        Number of bootstrap resamples.
    task_bootstrap : bool
        Whether tasks were resampled as well as runs.
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
    task_bootstrap: bool = False

    @property
    def interval(self) -> tuple:
        """``(low, high)``."""
        return self.low, self.high

    def to_frame(self):
        """Estimate and bounds as a pandas DataFrame, one row per output."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "estimate": np.atleast_1d(self.estimate),
                "low": np.atleast_1d(self.low),
                "high": np.atleast_1d(self.high),
            }
        )
        frame["statistic"] = self.statistic
        frame["method"] = self.method
        frame["confidence_level"] = self.confidence_level
        return frame


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

    def to_frame(self):
        """Every algorithm's :meth:`BootstrapCI.to_frame`, indexed by its name."""
        import pandas as pd

        frames = [r.to_frame() for r in self._results.values()]
        keys = [k for k, r in self._results.items() for _ in range(len(frames[0]))]
        frame = pd.concat(frames, ignore_index=True)
        frame.index = pd.Index(keys, name="algorithm")
        return frame


# --------------------------------------------------------------------------
# point statistics shared by the public functions and the bootstrap
# --------------------------------------------------------------------------


def _probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    greater = (x[:, None, :] > y[None, :, :]).sum(axis=(0, 1))
    ties = (x[:, None, :] == y[None, :, :]).sum(axis=(0, 1))
    per_task = (greater + 0.5 * ties) / (x.shape[0] * y.shape[0])
    return float(np.mean(per_task))


def _profile(arr: np.ndarray, thresholds: np.ndarray, kind: str = "score"):
    """Fraction of scores (or of task means) strictly above each threshold."""
    values = arr.ravel() if kind == "score" else arr.mean(axis=0)
    return (values[:, None] > thresholds[None, :]).mean(axis=0)


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


def _interval(dist, estimate, method, confidence_level, jackknife):
    """``(low, high)`` from the bootstrap distribution ``dist``.

    ``"bc"`` and ``"bca"`` read the quantiles
    ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` (Efron 1987) with the bias
    ``z0 = Phi^-1(P*(theta* < theta) + P*(theta* = theta) / 2)`` and the
    acceleration ``a`` from the leave-one-run-out ``jackknife()`` (``a = 0``
    for ``"bc"``, which does not call it).
    """
    alpha = 1.0 - confidence_level
    levels = np.array([alpha / 2, 1 - alpha / 2])
    if method == "percentile":
        low, high = np.quantile(dist, levels, axis=0)
    elif method == "basic":
        q_low, q_high = np.quantile(dist, levels, axis=0)
        low, high = 2 * estimate - q_high, 2 * estimate - q_low
    else:  # bc, bca: percentiles shifted by the bias (and acceleration)
        n = dist.shape[0]
        below = (np.sum(dist < estimate, axis=0) + np.sum(dist <= estimate, axis=0)) / (
            2.0 * n
        )
        # An estimate outside the bootstrap distribution would give an infinite
        # bias correction; the fraction is kept within half a resample of 0, 1.
        below = np.clip(below, 0.5 / n, 1 - 0.5 / n)
        z0 = ndtri(below)
        a = 0.0
        if method == "bca":
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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}.")
    return bool(value)


def _check_params(
    statistic, n_resamples, confidence_level, method, stratified, task_bootstrap
):
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
    check_confidence_level(confidence_level)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    _check_bool(stratified, "stratified")
    _check_bool(task_bootstrap, "task_bootstrap")


def _draw_seed(random_state) -> int:
    """The one integer seed a bootstrap call hands to the kernels."""
    return int(check_random_state(random_state).randint(MAX_SEED))

"""Conditional-coverage diagnostics of prediction intervals and prediction sets.

Marginal coverage can be on target while a group, a range of a feature, a
set size or a slab of the feature space is under-covered. Every function
here takes the same predictions:

* intervals, an array of shape (n_samples, 2) of lower and upper bounds
  (``predict_interval(X, coverage=c)``); an infinite bound covers its side,
  as in :func:`skvariance.metrics.coverage_score`; or
* prediction sets, a **boolean** array of shape (n_samples, n_classes)
  (``predict_set(X)``); ``y_true`` holds column indices, or labels of
  ``classes``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.stats import beta
from sklearn.utils import Bunch, check_random_state, column_or_1d

from ..utils.validation import check_confidence_level, check_groups
from ._scores import _check_bounds, _check_target

__all__ = [
    "coverage_by_group",
    "size_stratified_coverage",
    "worst_slab_coverage",
]


# --------------------------------------------------------------------------
# shared checks
# --------------------------------------------------------------------------


def _set_hits(y_true, sets, classes):
    n, n_classes = sets.shape
    y = column_or_1d(np.asarray(y_true))
    if y.shape[0] != n:
        raise ValueError(f"y_true has {y.shape[0]} entries, y_pred has {n} rows.")
    if classes is None:
        if y.dtype.kind not in "biu":
            raise ValueError(
                "y_true must hold column indices 0 .. n_classes - 1 of the sets "
                "when classes is None; pass classes (a classifier's classes_) "
                "for other labels."
            )
        labels = np.arange(n_classes)
    else:
        labels = np.asarray(classes)
        if labels.shape != (n_classes,):
            raise ValueError(
                f"classes must have one label per column of y_pred ({n_classes}), "
                f"got shape {labels.shape}."
            )
    order = np.argsort(labels, kind="stable")
    pos = np.searchsorted(labels[order], y)
    pos = np.clip(pos, 0, n_classes - 1)
    known = labels[order][pos] == y
    if not known.all():
        raise ValueError(
            f"y_true has {int((~known).sum())} label(s) that are not a column of "
            f"the sets (classes {labels.tolist()})."
        )
    return sets[np.arange(n), order[pos]], sets.sum(axis=1)


def _hits_and_sizes(y_true, y_pred, classes):
    """Whether each row is covered, its set size or interval width, the kind."""
    pred = np.asarray(y_pred)
    if pred.ndim != 2:
        raise ValueError(
            "y_pred must be intervals of shape (n_samples, 2) or boolean sets of "
            f"shape (n_samples, n_classes), got shape {pred.shape}."
        )
    if pred.dtype == bool:
        hits, sizes = _set_hits(y_true, pred, classes)
        return hits, sizes, "sets"
    if pred.dtype.kind not in "iuf" or pred.shape[1] != 2:
        raise ValueError(
            "y_pred must be numeric intervals of shape (n_samples, 2) or boolean "
            f"sets (n_samples, n_classes); got dtype {pred.dtype} and shape "
            f"{pred.shape} (a 0/1 set mask must be cast to bool)."
        )
    if classes is not None:
        raise ValueError("classes applies to prediction sets, not to intervals.")
    y = _check_target(y_true)
    lo, hi = _check_bounds(pred[:, 0], pred[:, 1], n=y.shape[0])
    # an infinite bound is never crossed: it covers its side
    return (lo <= y) & (y <= hi), hi - lo, "intervals"


def _clopper_pearson(covered, counts, confidence_level):
    # beta.ppf gives NaN (no floating-point warning) for a zero shape
    # parameter; np.where replaces those by the exact bounds 0 and 1
    alpha = 1.0 - confidence_level
    low = np.where(covered > 0, beta.ppf(alpha / 2, covered, counts - covered + 1), 0.0)
    high = np.where(
        covered < counts, beta.ppf(1 - alpha / 2, covered + 1, counts - covered), 1.0
    )
    return low, high


def _summary(strata, hits, labels, confidence_level, **extra):
    """Coverage, count and Clopper-Pearson interval of every non-empty stratum."""
    counts = np.bincount(strata, minlength=len(labels))
    covered = np.bincount(strata, weights=hits, minlength=len(labels))
    full = counts > 0
    counts, covered = counts[full], covered[full]
    low, high = _clopper_pearson(covered, counts, confidence_level)
    return Bunch(
        groups=np.asarray(labels)[full],
        coverage=covered / counts,
        counts=counts,
        low=low,
        high=high,
        confidence_level=confidence_level,
        marginal_coverage=float(np.mean(hits)),
        **{k: (v[full] if isinstance(v, np.ndarray) else v) for k, v in extra.items()},
    )


def _check_bins_count(bins, name="bins"):
    if isinstance(bins, bool) or not isinstance(bins, Integral):
        raise TypeError(f"{name} must be an integer, got {type(bins).__name__}.")
    if bins < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {bins}.")
    return int(bins)


# --------------------------------------------------------------------------
# by group / by a feature's bins
# --------------------------------------------------------------------------


def _feature_bins(values, bins):
    """Right-closed bins ``[e0, e1], (e1, e2], ...`` of a numeric feature."""
    v = np.asarray(values)
    if v.dtype.kind not in "biuf":
        raise TypeError(
            f"with bins, groups must be a numeric feature, got dtype {v.dtype}."
        )
    v = v.astype(np.float64)
    if not np.all(np.isfinite(v)):
        raise ValueError("with bins, groups (a feature) must be finite.")
    if isinstance(bins, (Integral, np.integer)) and not isinstance(bins, bool):
        bins = _check_bins_count(bins)
        edges = np.unique(np.quantile(v, np.linspace(0.0, 1.0, bins + 1)))
        if edges.size == 1:
            edges = np.array([edges[0], edges[0]])
    else:
        edges = np.asarray(bins, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError(
                "bins must be an integer or an increasing array of at least 2 edges."
            )
        if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
            raise ValueError("bin edges must be finite and strictly increasing.")
        outside = (v < edges[0]) | (v > edges[-1])
        if outside.any():
            raise ValueError(
                f"{int(outside.sum())} value(s) of the feature lie outside the bin "
                f"edges [{edges[0]:g}, {edges[-1]:g}]; widen the edges (no row is "
                "dropped)."
            )
    strata = np.searchsorted(edges[1:-1], v, side="left")
    return strata, edges


def coverage_by_group(
    y_true,
    y_pred,
    groups,
    *,
    bins=None,
    classes=None,
    confidence_level: float = 0.95,
):
    """Coverage of intervals or prediction sets within each group.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Targets (intervals) or true classes (sets).
    y_pred : array-like of shape (n_samples, 2) or (n_samples, n_classes)
        Lower and upper bounds, or a boolean set mask.
    groups : array-like of shape (n_samples,)
        Group label of each row; with ``bins``, a numeric feature whose bins
        are the groups.
    bins : int or array-like of float, default=None
        Cut the feature ``groups`` into bins: an integer gives that many
        bins at the feature's quantiles (repeated edges merged), an array
        gives the edges (every value must lie inside). Bins are closed on
        the right, the first on both sides: ``[e0, e1], (e1, e2], ...``.
    classes : array-like of shape (n_classes,), default=None
        Labels of the set columns (``classes_``); by default ``y_true``
        holds column indices.
    confidence_level : float, default=0.95
        Level of the Clopper-Pearson interval of each group's coverage.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``groups`` (labels, sorted; with ``bins`` the bin indices of the
        non-empty bins), ``coverage``, ``counts``, ``low`` and ``high`` (the
        exact binomial interval), ``confidence_level``,
        ``marginal_coverage``; with ``bins`` also ``edges`` (all edges) and
        ``bin_low``/``bin_high`` (each group's edges). Only non-empty groups
        are listed; every row is in one.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, crossed intervals, labels not among the set
        columns, a missing group label, values outside explicit ``bins``.

    See Also
    --------
    size_stratified_coverage, worst_slab_coverage
    skvariance.plotting.CoverageDisplay : plots the per-group coverage.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.metrics import coverage_by_group
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> intervals = np.array([[-1, 1], [0, 0.5], [1, np.inf], [2.5, 3.5]])
    >>> res = coverage_by_group(y, intervals, ["a", "a", "b", "b"])
    >>> res.groups.tolist(), res.coverage.tolist(), res.counts.tolist()
    (['a', 'b'], [0.5, 1.0], [2, 2])
    >>> res = coverage_by_group(y, intervals, y, bins=[0, 1.5, 3])
    >>> res.coverage.tolist(), res.bin_low.tolist()
    ([0.5, 1.0], [0.0, 1.5])
    """
    confidence_level = check_confidence_level(confidence_level)
    hits, _, _ = _hits_and_sizes(y_true, y_pred, classes)
    n = hits.shape[0]
    g = check_groups(groups, n)
    if bins is None:
        labels, strata = np.unique(g, return_inverse=True)
        return _summary(strata, hits, labels, confidence_level)
    strata, edges = _feature_bins(g, bins)
    m = edges.size - 1
    res = _summary(
        strata,
        hits,
        np.arange(m),
        confidence_level,
        bin_low=edges[:-1].copy(),
        bin_high=edges[1:].copy(),
    )
    res.edges = edges
    return res


# --------------------------------------------------------------------------
# size-stratified coverage
# --------------------------------------------------------------------------


def size_stratified_coverage(
    y_true,
    y_pred,
    *,
    bins=None,
    classes=None,
    confidence_level: float = 0.95,
):
    """Size-stratified coverage (SSC) of prediction sets or intervals.

    Coverage within strata of set size or interval width (Angelopoulos &
    Bates, section 3): an adaptive predictor should cover equally well its
    small and its large sets; a small set covering much less than the target
    is the usual failure.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples, 2) or (n_samples, n_classes)
        Intervals, or a boolean set mask.
    bins : int, default=None
        Sets: ``None`` gives one stratum per set size observed; an integer
        ``b`` groups the sizes ``0 .. n_classes`` into ``b`` contiguous
        ranges as ``np.array_split(range(n_classes + 1), b)`` does (MAPIE's
        ``classification_ssc``). Intervals: ``b`` strata of (nearly) equal
        counts by increasing width, ties in order of the rows (MAPIE's
        ``regression_ssc``); ``None`` means 3.
    classes : array-like of shape (n_classes,), default=None
        Labels of the set columns.
    confidence_level : float, default=0.95
        Level of the Clopper-Pearson interval of each stratum.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``groups`` (stratum index; for sets with ``bins=None`` the set
        size), ``size_low`` and ``size_high`` (smallest and largest size or
        width of the stratum's rule: for set strata the size range, for
        interval strata the widths observed), ``coverage``, ``counts``,
        ``low``, ``high``, ``confidence_level``, ``marginal_coverage``.
        Empty strata are left out.

    See Also
    --------
    coverage_by_group, worst_slab_coverage

    Notes
    -----
    Where MAPIE's strata are all non-empty, ``coverage`` equals
    ``classification_ssc(y_true, sets, num_bins=bins)[0]`` and
    ``regression_ssc(y_true, intervals, num_bins=bins)[0]`` (for distinct
    widths: MAPIE sorts with an unstable sort).

    References
    ----------
    A. N. Angelopoulos, S. Bates, "A Gentle Introduction to Conformal
    Prediction and Distribution-Free Uncertainty Quantification",
    arXiv:2107.07511, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.metrics import size_stratified_coverage
    >>> sets = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    >>> res = size_stratified_coverage([0, 2, 1, 0], sets)
    >>> res.groups.tolist(), res.coverage.tolist()
    ([1, 2], [0.5, 0.5])
    """
    confidence_level = check_confidence_level(confidence_level)
    hits, sizes, kind = _hits_and_sizes(y_true, y_pred, classes)
    if bins is not None:
        bins = _check_bins_count(bins)
    if kind == "sets":
        n_classes = np.asarray(y_pred).shape[1]
        if bins is None:
            labels, strata = np.unique(sizes, return_inverse=True)
            return _summary(
                strata,
                hits,
                labels,
                confidence_level,
                size_low=labels.astype(float),
                size_high=labels.astype(float),
            )
        ranges = [r for r in np.array_split(np.arange(n_classes + 1), bins) if r.size]
        starts = np.array([r[0] for r in ranges])
        strata = np.searchsorted(starts, sizes, side="right") - 1
        return _summary(
            strata,
            hits,
            np.arange(len(ranges)),
            confidence_level,
            size_low=starts.astype(float),
            size_high=np.array([r[-1] for r in ranges], dtype=float),
        )
    bins = 3 if bins is None else bins
    n = hits.shape[0]
    if bins > n:
        raise ValueError(f"bins={bins} strata need at least {bins} rows, got {n}.")
    order = np.argsort(sizes, kind="stable")
    strata = np.empty(n, dtype=np.intp)
    for k, rows in enumerate(np.array_split(order, bins)):
        strata[rows] = k
    return _summary(
        strata,
        hits,
        np.arange(bins),
        confidence_level,
        size_low=np.array([sizes[r].min() for r in np.array_split(order, bins)]),
        size_high=np.array([sizes[r].max() for r in np.array_split(order, bins)]),
    )


# --------------------------------------------------------------------------
# worst-slab coverage
# --------------------------------------------------------------------------


def _worst_slabs(z, hits, m):
    """Lowest coverage of a slab ``{a <= z <= b}`` holding >= m rows.

    ``z`` (n, d) projections on ``d`` directions. A slab is a run of the
    sorted projections that starts and ends at a change of value (tied
    projections are in or out together). Bisection on the answer ``t``: some
    slab has coverage <= t iff ``A[j] - max_{i <= j - m} A[i] <= 0`` for an
    admissible start ``i`` and end ``j``, with ``A = cumsum(hits - t)``, an
    ``O(n)`` pass per direction. Coverages are fractions with denominators
    <= n, so two different ones differ by at least ``1 / n**2``: once the
    bracket is narrower than a quarter of that, every slab feasible at
    ``hi + 1 / (4 n**2)`` has the lowest coverage exactly.
    Returns (coverage, column, a, b, count).
    """
    n, d = z.shape
    order = np.argsort(z, axis=0, kind="stable")
    zs = np.take_along_axis(z, order, axis=0)
    cum = np.zeros((n + 1, d))
    cum[1:] = np.cumsum(hits[order], axis=0)
    # prefix index k: a cut before row k, where a slab may start or end (a
    # start at k = n is never read: a slab ending at j <= n starts at j - m)
    change = np.ones((n + 1, d), dtype=bool)
    change[1:n] = zs[1:] != zs[:-1]
    idx = np.arange(n + 1, dtype=np.float64)[:, None]

    def gaps(t):
        a = cum - t * idx
        run_max = np.maximum.accumulate(np.where(change, a, -np.inf), axis=0)
        shifted = np.full((n + 1, d), -np.inf)
        shifted[m:] = run_max[: n + 1 - m]
        # j < m, or no admissible start before j - m: no slab ends at j
        return np.where(change & (shifted > -np.inf), a - shifted, np.inf)

    quarter = 0.25 / n**2
    lo, hi = -1.0, 1.0  # nothing has coverage <= -1; the whole sample <= 1
    while hi - lo >= quarter:
        mid = 0.5 * (lo + hi)
        if (gaps(mid) <= 0).any():
            hi = mid
        else:
            lo = mid
    t = hi + quarter
    feasible = gaps(t) <= 0
    col = int(np.argmax(feasible.any(axis=0)))  # first direction reaching it
    j = int(np.argmax(feasible[:, col]))
    a = cum[:, col] - t * idx[:, 0]
    i = int(np.argmax(np.where(change[: j - m + 1, col], a[: j - m + 1], -np.inf)))
    coverage = (cum[j, col] - cum[i, col]) / (j - i)
    return coverage, col, zs[i, col], zs[j - 1, col], j - i


#: Projections held at once by the slab search (rows x directions).
_SLAB_BLOCK = 2_000_000


def worst_slab_coverage(
    X,
    y_true,
    y_pred,
    *,
    delta: float = 0.1,
    n_directions: int = 1000,
    classes=None,
    random_state=None,
):
    """Worst-slab coverage over random directions (Cauchois, Gupta & Duchi).

    For a unit direction ``v``, a slab is ``{x : a <= v . x <= b}``; the
    worst-slab coverage is the lowest empirical coverage over the slabs that
    hold at least a fraction ``delta`` of the rows, minimised over
    ``n_directions`` random directions. A value far below the marginal
    coverage shows a region of the feature space the predictor under-covers.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features defining the slabs (finite).
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples, 2) or (n_samples, n_classes)
        Intervals (an infinite bound covers its side), or a boolean set mask.
    delta : float, default=0.1
        Minimum mass of a slab, in (0, 1]: at least ``ceil(delta * n)`` rows.
    n_directions : int, default=1000
        Directions drawn uniformly on the unit sphere.
    classes : array-like of shape (n_classes,), default=None
        Labels of the set columns.
    random_state : int, RandomState instance or None, default=None
        Draws the directions: ``v = g / ||g||`` with the rows ``g`` of
        ``random_state.normal(size=(n_directions, n_features))``.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``coverage`` (the worst-slab coverage), ``direction`` (n_features,),
        ``a`` and ``b`` (the slab's bounds on ``v . x``, attained by rows),
        ``count`` (rows in the slab), ``min_count`` (``ceil(delta * n)``),
        ``marginal_coverage``.

    Raises
    ------
    ValueError
        ``delta`` outside (0, 1], ``n_directions < 1``, non-finite ``X``,
        mismatched lengths, and the checks of the predictions.

    See Also
    --------
    coverage_by_group, size_stratified_coverage

    Notes
    -----
    Rows with equal projections are in or out of a slab together. The
    minimum over many slabs is biased downward, more so for small ``n`` and
    ``delta``: compare it with the same statistic on a predictor known to be
    conditionally valid, or choose the slab on one half of the data and
    measure it on the other (Cauchois et al., section 5). The slab search is
    exact for each direction (bisection on the coverage, ``O(n)`` per step).

    References
    ----------
    M. Cauchois, S. Gupta, J. C. Duchi, "Knowing What You Know: Valid and
    Validated Confidence Sets in Multiclass and Multilabel Prediction",
    JMLR 22(81), 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.metrics import worst_slab_coverage
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> y = np.zeros(10)
    >>> lower = np.where(X[:, 0] >= 7, 1.0, -1.0)   # the last 3 rows miss
    >>> intervals = np.column_stack([lower, lower + 2])
    >>> res = worst_slab_coverage(X, y, intervals, delta=0.3, random_state=0)
    >>> float(res.coverage), int(res.count)
    (0.0, 3)
    """
    if isinstance(delta, bool) or not isinstance(delta, Real):
        raise TypeError(f"delta must be a float in (0, 1], got {type(delta).__name__}.")
    if not 0.0 < delta <= 1.0:
        raise ValueError(f"delta must be in (0, 1], got {delta}.")
    if isinstance(n_directions, bool) or not isinstance(n_directions, Integral):
        raise TypeError(
            f"n_directions must be an integer, got {type(n_directions).__name__}."
        )
    if n_directions < 1:
        raise ValueError(f"n_directions must be >= 1, got {n_directions}.")
    x = np.asarray(X)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"X must be numeric, got dtype {x.dtype}.")
    x = x.astype(np.float64)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-d (n_samples, n_features), got {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("X contains NaN or infinity.")
    hits, _, _ = _hits_and_sizes(y_true, y_pred, classes)
    n = hits.shape[0]
    if x.shape[0] != n:
        raise ValueError(f"X has {x.shape[0]} rows, y_pred has {n}.")
    m = max(1, int(np.ceil(delta * n - 1e-9)))
    rng = check_random_state(random_state)
    g = rng.normal(size=(int(n_directions), x.shape[1]))
    directions = g / np.linalg.norm(g, axis=1, keepdims=True)
    hits = hits.astype(np.float64)
    block = max(1, _SLAB_BLOCK // n)
    best = None
    for start in range(0, directions.shape[0], block):
        found = _worst_slabs(x @ directions[start : start + block].T, hits, m)
        if best is None or found[0] < best[0]:
            best = (found[0], start + found[1], *found[2:])
    coverage, col, a, b, count = best
    return Bunch(
        coverage=float(coverage),
        direction=directions[col],
        a=float(a),
        b=float(b),
        count=count,
        min_count=m,
        marginal_coverage=float(np.mean(hits)),
    )

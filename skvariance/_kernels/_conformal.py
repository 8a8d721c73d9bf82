"""Conformal quantiles and classification scores.

The calibration quantile of split conformal prediction is the
``ceil((n + 1) * level)``-th smallest calibration score, ``+inf`` when that
rank exceeds ``n`` (the test point's own score carries the missing mass).
Weighted conformal prediction (Tibshirani et al., 2019) replaces ranks by
cumulative weights, with the test point's weight at ``+inf``; the weight of
the test point differs from one test point to the next, so the weighted
kernel searches once per (test point, level).

The kernels are serial: they are cheap (a binary search or a sort of one
row of class probabilities per test point) and are called on small inputs
inside simulation loops, where waking a thread pool costs more than the
work; a serial kernel is also independent of the thread count by
construction.
"""

import numpy as np
from numba import prange

from ._config import kernel

#: relative slack so that ``(n + 1) * 0.9`` computed as ``900.0000000000001``
#: still gives rank 900: levels are decimal fractions the user typed.
RANK_TOLERANCE = 1e-10


@kernel
def conformal_rank(n, level):
    """1-based rank ``ceil((n + 1) * level)`` of the conformal quantile.

    At least 1; a rank above ``n`` means the quantile is ``+inf``. The one
    place in skvariance where this rank is computed: every calibrator (split,
    Mondrian, CV+, CQR, the aggregator's conformal step) calls it, through
    :func:`skvariance.utils.stats.conformal_rank` outside numba.
    """
    target = (n + 1) * level
    rank = int(np.ceil(target - RANK_TOLERANCE * target))
    if rank < 1:
        rank = 1
    return rank


@kernel
def conformal_quantiles(sorted_scores, levels, out):
    """Split-conformal quantile of sorted scores at each level.

    Parameters
    ----------
    sorted_scores : float64 array (n,)
        Calibration scores in ascending order (NaN not allowed).
    levels : float64 array (n_levels,)
        Coverage levels in (0, 1).
    out : float64 array (n_levels,)
        Written in place: the ``ceil((n + 1) * level)``-th smallest score, or
        ``+inf`` when that rank exceeds ``n``.
    """
    n = sorted_scores.shape[0]
    for k in range(levels.shape[0]):
        rank = conformal_rank(n, levels[k])
        if rank > n:
            out[k] = np.inf
        else:
            out[k] = sorted_scores[rank - 1]
    return out


@kernel
def weighted_conformal_quantiles(sorted_scores, cum_weights, test_weights, levels, out):
    """Weighted conformal quantile for each test point and level.

    For test point ``j`` the calibration scores carry weights
    ``w_i / (W + w_j)`` and the test point carries ``w_j / (W + w_j)`` at
    ``+inf`` (``W`` the total calibration weight); the result is the smallest
    score whose cumulative normalised weight reaches the level. With no
    calibration mass (``W == 0``) the result is ``+inf``: nothing to calibrate
    on, whatever the test weight.

    Parameters
    ----------
    sorted_scores : float64 array (n,)
        Calibration scores in ascending order.
    cum_weights : float64 array (n,)
        Cumulative sum of the calibration weights in the same order.
    test_weights : float64 array (n_test,)
        Weight of each test point (non-negative).
    levels : float64 array (n_levels,)
        Levels in (0, 1).
    out : float64 array (n_test, n_levels)
        Written in place.
    """
    n = sorted_scores.shape[0]
    total = cum_weights[n - 1]
    for j in range(test_weights.shape[0]):
        mass = total + test_weights[j]
        for k in range(levels.shape[0]):
            target = levels[k] * mass
            target -= RANK_TOLERANCE * target
            # binary search: first position with cum_weights >= target
            lo = 0
            hi = n
            while lo < hi:
                mid = (lo + hi) // 2
                if cum_weights[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid
            # no calibration mass: unbounded whatever the test weight (a
            # tiny one would otherwise give a target that underflows to 0)
            if lo >= n or total <= 0.0:
                out[j, k] = np.inf
            else:
                out[j, k] = sorted_scores[lo]
    return out


@kernel
def cumulative_label_scores(proba, u, penalty, k_reg, out):
    """APS / RAPS score of every label for every row.

    With the labels of row ``i`` ranked by decreasing probability (ties by
    label index), the score of the label of rank ``r`` (1-based) is the sum
    of the probabilities ranked before it, plus ``u[i]`` times its own
    probability, plus ``penalty * max(0, r - k_reg)``. ``u = 1`` gives the
    non-randomised APS score; ``penalty = 0`` gives APS.

    Parameters
    ----------
    proba : float64 array (n, n_classes)
    u : float64 array (n,)
        Uniform draws in [0, 1] (or ones).
    penalty : float
        RAPS regularisation ``lambda`` (0 for APS).
    k_reg : int
        RAPS rank from which the penalty applies.
    out : float64 array (n, n_classes)
        Written in place, column ``c`` is the score of label ``c``.
    """
    n, n_classes = proba.shape
    for i in range(n):
        order = np.argsort(-proba[i], kind="mergesort")
        before = 0.0
        for r in range(n_classes):
            c = order[r]
            p = proba[i, c]
            score = before + u[i] * p
            extra = r + 1 - k_reg
            if extra > 0:  # no 0 * inf when the penalty is infinite
                score += penalty * extra
            out[i, c] = score
            before += p
    return out


@kernel
def _value(sorted_res, start, n_k, center, scale, sign, i):
    """Value of rank ``i`` (ascending) of ``center + sign * scale * r`` in a fold."""
    if sign > 0:
        return center + scale * sorted_res[start + i]
    return center - scale * sorted_res[start + n_k - 1 - i]


@kernel
def _count_at_most(sorted_res, fold_ptr, centers, scales, sign, j, v):
    """How many of the values of test row ``j`` (all folds) are <= v."""
    total = 0
    for k in range(fold_ptr.shape[0] - 1):
        start = fold_ptr[k]
        n_k = fold_ptr[k + 1] - start
        lo = 0
        hi = n_k
        while lo < hi:  # first index whose value exceeds v
            mid = (lo + hi) // 2
            if (
                _value(sorted_res, start, n_k, centers[j, k], scales[j, k], sign, mid)
                <= v
            ):
                lo = mid + 1
            else:
                hi = mid
        total += lo
    return total


def _cv_plus_work(sorted_res, fold_ptrs, row_group, centers, scales, sign, ranks, out):
    """Work of :func:`grouped_cv_plus_order_statistics`: per output entry, a
    binary search in each of the K folds whose every step counts over the K
    folds by binary search."""
    steps = int(sorted_res.shape[0]).bit_length()
    return out.size * (centers.shape[1] * steps) ** 2


@kernel(parallel=True, work=_cv_plus_work)
def grouped_cv_plus_order_statistics(
    sorted_res, fold_ptrs, row_group, centers, scales, sign, ranks, out
):
    """Order statistics of ``{mu_k(x_j) + sign * sigma_k(x_j) * r_i}`` per test row.

    CV+ intervals need, for each test row ``j``, the ``rank``-th smallest of
    the values ``mu_{k(i)}(x_j) + sign * sigma_{k(i)}(x_j) * r_i`` over the
    calibration rows ``i``. Within one fold they are an affine, monotone
    image of the fold's sorted residuals, so the answer is found by a binary
    search in each fold on the count of values ``<= v`` (itself a binary
    search per fold), in ``O(K^2 log^2 n)`` per (row, rank) and no
    ``n_test x n`` matrix. The comparisons use the same floating-point values
    as the full matrix would.

    Mondrian CV+: the order statistics of test row ``j`` are taken over the
    calibration rows of its group ``g = row_group[j]`` only, whose residuals
    sorted within each fold are ``sorted_res[fold_ptrs[g, k]:fold_ptrs[g, k +
    1]]``. One call serves every group (no thread start per group); plain
    CV+ is the one-group case (``fold_ptrs`` of shape (1, K + 1), every
    ``row_group`` 0).

    Parameters
    ----------
    sorted_res : float64 array (n,)
        Residuals sorted ascending within each (group, fold), concatenated
        group by group.
    fold_ptrs : int64 array (n_groups, K + 1)
        Absolute fold pointers of each group into ``sorted_res``.
    row_group : int64 array (n_test,)
        Group index of each test row.
    centers, scales : float64 arrays (n_test, K)
    sign : int
    ranks : int64 array (n_groups, n_ranks)
        1-based ranks per group: below 1 gives ``-inf``, above the group's
        size ``+inf``.
    out : float64 array (n_test, n_ranks)
        Written in place; rows are independent.
    """
    n_folds = fold_ptrs.shape[1] - 1
    for j in prange(centers.shape[0]):
        g = row_group[j]
        fold_ptr = fold_ptrs[g]
        n_g = fold_ptr[n_folds] - fold_ptr[0]
        for q in range(ranks.shape[1]):
            m = ranks[g, q]
            if m < 1:
                out[j, q] = -np.inf
                continue
            if m > n_g:
                out[j, q] = np.inf
                continue
            best = np.inf
            for k in range(n_folds):
                start = fold_ptr[k]
                n_k = fold_ptr[k + 1] - start
                c = centers[j, k]
                s = scales[j, k]
                lo = 0
                hi = n_k
                while lo < hi:  # first element of fold k with count(<= v) >= m
                    mid = (lo + hi) // 2
                    v = _value(sorted_res, start, n_k, c, s, sign, mid)
                    if (
                        _count_at_most(
                            sorted_res, fold_ptr, centers, scales, sign, j, v
                        )
                        >= m
                    ):
                        hi = mid
                    else:
                        lo = mid + 1
                if lo < n_k:
                    v = _value(sorted_res, start, n_k, c, s, sign, lo)
                    if v < best:
                        best = v
            out[j, q] = best
    return out

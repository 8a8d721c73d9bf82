"""Venn-Abers tables: isotonic fits with a test point labelled 1, for every gap."""

import numpy as np

from ._config import kernel


@kernel
def label_one_fits(weights, sums):
    """Isotonic fit at a test point labelled 1, for each of the ``k + 1`` gaps.

    The calibration scores, sorted and pooled into ``k`` blocks of tied
    scores, give the cumulative sum diagram (CSD) ``Q_j = (weights[j],
    sums[j])``, ``j = 0..k`` (``Q_0 = (0, 0)``; block ``j`` spans ``Q_j`` to
    ``Q_{j+1}``). A test point labelled 1 placed before block ``i`` shifts
    ``Q_i..Q_k`` by ``(1, 1)``; its isotonic fit is the slope of the greatest
    convex minorant over its own segment, i.e. of the lower common tangent
    (bridge) of the lower convex hulls of ``{Q_0..Q_i}`` and
    ``{Q_i + (1, 1)..Q_k + (1, 1)}`` (Vovk, Petej & Fedorova 2015):
    ``max_{a <= i} min_{b >= i} (sums[b] - sums[a] + 1) / (weights[b] -
    weights[a] + 1)``.

    The prefix hulls (left to right) and suffix hulls (right to left) are
    built once with a stack each and kept as linked chains (``prev``,
    ``nxt``), so every gap's pair of hulls is at hand; the bridge is found
    by walking both chains from the gap (measured linear in total up to
    400,000 blocks; no bound better than ``O(k**2)`` is proven for the
    walks). Integer-valued weights and sums keep every comparison exact
    (cross products below 2**53).

    Parameters
    ----------
    weights, sums : float64 arrays (k + 1,)
        Cumulative block sizes and cumulative label sums, starting at 0.

    Returns
    -------
    fits : float64 array (k + 1,)
        ``fits[i]``: the fit of a point labelled 1 just before block ``i``
        (``i = k``: after the last block, where the fit is 1).
    """
    m = weights.shape[0]
    prev = np.empty(m, dtype=np.int64)
    nxt = np.empty(m, dtype=np.int64)
    stack = np.empty(m, dtype=np.int64)
    top = 0
    for j in range(m):
        # pop the last vertex while it is not strictly below the chord
        while top >= 2:
            a = stack[top - 2]
            b = stack[top - 1]
            cross = (weights[b] - weights[a]) * (sums[j] - sums[a]) - (
                sums[b] - sums[a]
            ) * (weights[j] - weights[a])
            if cross > 0:
                break
            top -= 1
        prev[j] = stack[top - 1] if top > 0 else -1
        stack[top] = j
        top += 1
    top = 0
    for j in range(m - 1, -1, -1):
        while top >= 2:
            b = stack[top - 1]
            c = stack[top - 2]
            cross = (weights[b] - weights[j]) * (sums[c] - sums[j]) - (
                sums[b] - sums[j]
            ) * (weights[c] - weights[j])
            if cross > 0:
                break
            top -= 1
        nxt[j] = stack[top - 1] if top > 0 else -1
        stack[top] = j
        top += 1
    fits = np.empty(m)
    for i in range(m):
        a = i
        b = i
        moved = True
        while moved:
            moved = False
            # the test point's end X_b = Q_b + (1, 1); slope(Q_a, X_b) is
            # num / den with den >= 1
            xb = weights[b] + 1.0
            yb = sums[b] + 1.0
            while prev[a] >= 0:
                p = prev[a]
                # slope(Q_p, X_b) > slope(Q_a, X_b): move left
                if (yb - sums[p]) * (xb - weights[a]) > (yb - sums[a]) * (
                    xb - weights[p]
                ):
                    a = p
                    moved = True
                else:
                    break
            while nxt[b] >= 0:
                q = nxt[b]
                # slope(Q_a, X_q) < slope(Q_a, X_b): move right
                if (sums[q] + 1.0 - sums[a]) * (xb - weights[a]) < (yb - sums[a]) * (
                    weights[q] + 1.0 - weights[a]
                ):
                    b = q
                    xb = weights[b] + 1.0
                    yb = sums[b] + 1.0
                    moved = True
                else:
                    break
        fits[i] = (sums[b] + 1.0 - sums[a]) / (weights[b] + 1.0 - weights[a])
    return fits

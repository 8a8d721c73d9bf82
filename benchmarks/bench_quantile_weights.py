"""The aggregation-weight LP: HiGHS' simplex against its interior-point method.

``QuantileAggregator`` fits its weights by a linear program over the
out-of-fold predictions (n_samples x n_models x n_levels). We time
:func:`scipy.optimize.linprog` with ``"highs"`` (HiGHS' choice, the dual
simplex here), ``"highs-ds"`` and ``"highs-ipm"`` (interior point, then
crossover to an optimal vertex) on the same problem: 4 models whose
predictions are noisy, partly informative quantile curves, 7 levels. The
quality column is the mean pinball loss reached (the LP optimum): equal
losses mean every solver found an optimum. ``ours`` is ``"highs-ipm"``
(what ``solver="auto"`` runs up to 1,000 rows; above, it runs L-BFGS: see
``bench_quantile_weights_lbfgs.py``); the peer column is the named simplex
method.
"""

from functools import partial

import numpy as np
from _harness import compare, print_table

from skvariance.metrics import pinball_loss
from skvariance.quantile._weights import fit_simplex_weights

LEVELS = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    signal = rng.uniform(0, 1, size=(1, 4, 1))
    curves = np.sort(rng.normal(size=LEVELS.size))[None, None, :]
    P = 0.5 * rng.normal(size=(n, 4, LEVELS.size)) + curves + signal * y[:, None, None]
    return P, y


def _loss(P, y, w):
    W = w if w.ndim == 2 else np.repeat(w[:, None], LEVELS.size, axis=1)
    return pinball_loss(y, np.einsum("ikt,kt->it", P, W), LEVELS)


def main(quick: bool = False):
    sizes = [1000] if quick else [1000, 5000]
    rows = []
    for n in sizes:
        P, y = _problem(n)
        ones = np.ones(n)
        for per_level in (False, True):
            fit = partial(fit_simplex_weights, P, y, LEVELS, ones, per_level=per_level)
            for peer in ("highs", "highs-ds"):

                def quality(ours, theirs, P=P, y=y):
                    return {
                        "loss_ipm": _loss(P, y, ours),
                        "loss_simplex": _loss(P, y, theirs),
                        "max_abs_weight_diff": float(np.max(np.abs(ours - theirs))),
                    }

                rows.append(
                    compare(
                        f"{'per_quantile' if per_level else 'global'}, n={n}, "
                        f"ipm vs {peer}",
                        partial(fit, method="highs-ipm"),
                        partial(fit, method=peer),
                        repeat=1,
                        warmup=False,
                        quality=quality,
                    )
                )
    return print_table("weight LP: highs-ipm (ours) vs simplex", rows, peer="simplex")


if __name__ == "__main__":
    main()

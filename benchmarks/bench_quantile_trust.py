"""QuantileAggregator, issue 15: sample_weight under metadata routing, and the
conformal rank of ``conformalize=True``.

Run from the repository root; ``--tree PATH`` imports skvariance from another
checkout instead (for the "before" figures, e.g. a ``git archive`` of the base
commit extracted to a temporary folder)::

    python benchmarks/bench_quantile_trust.py
    git archive eb1ccf8 | tar -x -C /tmp/base
    python benchmarks/bench_quantile_trust.py --tree /tmp/base

1. Routing: ``fit(sample_weight=w)`` with metadata routing on, when no base
   model requests the weights (one has ``set_fit_request(sample_weight=False)``,
   the other's ``fit`` takes no weights): an error, or the fitted weights.
2. Rank: the rank of the order statistic the conformal step takes, for every
   n in 10..1000 and alpha in (0.1, 0.2, 0.05) (levels typed as
   ``alpha / 2`` and ``1 - alpha / 2``), read from the aggregator's own
   calibration step with scores 1..n; listed where it differs from the exact
   ``ceil((n + 1)(1 - alpha))`` (computed with fractions).
3. Coverage: for continuous exchangeable scores the coverage of the k-th
   order statistic is exactly k / (n + 1); a simulation (200,000 calibration
   sets per n, vectorized) checks it for the ranks of (2), and a simulation of
   the fitted aggregator itself (n = 9, 400 fits; base models predicting 0 so
   the scores are |y|, y ~ N(0, 1), coverage of a fit exactly 2 Phi(c) - 1).
"""

from __future__ import annotations

import argparse
import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.stats import norm


def _load(tree):
    sys.path.insert(0, tree or str(Path(__file__).resolve().parents[1]))
    import sklearn
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.utils.validation import validate_data

    import skvariance
    from skvariance.quantile import QuantileAggregator

    class Zero(RegressorMixin, BaseEstimator):
        def __init__(self, quantiles=(0.1, 0.5, 0.9)):
            self.quantiles = quantiles

        def fit(self, X, y, sample_weight=None):
            validate_data(self, X, y)
            return self

        def predict(self, X, quantiles=None):
            X = validate_data(self, X, reset=False)
            levels = self.quantiles if quantiles is None else quantiles
            return np.zeros((X.shape[0], len(levels)))

    return sklearn, skvariance, QuantileAggregator, Zero


def routing(sklearn, QuantileAggregator):
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.utils.validation import validate_data

    class Expert(RegressorMixin, BaseEstimator):
        """True quantiles of sin(3 x) + 0.3 N(0, 1), shifted by ``bias``
        where ``sign(x) != side``."""

        def __init__(self, side=-1, bias=1.0, quantiles=(0.1, 0.5, 0.9)):
            self.side = side
            self.bias = bias
            self.quantiles = quantiles

        def fit(self, X, y, sample_weight=None):
            validate_data(self, X, y)
            return self

        def predict(self, X, quantiles=None):
            X = validate_data(self, X, reset=False)
            lv = np.asarray(self.quantiles if quantiles is None else quantiles)
            t = np.sin(3 * X[:, [0]]) + 0.3 * norm.ppf(lv)[None, :]
            return t + self.bias * (np.sign(X[:, [0]]) != self.side)

    class NoWeights(Expert):
        def fit(self, X, y):
            return super().fit(X, y)

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = np.sin(3 * X[:, 0]) + 0.3 * rng.normal(size=300)
    w = np.where(X[:, 0] > 0, 5.0, 1.0)
    levels = [0.1, 0.5, 0.9]
    rows = []
    for label, on in [("routing off", False), ("routing on", True)]:
        with sklearn.config_context(enable_metadata_routing=on):
            left = Expert(-1, 1.0, levels)
            if on:
                left = left.set_fit_request(sample_weight=False)
                right = NoWeights(1, -0.8, levels)
            else:
                right = Expert(1, -0.8, levels)
            agg = QuantileAggregator(
                [("left", left), ("right", right)],
                quantiles=levels,
                weighting="global",
                cv=3,
                random_state=0,
            )
            for wlabel, sw in [("none", None), ("5 where x0 > 0", w)]:
                try:
                    agg.fit(X, y, sample_weight=sw)
                    out = f"weights_ = {np.round(agg.weights_, 4).tolist()}"
                except Exception as exc:
                    out = f"{type(exc).__name__}: {str(exc)[:70]}"
                rows.append((label, wlabel, out))
    print("\n## 1. sample_weight with metadata routing\n")
    print("| routing | sample_weight | result |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


ALPHAS = {"0.1": ("0.05", "0.95"), "0.2": ("0.1", "0.9"), "0.05": ("0.025", "0.975")}


def ranks(QuantileAggregator, n_max=1000):
    """Rank the aggregator's calibration step takes, per alpha and n."""
    out = {}
    for alpha, (lo, hi) in ALPHAS.items():
        levels = np.array([float(lo), float(hi)])
        agg = QuantileAggregator([], quantiles=levels)
        diffs, got = [], {}
        for n in range(10, n_max + 1):
            y = np.arange(1.0, n + 1)  # scores 1..n: the value is the rank
            q = np.zeros((n, 2))
            c = agg._calibrate(q, y, None, [(0, 1)], levels)[0]
            rank = math.inf if np.isinf(c) else int(c)
            exact = math.ceil((n + 1) * (1 - Fraction(alpha)))
            exact = math.inf if exact > n else exact
            got[n] = rank
            if rank != exact:
                diffs.append((n, rank, exact))
        out[alpha] = (got, diffs)
    return out


def coverage_of_ranks(table, n_sets=200_000, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for alpha, (_got, diffs) in table.items():
        for n, rank, exact in diffs:
            cover = {}
            for label, k in [("taken", rank), ("exact", exact)]:
                if math.isinf(k):
                    cover[label] = 1.0
                    continue
                total, chunk = 0.0, 10_000  # bounded memory
                for start in range(0, n_sets, chunk):
                    u = rng.uniform(size=(min(chunk, n_sets - start), n))
                    total += np.partition(u, k - 1, axis=1)[:, k - 1].sum()
                cover[label] = total / n_sets
            rows.append((alpha, n, rank, exact, cover["taken"], cover["exact"]))
    return rows


def coverage_of_fits(QuantileAggregator, Zero, n=9, n_fits=400, seed=7):
    levels = [0.2, 0.45, 0.55, 0.8]  # coverages 0.6 and 0.1
    X = np.zeros((n, 1))
    rng = np.random.default_rng(seed)
    cover = np.empty((n_fits, 2))
    for r in range(n_fits):
        y = rng.normal(size=n)
        agg = QuantileAggregator(
            [("a", Zero(levels)), ("b", Zero(levels))],
            quantiles=levels,
            weighting="global",
            conformalize=True,
            cv=2,
            random_state=0,
        ).fit(X, y)
        cover[r] = 2 * norm.cdf(agg.conformal_corrections_) - 1
    return cover.mean(axis=0), cover.std(axis=0) / np.sqrt(n_fits)


def main(quick: bool = False, tree: str | None = None):
    sklearn, skvariance, QuantileAggregator, Zero = _load(tree)
    print(f"skvariance from {skvariance.__file__}")
    routing(sklearn, QuantileAggregator)

    table = ranks(QuantileAggregator, n_max=200 if quick else 1000)
    print("\n## 2. Conformal rank, n in 10..1000: where it differs from exact\n")
    print("| alpha | n where the rank differs (taken vs exact) | count |")
    print("|---|---|---|")
    for alpha, (_, diffs) in table.items():
        listed = ", ".join(f"{n} ({r} vs {e})" for n, r, e in diffs) or "none"
        print(f"| {alpha} | {listed} | {len(diffs)} |")

    rows = coverage_of_ranks(table, n_sets=20_000 if quick else 200_000)
    if rows:
        print("\n## 3a. Coverage of the rank taken vs the exact rank (simulated)\n")
        print(
            "| alpha | n | rank taken | exact rank | coverage taken | "
            "coverage exact | nominal | upper bound 1-alpha+1/(n+1) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for alpha, n, r, e, ct, ce in rows:
            nominal = 1 - float(alpha)
            print(
                f"| {alpha} | {n} | {r} | {e} | {ct:.4f} | {ce:.4f} | "
                f"{nominal:.2f} | {nominal + 1 / (n + 1):.4f} |"
            )
    mean, se = coverage_of_fits(QuantileAggregator, Zero, n_fits=100 if quick else 400)
    print("\n## 3b. Coverage of fitted aggregators, n = 9 (exact k / (n + 1))\n")
    print("| nominal | exact-rank coverage | simulated (mean +- se) |")
    print("|---|---|---|")
    for nominal, m, s in zip([0.6, 0.1], mean, se):
        k = math.ceil(10 * Fraction(str(nominal)))
        print(f"| {nominal} | {k / 10:.3f} | {m:.4f} +- {s:.4f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tree", default=None, help="import skvariance from here")
    args = parser.parse_args()
    main(quick=args.quick, tree=args.tree)

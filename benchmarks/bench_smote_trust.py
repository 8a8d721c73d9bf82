"""Trust numbers of the SMOTE family (issue 15), for any checkout on the path.

Run from a checkout root (``python benchmarks/bench_smote_trust.py``); set
``PYTHONPATH`` to another checkout to get its numbers (before/after).

1. Tie rule: share of rows whose neighbour list equals a brute-force
   reference (squared distances written out, stable sort by distance then
   index) on integer data with many ties, dense and sparse, k = 1, 5, 10.
2. SMOTER's default relevance: share of rows marked rare (low/high tails)
   on lognormal, normal and real targets (Engel food expenditure from
   statsmodels, diabetes from scikit-learn), and the skewness of the target
   before and after ``sampling_strategy="balance"``.
3. Neighbour search time (``class_kneighbors``, cache off, n_jobs=1, best
   wall and CPU seconds) on 20-column normal data, and the time of SMOTE on
   ``bench_resampling``'s data (5% minority). ``... bench_smote_trust.py
   timing`` runs this part only.
"""

import time
import warnings

import numpy as np
from scipy import sparse
from scipy.stats import skew

from skvariance.resampling import SMOTE, SMOTER
from skvariance.resampling._neighbors import class_kneighbors


def brute_force(X, k):
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        out[i] = others[np.argsort(D[i, others], kind="stable")[:k]]
    return out


def tie_rule():
    rows = []
    for low, high, offset in [(0, 3, 0), (0, 20, 0), (100, 110, 0), (0, 4, 1e8)]:
        rng = np.random.RandomState(high)
        X = rng.randint(low, high, size=(800, 5)).astype(float)
        Xs = X.copy()
        Xs[rng.uniform(size=X.shape) < 0.4] = 0.0
        if offset:
            for A in (X, Xs):
                A[:, :2] = np.where(A[:, :2] != 0, A[:, :2] + offset, 0.0)
        for k in (1, 5, 10):
            dense = class_kneighbors(X, k, use_cache=False)
            sp = class_kneighbors(sparse.csr_matrix(Xs), k, use_cache=False)
            rows.append(
                (
                    f"ints [{low}, {high}){' + 1e8' if offset else ''}",
                    k,
                    100 * (dense == brute_force(X, k)).all(1).mean(),
                    100 * (sp == brute_force(Xs, k)).all(1).mean(),
                )
            )
    print("| data (800 x 5) | k | dense rows right % | sparse rows right % |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} |")


def targets():
    rng = np.random.RandomState(0)
    out = {
        "lognormal (3,000)": np.exp(rng.normal(size=3000)),
        "normal (3,000)": rng.normal(size=3000),
        "uniform (3,000)": rng.uniform(size=3000),
    }
    from sklearn.datasets import load_diabetes

    try:
        import statsmodels.api as sm

        engel = sm.datasets.engel.load_pandas().data["foodexp"].to_numpy()
        out["Engel foodexp (235)"] = engel.astype(float)
    except ImportError:  # pragma: no cover
        pass
    out["diabetes (442)"] = load_diabetes().target.astype(float)
    return out


def relevance():
    print("| target | relevance | rare % (low / high) | skewness before -> after |")
    print("|---|---|---|---|")
    for name, y in targets().items():
        X = np.random.RandomState(1).normal(size=(y.size, 3))
        for relevance in ("default", "density", "iqr"):
            kwargs = {} if relevance == "default" else {"relevance": relevance}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sampler = SMOTER(random_state=0, **kwargs)
                _, y_res = sampler.fit_resample(X, y)
            low, high = sampler.n_rare_["low"], sampler.n_rare_["high"]
            label = relevance
            if relevance == "default":
                label = f"default ({sampler.relevance})"
            print(
                f"| {name} | {label} | {100 * (low + high) / y.size:.1f} "
                f"({100 * low / y.size:.1f} / {100 * high / y.size:.1f}) | "
                f"{skew(y):+.2f} -> {skew(y_res):+.2f} |"
            )


def _best(fn, repeat):
    """Best wall and CPU seconds of ``repeat`` calls (CPU time is less
    disturbed by other processes on a shared machine)."""
    wall, cpu = np.inf, np.inf
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def timing(repeat=5):
    from sklearn.datasets import make_classification

    import skvariance

    print("| case (n_jobs=1) | wall s (best) | CPU s (best) |")
    print("|---|---|---|")
    rng = np.random.RandomState(0)
    class_kneighbors(rng.normal(size=(300, 20)), 5, use_cache=False)  # compile
    for n in (5_000, 20_000):
        X = rng.normal(size=(n, 20))
        wall, cpu = _best(
            lambda X=X: class_kneighbors(X, 5, use_cache=False, n_jobs=1), repeat
        )
        print(f"| class_kneighbors {n:,} x 20, k=5 | {wall:.3f} | {cpu:.3f} |")
    for n in (20_000, 100_000):
        X, y = make_classification(
            n_samples=n, n_features=20, n_informative=10, weights=[0.95],
            flip_y=0.0, random_state=0,
        )  # fmt: skip

        def run(X=X, y=y):
            with skvariance.config_context(neighbors_cache=False):
                SMOTE(random_state=0, n_jobs=1).fit_resample(X, y)

        wall, cpu = _best(run, repeat)
        print(f"| SMOTE single call, n={n:,} (5% minority) | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["timing"]:
        timing()
        raise SystemExit
    tie_rule()
    print()
    relevance()
    print()
    timing()

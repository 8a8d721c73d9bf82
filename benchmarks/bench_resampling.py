"""SMOTE and SMOTE-NC: skvariance vs imbalanced-learn.

Data: ``make_classification`` with 20 features and a 5% minority class.
Cases, each with median wall time and peak resident-set growth:

* ``single call``: one ``fit_resample`` with our neighbour-graph cache off
  (``skvariance.config_context(neighbors_cache=False)``), so the search is
  always paid;
* ``ten seeds``: ten ``fit_resample`` calls with seeds 0..9 on the same data
  (our cache is cleared once at the start; imbalanced-learn searches ten
  times);

Both sides run with the same explicit ``n_jobs`` (:data:`N_JOBS`, 2 by
default, ``SKVARIANCE_BENCH_N_JOBS`` to change it): ours as
``SMOTE(n_jobs=...)``, imbalanced-learn's (which has no ``n_jobs``) through
``k_neighbors=NearestNeighbors(n_neighbors=k + 1, n_jobs=...)``.
* ``SMOTENC``: 15 continuous and 5 categorical columns of 50 levels.
  imbalanced-learn's SMOTENC builds a dense ``(n_new, k, n_encoded)`` float64
  array for the category vote -- about 9.5 GB at 1,000,000 rows -- so at that
  size it only runs when ``SKVARIANCE_BENCH_IMBLEARN_SMOTENC_1M=1`` is set;
  otherwise the row says ``n/a`` and the side-by-side row at 100,000 rows
  shows the scaling.

Quality columns: ``same_counts`` (class counts equal) and, for SMOTE,
``max_abs_diff`` between the two outputs for the same seed (0 up to rounding
when both find the same neighbours, which they do on continuous data).
"""

import os
from collections import Counter
from functools import partial

import numpy as np
from _harness import compare, print_table
from sklearn.datasets import make_classification
from sklearn.neighbors import NearestNeighbors

import skvariance
from skvariance.resampling import SMOTE, SMOTENC
from skvariance.resampling import clear_neighbors_cache as clear_cache

try:
    from imblearn.over_sampling import SMOTE as ImbSMOTE
    from imblearn.over_sampling import SMOTENC as ImbSMOTENC
except ImportError:  # pragma: no cover
    ImbSMOTE = ImbSMOTENC = None


#: Same explicit n_jobs for both sides.
N_JOBS = int(os.environ.get("SKVARIANCE_BENCH_N_JOBS", "2"))


def _nn():
    return NearestNeighbors(n_neighbors=6, n_jobs=N_JOBS)


def _data(n, seed=0):
    return make_classification(
        n_samples=n,
        n_features=20,
        n_informative=10,
        weights=[0.95],
        flip_y=0.0,
        random_state=seed,
    )


def _ours_single(X, y):
    with skvariance.config_context(neighbors_cache=False):
        return SMOTE(random_state=0, n_jobs=N_JOBS).fit_resample(X, y)


def _peer_single(X, y):
    return ImbSMOTE(random_state=0, k_neighbors=_nn()).fit_resample(X, y)


def _ours_seeds(X, y):
    clear_cache()
    out = [SMOTE(random_state=s, n_jobs=N_JOBS).fit_resample(X, y) for s in range(10)]
    return out[-1]


def _peer_seeds(X, y):
    return [
        ImbSMOTE(random_state=s, k_neighbors=_nn()).fit_resample(X, y)
        for s in range(10)
    ][-1]


def _quality(ours, peer):
    if peer is None:
        return {}
    same = Counter(ours[1].tolist()) == Counter(peer[1].tolist())
    diff = float(np.max(np.abs(ours[0] - peer[0]))) if same else float("nan")
    return {"same_counts": same, "max_abs_diff": diff}


def _mixed(n, seed=0):
    X, y = _data(n, seed)
    rng = np.random.RandomState(seed)
    X[:, 15:] = rng.randint(0, 50, size=(n, 5))
    return X, y


def _ours_nc(X, y):
    with skvariance.config_context(neighbors_cache=False):
        return SMOTENC(
            categorical_features=list(range(15, 20)), random_state=0, n_jobs=N_JOBS
        ).fit_resample(X, y)


def _peer_nc(X, y):
    return ImbSMOTENC(
        categorical_features=list(range(15, 20)), random_state=0, k_neighbors=_nn()
    ).fit_resample(X, y)


def _counts_only(ours, peer):
    if peer is None:
        return {}
    return {"same_counts": Counter(ours[1].tolist()) == Counter(peer[1].tolist())}


def main(quick: bool = False):
    sizes = [20_000] if quick else [100_000, 1_000_000]
    rows = []
    for n in sizes:
        X, y = _data(n)
        big = n >= 1_000_000
        repeat, warm = (1, False) if big else (3, True)
        rows.append(
            compare(
                f"SMOTE n={n:,} single call",
                partial(_ours_single, X, y),
                partial(_peer_single, X, y) if ImbSMOTE else None,
                repeat=repeat,
                warmup=warm,
                memory=True,
                quality=_quality,
            )
        )
        rows.append(
            compare(
                f"SMOTE n={n:,} ten seeds",
                partial(_ours_seeds, X, y),
                partial(_peer_seeds, X, y) if ImbSMOTE else None,
                repeat=1,
                warmup=not big,
                memory=not big,
                quality=_quality,
            )
        )
        del X, y
    nc_sizes = [50_000] if quick else [100_000, 1_000_000]
    for n in nc_sizes:
        X, y = _mixed(n)
        run_peer = ImbSMOTENC is not None and (
            n < 1_000_000
            or os.environ.get("SKVARIANCE_BENCH_IMBLEARN_SMOTENC_1M") == "1"
        )
        big = n >= 1_000_000
        rows.append(
            compare(
                f"SMOTENC n={n:,} (5 cat x 50 levels)",
                partial(_ours_nc, X, y),
                partial(_peer_nc, X, y) if run_peer else None,
                repeat=1,
                warmup=not big,
                memory=True,
                quality=_counts_only,
            )
        )
        del X, y
    return print_table(
        f"SMOTE family, 20 features, 5% minority, n_jobs={N_JOBS} on both sides",
        rows,
        peer="imblearn",
    )


if __name__ == "__main__":
    main()

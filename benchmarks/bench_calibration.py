"""Conformal calibration: skvariance.calibration vs MAPIE (v1) and crepes.

Every case runs both sides on the same data, the same split and the same
base model, in this process:

* split conformal regression: our ``ConformalRegressor`` vs MAPIE's
  ``SplitConformalRegressor`` fitted on our proper-training rows and
  conformalized on our calibration rows (``max_abs_diff`` of the bounds
  must be 0); on the real diabetes data and on synthetic data;
* CV+: our chunked ``method="cv_plus"`` vs MAPIE's
  ``CrossConformalRegressor(method="plus")``, which builds n_test x n_train
  matrices -- time and peak resident memory;
* CQR at five coverage levels: ours fits once -- two quantile models
  recalibrated for every level, or one model per level of the five pairs --
  and MAPIE's ``ConformalizedQuantileRegressor`` fits three models per level
  (15 in all);
* split APS / LAC classification vs MAPIE's ``SplitConformalClassifier``;
* Mondrian regression and the conformal predictive system vs crepes
  (``max_abs_diff`` must be 0). ``groups_equal`` counts the Mondrian groups
  whose bounds agree exactly: where ``(n_g + 1) * (1 - coverage)`` is an
  integer, crepes' ``int((1 - 0.9) * (n + 1))`` is one below it in floating
  point (``0.09999999999999998 * 310 = 30.999...``) and takes the next larger
  score; ours (and MAPIE's) use the exact rank ``ceil((n + 1) * 0.9)``.

Quality columns: empirical coverage and mean width (or set size) on a
held-out test set, for both sides.

Timing (the machine is small and shared): both sides are warmed up once, then
run ``repeat`` times *interleaved* in this process (ours, peer, peer, ours,
...; a ``gc.collect()`` before every call), so that a burst of load from
other processes hits both alike. ``ours_s`` / ``peer_s`` and ``speedup`` use
the best (minimum) time of each side, the least noisy estimate of the work
itself; ``ours_med`` / ``peer_med`` / ``speedup_med`` are the medians.

What is timed is the same work on both sides, from ``(X, y)`` to the test
intervals (sets): for split conformal and Mondrian, each side draws the
seeded proper-training / calibration split (the peer through
``_same_split``, which reproduces ours row for row), fits a fresh ``Ridge``
(or ``LogisticRegression``) on the proper-training rows, predicts the
calibration rows, calibrates and predicts the test rows. Nothing is
prefitted outside the timing on either side; ours also validates its inputs
(once) and clones and seeds its estimator, which the peers skip or do
inside their own calls.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np
from _harness import peak_rss_growth, print_table
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)

LEVELS = [0.5, 0.7, 0.8, 0.9, 0.95]
#: interleaved timed runs per side of the fast cases (split, Mondrian)
REPEAT = 41
#: ... of the classification cases, and of the slow ones (CV+, CQR)
REPEAT_CLS = 9
REPEAT_SLOW = 1


def compare(case, ours, peer, *, repeat=3, quality=None, memory=False):
    """Time ``ours`` and ``peer`` interleaved; best and median of ``repeat``."""
    r_ours = ours()  # warm-up (numba compilation, caches)
    r_peer = peer() if peer is not None else None
    sides = {"ours": (ours, []), "peer": (peer, [])} if peer else {"ours": (ours, [])}
    for i in range(repeat):
        names = list(sides) if i % 2 == 0 else list(reversed(sides))
        for name in names:
            func, times = sides[name]
            gc.collect()
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
    row = {"case": case}
    t_ours = sides["ours"][1]
    row["ours_s"] = min(t_ours)
    row["peer_s"] = min(sides["peer"][1]) if peer else None
    row["speedup"] = row["peer_s"] / row["ours_s"] if peer else None
    row["ours_med"] = statistics.median(t_ours)
    row["peer_med"] = statistics.median(sides["peer"][1]) if peer else None
    row["speedup_med"] = row["peer_med"] / row["ours_med"] if peer else None
    if memory:
        row["ours_MB"] = _mb(peak_rss_growth(ours)[0])
        row["peer_MB"] = _mb(peak_rss_growth(peer)[0]) if peer else None
    if quality is not None:
        row.update(quality(r_ours, r_peer))
    return row


def _mb(value):
    return None if value is None else value / 2**20


def _title(title, repeat):
    return f"{title} -- time: best of {repeat} interleaved runs per side (s)"


def _peer(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:  # pragma: no cover - optional peer
        return None


def _same_split(n, seed, stratify=None, share=0.25):
    """The proper-training / calibration rows our calibrators draw.

    A peer has to split the data too; it does it inside its timing, the way
    ours does (the first draw of ``RandomState(seed)``: a permutation, or a
    stratified ``train_test_split`` for classifiers), so that both sides
    start from the same ``(X, y)``. The callers check that the rows are ours.
    """
    from sklearn.model_selection import train_test_split

    rng = np.random.RandomState(seed)
    n_cal = int(np.ceil(share * n))
    if stratify is None:
        cal = rng.permutation(n)[:n_cal]
    else:
        _, cal = train_test_split(
            np.arange(n), test_size=n_cal, random_state=rng, stratify=stratify
        )
    is_cal = np.zeros(n, dtype=bool)
    is_cal[cal] = True
    return np.flatnonzero(~is_cal), np.flatnonzero(is_cal)


def _heteroscedastic(n, seed=0, n_features=8):
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, n_features))
    mean = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
    mean += 10 * X[:, 3] + 5 * X[:, 4]
    y = mean + rng.normal(size=n) * (0.5 + 3 * X[:, 0])
    return X, y


def _cover_width(bounds, y):
    b = bounds if bounds.ndim == 2 else bounds[:, :, 0]
    covered = float(np.mean((y >= b[:, 0]) & (y <= b[:, 1])))
    return covered, float(np.mean(b[:, 1] - b[:, 0]))


def _interval_quality(y_test):
    def quality(ours, peer):
        row = {}
        row["ours_cov"], row["ours_width"] = _cover_width(ours, y_test)
        if peer is not None:
            row["peer_cov"], row["peer_width"] = _cover_width(peer, y_test)
            row["max_abs_diff"] = float(np.max(np.abs(ours - peer)))
        return row

    return quality


def _split_case(name, X, y, X_test, y_test, mapie):
    ours_model = ConformalRegressor(Ridge(), coverage=0.9, random_state=0).fit(X, y)
    assert np.array_equal(
        _same_split(X.shape[0], 0)[1], ours_model.calibration_indices_
    )

    def ours():
        reg = ConformalRegressor(Ridge(), coverage=0.9, random_state=0).fit(X, y)
        return reg.predict_interval(X_test)

    def peer():
        train, cal = _same_split(X.shape[0], 0)
        model = mapie.SplitConformalRegressor(
            Ridge(), confidence_level=0.9, prefit=False
        )
        model.fit(X[train], y[train]).conformalize(X[cal], y[cal])
        return model.predict_interval(X_test)[1][:, :, 0]

    return compare(
        name,
        ours,
        peer if mapie else None,
        repeat=REPEAT,
        quality=_interval_quality(y_test),
    )


def _cv_plus_case(n, n_test, mapie):
    X, y = _heteroscedastic(n + n_test, seed=1)
    X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]

    def ours():
        reg = ConformalRegressor(Ridge(), method="cv_plus", cv=5, random_state=0)
        return reg.fit(X, y).predict_interval(X_test)

    def peer():
        from sklearn.model_selection import KFold

        model = mapie.CrossConformalRegressor(
            Ridge(),
            confidence_level=0.9,
            method="plus",
            cv=KFold(5, shuffle=True, random_state=0),
        )
        return model.fit_conformalize(X, y).predict_interval(X_test)[1][:, :, 0]

    def quality(ours_b, peer_b):
        row = _interval_quality(y_test)(ours_b, peer_b)
        row.pop("max_abs_diff", None)  # different folds: not the same numbers
        return row

    return compare(
        f"CV+ n_train={n} n_test={n_test}",
        ours,
        peer if mapie else None,
        repeat=REPEAT_SLOW,
        memory=True,
        quality=quality,
    )


def _cqr_case(n, n_test, mapie):
    X, y = _heteroscedastic(n + n_test, seed=2)
    X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    gbr = GradientBoostingRegressor(
        loss="quantile", n_estimators=60, max_depth=3, random_state=0
    )

    def ours():
        # two quantile models (0.05, 0.95), recalibrated for every level
        cqr = ConformalQuantileRegressor(gbr, coverage=0.9, random_state=0)
        return cqr.fit(X, y).predict_interval(X_test, coverage=LEVELS)

    def ours_pairs():
        # one quantile model per level of the five central intervals
        pairs = sorted({round((1 - c) / 2, 6) for c in LEVELS})
        pairs += [1 - p for p in reversed(pairs)]
        cqr = ConformalQuantileRegressor(gbr, quantile_levels=pairs, random_state=0)
        return cqr.fit(X, y).predict_interval(X_test, coverage=LEVELS)

    def peer():
        from sklearn.model_selection import train_test_split

        X_tr, X_cal, y_tr, y_cal = train_test_split(
            X, y, test_size=0.25, random_state=0
        )
        out = []
        for level in LEVELS:
            model = mapie.ConformalizedQuantileRegressor(
                clone(gbr), confidence_level=level
            )
            model.fit(X_tr, y_tr).conformalize(X_cal, y_cal)
            out.append(model.predict_interval(X_test)[1][:, :, 0])
        return np.stack(out, axis=2)

    def quality(ours_b, peer_b):
        row = {}
        for k in (1, 3):  # 0.7 and 0.9
            cov, width = _cover_width(ours_b[:, :, k], y_test)
            row[f"ours_cov@{LEVELS[k]}"], row[f"ours_width@{LEVELS[k]}"] = cov, width
            if peer_b is not None:
                cov, width = _cover_width(peer_b[:, :, k], y_test)
                row[f"peer_cov@{LEVELS[k]}"] = cov
                row[f"peer_width@{LEVELS[k]}"] = width
        return row

    return [
        compare(
            f"CQR 5 levels n={n}, ours: 2 models",
            ours,
            peer if mapie else None,
            repeat=REPEAT_SLOW,
            quality=quality,
        ),
        compare(
            f"CQR 5 levels n={n}, ours: 10 models (own pair per level)",
            ours_pairs,
            peer if mapie else None,
            repeat=REPEAT_SLOW,
            quality=quality,
        ),
    ]


def _classification_case(score, n, mapie_cls):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=2 * n,
        n_classes=5,
        n_informative=6,
        n_redundant=0,
        class_sep=0.7,
        random_state=0,
    )
    X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    ours_model = ConformalClassifier(
        LogisticRegression(max_iter=500), score=score, random_state=0
    ).fit(X, y)
    cal = _same_split(n, 0, stratify=y)[1]
    assert np.array_equal(cal, ours_model.calibration_indices_)

    def ours():
        clf = ConformalClassifier(
            LogisticRegression(max_iter=500), score=score, random_state=0
        )
        return clf.fit(X, y).predict_set(X_test)

    def peer():
        train, cal = _same_split(n, 0, stratify=y)
        model = mapie_cls.SplitConformalClassifier(
            LogisticRegression(max_iter=500),
            confidence_level=0.9,
            conformity_score=score,
            prefit=False,
            random_state=0,
        )
        model.fit(X[train], y[train]).conformalize(X[cal], y[cal])
        return model.predict_set(X_test)[1][:, :, 0]

    def quality(ours_s, peer_s):
        idx = np.arange(y_test.size)
        row = {
            "ours_cov": float(ours_s[idx, y_test].mean()),
            "ours_size": float(ours_s.sum(axis=1).mean()),
        }
        if peer_s is not None:
            row["peer_cov"] = float(peer_s[idx, y_test].mean())
            row["peer_size"] = float(peer_s.sum(axis=1).mean())
            row["same_sets"] = float(np.mean(np.all(ours_s == peer_s, axis=1)))
        return row

    return compare(
        f"split {score.upper()} n={n}",
        ours,
        peer if mapie_cls else None,
        repeat=REPEAT_CLS,
        quality=quality,
    )


def _crepes_cases(n, n_test, crepes):
    X, y = _heteroscedastic(n + n_test, seed=3)
    X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    groups = np.digitize(X[:, 0], [0.25, 0.5, 0.75])
    groups_test = np.digitize(X_test[:, 0], [0.25, 0.5, 0.75])
    ref = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
    assert np.array_equal(_same_split(n, 0)[1], ref.calibration_indices_)

    def ours_mondrian():
        reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
        return reg.predict_interval(X_test, groups=groups_test)

    def peer_mondrian():
        train, cal = _same_split(n, 0)
        model = Ridge().fit(X[train], y[train])
        cr = crepes.ConformalRegressor().fit(
            y[cal] - model.predict(X[cal]), bins=groups[cal]
        )
        return cr.predict_int(
            model.predict(X_test), bins=groups_test, confidence=0.9, y_min=-np.inf
        )

    levels = [0.05, 0.25, 0.5, 0.75, 0.95]

    def ours_cps():
        reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y, groups=groups)
        return reg.predict_quantiles(X_test, levels, groups=groups_test)

    def peer_cps():
        train, cal = _same_split(n, 0)
        model = Ridge().fit(X[train], y[train])
        cps = crepes.ConformalPredictiveSystem().fit(
            y[cal] - model.predict(X[cal]), bins=groups[cal]
        )
        return cps.predict(
            model.predict(X_test),
            bins=groups_test,
            higher_percentiles=[100 * p for p in levels],
        )

    def cps_quality(ours_q, peer_q):
        row = {"ours_P(y<=q50)": float(np.mean(y_test <= ours_q[:, 2]))}
        if peer_q is not None:
            row["peer_P(y<=q50)"] = float(np.mean(y_test <= peer_q[:, 2]))
            row["max_abs_diff"] = float(np.max(np.abs(ours_q - peer_q)))
        return row

    def mondrian_quality(ours_b, peer_b):
        row = _interval_quality(y_test)(ours_b, peer_b)
        if peer_b is not None:
            same = [
                bool(np.allclose(ours_b[groups_test == g], peer_b[groups_test == g]))
                for g in np.unique(groups_test)
            ]
            row["groups_equal"] = f"{sum(same)}/{len(same)}"
        return row

    return [
        compare(
            f"Mondrian 4 groups n={n}",
            ours_mondrian,
            peer_mondrian if crepes else None,
            repeat=REPEAT,
            quality=mondrian_quality,
        ),
        compare(
            f"Mondrian CPS 5 levels n={n}",
            ours_cps,
            peer_cps if crepes else None,
            repeat=REPEAT,
            quality=cps_quality,
        ),
    ]


SECTIONS = ("split", "cv_plus", "cqr", "classification", "mondrian")


def main(quick: bool = False, sections=SECTIONS):
    import logging

    mapie = _peer("mapie.regression")
    mapie_cls = _peer("mapie.classification")
    crepes = _peer("crepes")
    # MAPIE logs "The predictions are ill-sorted." through the root logger
    logging.getLogger().setLevel(logging.WARNING)
    out = []

    if "split" in sections:
        X, y = load_diabetes(return_X_y=True)
        rows = [
            _split_case(
                "diabetes (real) n=332", X[:332], y[:332], X[332:], y[332:], mapie
            )
        ]
        n = 5_000 if quick else 50_000
        X, y = _heteroscedastic(n + 5_000)
        rows.append(_split_case(f"synthetic n={n}", X[:n], y[:n], X[n:], y[n:], mapie))
        title = _title("split conformal regression (Ridge), fit + predict", REPEAT)
        out.append(print_table(title, rows, peer="mapie"))

    if "cv_plus" in sections:
        cv_n, cv_test = (5_000, 1_000) if quick else (50_000, 2_000)
        title = _title("CV+ (Ridge, 5 folds): time and peak memory", REPEAT_SLOW)
        out.append(
            print_table(title, [_cv_plus_case(cv_n, cv_test, mapie)], peer="mapie")
        )

    if "cqr" in sections:
        cqr_n = 2_000 if quick else 10_000
        title = _title(
            "CQR, five coverage levels (GradientBoosting quantile)", REPEAT_SLOW
        )
        out.append(print_table(title, _cqr_case(cqr_n, 2_000, mapie), peer="mapie"))

    if "classification" in sections:
        cls_n = 2_000 if quick else 20_000
        title = _title(
            "split conformal classification (LogisticRegression, 5 classes)",
            REPEAT_CLS,
        )
        rows = [_classification_case(s, cls_n, mapie_cls) for s in ("lac", "aps")]
        out.append(print_table(title, rows, peer="mapie"))

    if "mondrian" in sections:
        cr_n = 5_000 if quick else 50_000
        title = _title("Mondrian regression and predictive system (Ridge)", REPEAT)
        rows = _crepes_cases(cr_n, 5_000, crepes)
        out.append(print_table(title, rows, peer="crepes"))
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    only = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--sections=")]
    main(
        quick="--quick" in sys.argv,
        sections=only[0].split(",") if only else SECTIONS,
    )

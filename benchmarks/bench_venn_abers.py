"""Venn-Abers: skvariance vs CalibratedClassifierCV (quality) and venn-abers (time).

Quality: on six real binary problems (scikit-learn's breast_cancer, digits
"8 vs rest" and wine "class 1 vs rest"; statsmodels' fair "affairs > 0",
anes96 "vote" and star98 "share above the median > its median") a base
model that needs calibration (GaussianNB; a random forest on two of them)
is calibrated by CalibratedClassifierCV (sigmoid, isotonic, temperature;
5-fold) and by our VennAbersClassifier (inductive with 25% held out, and
cross with 5 folds), over repeated stratified 70/30 splits. Columns: mean
(sd) over the splits of the held-out log-loss, Brier score and binned ECE
(15 equal-width bins of the positive-class probability), and the mean
width p1 - p0 of the Venn-Abers interval.

Time: ours vs the venn-abers package (``VennAbersCalibrator``, 1.5.4) on
the same data, same seed and same splits (its ``train_test_split`` /
``StratifiedKFold`` reproduced by ours), interleaved, best of N rounds;
``max_abs_diff`` is the largest difference of the two ``predict_proba``.
The package's p0/p1 tables take O(k^2) in the worst case (k distinct
calibration scores), ours O(k) after sorting.

Run: ``PYTHONPATH=/tmp/va_pkgs python benchmarks/bench_venn_abers.py``
(``--quick`` for fewer splits and rounds).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from _harness import compare_interleaved, environment, print_table
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_classification,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier
from skvariance.metrics import calibration_error


def datasets():
    """(name, X, y) of six real binary problems."""
    import statsmodels.api as sm

    out = []
    X, y = load_breast_cancer(return_X_y=True)
    out.append(("breast_cancer", X, y))
    X, y = load_digits(return_X_y=True)
    out.append(("digits 8-vs-rest", X, (y == 8).astype(int)))
    X, y = load_wine(return_X_y=True)
    out.append(("wine 1-vs-rest", X, (y == 1).astype(int)))
    d = sm.datasets.fair.load_pandas().data
    out.append(
        (
            "fair affairs>0",
            d.drop(columns="affairs").to_numpy(float),
            (d.affairs > 0).to_numpy(int),
        )
    )
    d = sm.datasets.anes96.load_pandas().data
    out.append(
        (
            "anes96 vote",
            d.drop(columns=["vote", "popul"]).to_numpy(float),
            d.vote.to_numpy(int),
        )
    )
    d = sm.datasets.star98.load_pandas().data
    share = d.NABOVE / (d.NABOVE + d.NBELOW)
    out.append(
        (
            "star98 above median",
            d.drop(columns=["NABOVE", "NBELOW"]).to_numpy(float),
            (share > share.median()).to_numpy(int),
        )
    )
    return out


def methods(base):
    """name -> unfitted calibrated model (None: the raw base model)."""
    out = {"raw": base}
    for m in ("sigmoid", "isotonic", "temperature"):
        out[f"CCCV {m}"] = CalibratedClassifierCV(base, method=m, cv=5)
    out["VA inductive"] = VennAbersClassifier(
        base, calibration_size=0.25, random_state=0
    )
    out["VA cross"] = VennAbersClassifier(base, method="cross", cv=5, random_state=0)
    return out


def quality(n_splits):
    rows = []
    cases = [(name, X, y, GaussianNB()) for name, X, y in datasets()]
    rf = RandomForestClassifier(n_estimators=50, min_samples_leaf=3, random_state=0)
    cases += [
        (f"{name} (forest)", X, y, rf)
        for name, X, y in datasets()
        if name in ("breast_cancer", "anes96 vote")
    ]
    for name, X, y, base in cases:
        scores = {m: [] for m in methods(base)}
        widths = {"VA inductive": [], "VA cross": []}
        splitter = StratifiedShuffleSplit(
            n_splits=n_splits, test_size=0.3, random_state=0
        )
        for train, test in splitter.split(X, y):
            for m, model in methods(base).items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # lbfgs / temperature warnings
                    model.fit(X[train], y[train])
                p = np.clip(model.predict_proba(X[test])[:, 1], 0, 1)
                scores[m].append(
                    (
                        log_loss(y[test], p, labels=[0, 1]),
                        brier_score_loss(y[test], p),
                        calibration_error(y[test], p, n_bins=15),
                    )
                )
                if m in widths:
                    iv = model.predict_proba_interval(X[test])
                    widths[m].append(float(np.mean(iv[:, 1] - iv[:, 0])))
        for m, values in scores.items():
            v = np.array(values)
            mean, sd = v.mean(axis=0), v.std(axis=0, ddof=1) if len(v) > 1 else 0 * v[0]
            rows.append(
                {
                    "data": name,
                    "n": len(y),
                    "method": m,
                    "log_loss": f"{mean[0]:.4f} ({sd[0]:.4f})",
                    "brier": f"{mean[1]:.4f} ({sd[1]:.4f})",
                    "ece": f"{mean[2]:.4f} ({sd[2]:.4f})",
                    "va_width": f"{np.mean(widths[m]):.4f}" if m in widths else "",
                }
            )
    return rows


def _agree(a, b):
    return {"max_abs_diff": None if b is None else float(np.max(np.abs(a - b)))}


def _sides(X, y, base, inductive, VennAbersCalibrator):
    """ours() and peer() on the same split: the last fifth is the test set."""
    n_test = len(y) // 5
    X_tr, y_tr, X_te = X[:-n_test], y[:-n_test], X[-n_test:]
    binary = len(np.unique(y)) == 2

    def ours():
        va = VennAbersClassifier(
            base,
            method="inductive" if inductive else "cross",
            calibration_size=0.25,
            cv=5,
            stratify=binary,
            random_state=0,
        )
        return va.fit(X_tr, y_tr).predict_proba(X_te)

    if VennAbersCalibrator is None:
        return ours, None
    if inductive:
        kw = dict(inductive=True, cal_size=0.25, stratify=y_tr if binary else None)
    else:
        kw = dict(inductive=False, n_splits=5)

    def peer():
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            va = VennAbersCalibrator(base, random_state=0, **kw)
            return va.fit(X_tr, y_tr).predict_proba(X_te)

    return ours, peer


def timing(repeat):
    try:
        state = np.geterr()
        from venn_abers.venn_abers import VennAbersCalibrator

        np.seterr(**state)  # the package sets divide/invalid to "ignore"
    except ImportError:
        VennAbersCalibrator = None
    import statsmodels.api as sm

    d = sm.datasets.fair.load_pandas().data
    X_fair = d.drop(columns="affairs").to_numpy(float)
    y_fair = (d.affairs > 0).to_numpy(int)
    X_syn, y_syn = make_classification(n_samples=40_000, n_features=20, random_state=0)
    X_wine, y_wine = load_wine(return_X_y=True)
    cases = [
        ("fair n=6366, inductive, GaussianNB", X_fair, y_fair, GaussianNB(), True),
        ("fair n=6366, cross 5, GaussianNB", X_fair, y_fair, GaussianNB(), False),
        (
            "synthetic n=40000, inductive, logistic",
            X_syn,
            y_syn,
            LogisticRegression(),
            True,
        ),
        ("wine 3 classes, cross 5, GaussianNB", X_wine, y_wine, GaussianNB(), False),
    ]
    rows = []
    for case, X, y, base, inductive in cases:
        ours, peer = _sides(X, y, base, inductive, VennAbersCalibrator)
        rows.append(
            compare_interleaved(case, ours, peer, repeat=repeat, quality=_agree)
        )
    return rows


def main(quick: bool = False):
    print(environment())
    print("(shared 2-core machine; timings best of N interleaved rounds)\n")
    repeat = 3 if quick else 7
    print_table(
        f"Time: ours vs venn-abers 1.5.4 (best of {repeat})", timing(repeat), peer="va"
    )
    n_splits = 3 if quick else 10
    print_table(
        f"Quality on held-out 30%: mean (sd) over {n_splits} stratified splits",
        quality(n_splits),
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

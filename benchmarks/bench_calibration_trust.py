"""Trust benchmarks of ConformalClassifier (issue 15): draws and non-randomised APS.

1. Coverage of one-row ``predict_set`` calls (APS, RAPS) over many fits: for
   each fit (its own data draw and ``random_state``), the share of one-row
   calls whose set holds the true label; mean and spread over fits.
2. Share of empty sets of non-randomised APS on scikit-learn's digits.
3. Batch-shift invariance: share of rows whose set changes when the batch is
   shifted by one row.

Run from the repository root (``python benchmarks/bench_calibration_trust.py``);
set ``PYTHONPATH`` to another tree to measure it instead (before/after).
"""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

if "skvariance" not in sys.modules:
    sys.path.append(str(Path(__file__).resolve().parents[1]))
from skvariance.calibration import ConformalClassifier

N_FITS = 200
N_CALLS = 40


def _data(seed, n):
    return make_classification(
        n_samples=n,
        n_classes=3,
        n_informative=4,
        class_sep=1.5,
        random_state=seed,
    )


def one_row_coverage(score):
    per_fit = np.empty(N_FITS)
    for f in range(N_FITS):
        X, y = _data(f, 600 + N_CALLS)
        clf = ConformalClassifier(
            GaussianNB(), score=score, penalty=0.05, random_state=f
        ).fit(X[:600], y[:600])
        hits = [
            clf.predict_set(X[600 + i : 601 + i])[0, y[600 + i]] for i in range(N_CALLS)
        ]
        per_fit[f] = np.mean(hits)
    return per_fit


def empty_share():
    X, y = load_digits(return_X_y=True)
    out = {}
    models = {
        "LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        "GaussianNB": GaussianNB(),
    }
    for name, model in models.items():
        clf = ConformalClassifier(model, score="aps", randomized=False, random_state=0)
        sets = clf.fit(X[:1200], y[:1200]).predict_set(X[1200:])
        out[name] = float(np.mean(~sets.any(axis=1)))
    return out


def shift_changes(score):
    X, y = _data(0, 2000)
    clf = ConformalClassifier(
        LogisticRegression(), score=score, penalty=0.05, random_state=0
    ).fit(X[:1000], y[:1000])
    batch = clf.predict_set(X[1000:])
    shifted = clf.predict_set(X[1001:])
    return float(np.mean(np.any(batch[1:] != shifted, axis=1)))


def main():
    start = time.time()
    print(
        "| score | mean coverage of one-row calls | sd over fits | "
        "5%-95% over fits | min-max |"
    )
    print("|---|---|---|---|---|")
    for score in ("aps", "raps"):
        c = one_row_coverage(score)
        lo, hi = np.quantile(c, [0.05, 0.95])
        print(
            f"| {score} | {c.mean():.4f} | {c.std(ddof=1):.4f} | "
            f"{lo:.3f}-{hi:.3f} | {c.min():.3f}-{c.max():.3f} |"
        )
    # binomial sd of one fit's coverage if calls were independent points
    print(
        f"(binomial sd of {N_CALLS} independent calls at 0.9: "
        f"{np.sqrt(0.09 / N_CALLS):.4f}; {N_FITS} fits)"
    )
    print()
    print("| model (digits, randomized=False APS) | share of empty sets |")
    print("|---|---|")
    for name, share in empty_share().items():
        print(f"| {name} | {share:.4f} |")
    print()
    print("| score | share of rows whose set changes when the batch shifts by one |")
    print("|---|---|")
    for score in ("aps", "raps"):
        print(f"| {score} | {shift_changes(score):.4f} |")
    print(f"\n({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()

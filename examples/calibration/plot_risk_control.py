"""
=========================================================
Risk control: a certified threshold against a naive one
=========================================================

A threshold tuned to meet a target on the calibration data alone often
misses it on new data: it is fitted to the noise of that sample.
:class:`~skvariance.calibration.RiskController` adds what the sample size
requires:

- left, **conformal risk control** of the false-negative rate of multilabel
  sets (five overlapping labels of the digits): over 150 calibration draws
  of 30 rows, the naive threshold (the smallest whose empirical FNR is at
  most 10%) misses more than 10% of the true labels on average (10.7%),
  CRC stays below 10% (8%);
- right, **Learn-then-Test** of the precision of a binary decision (digit
  at least 5): the naive threshold (the smallest with empirical precision at
  least 90%) gives a test precision below 90% in about half of the draws,
  LTT in at most ``1 - confidence_level`` = 10% of them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier

from skvariance.calibration import RiskController

X, d = load_digits(return_X_y=True)
X = X / 16.0
Y = np.stack(
    [
        d % 2 == 0,
        d >= 5,
        np.isin(d, [2, 3, 5, 7]),
        d % 3 == 0,
        np.isin(d, [0, 1, 4, 9]),
    ],
    axis=1,
).astype(int)
X_train, X_rest, Y_train, Y_rest = train_test_split(X, Y, test_size=0.6, random_state=0)
X_pool, X_test, Y_pool, Y_test = train_test_split(
    X_rest, Y_rest, test_size=0.5, random_state=0
)
# weak models (strong regularisation), so that the thresholds matter
multilabel = MultiOutputClassifier(LogisticRegression(C=0.02)).fit(X_train, Y_train)
binary = LogisticRegression(C=0.1).fit(X_train, Y_train[:, 1])

p_test = multilabel.predict_proba(X_test)  # list of (n, 2) arrays
p_test = np.stack([p[:, 1] for p in p_test], axis=1)
p_pool = np.stack([p[:, 1] for p in multilabel.predict_proba(X_pool)], axis=1)
b_test = binary.predict_proba(X_test)[:, 1]
b_pool = binary.predict_proba(X_pool)[:, 1]


def fnr(Y_true, sets):
    return (((Y_true == 1) & ~sets).sum(1) / Y_true.sum(1)).mean()


def precision(y_true, positive):
    return y_true[positive].mean() if positive.any() else np.nan


def naive_fnr_threshold(Y_cal, p_cal):
    """The smallest lambda whose calibration FNR is at most alpha."""
    rows, cols = np.nonzero(Y_cal)
    s = 1 - p_cal[rows, cols]
    w = 1 / Y_cal.sum(1)[rows]
    order = np.argsort(s)
    s, w = s[order], w[order]
    missed_above = w.sum() - np.cumsum(w)  # FNR mass strictly above s_j
    return s[np.argmax(missed_above / len(Y_cal) <= alpha)]


# thresholds up to the 80% quantile of the TRAINING scores (the data the
# calibration never sees, so the grid is fixed in advance): fixed-sequence
# testing starts at the top of the grid and needs positives there
grid = np.linspace(0, np.quantile(binary.predict_proba(X_train)[:, 1], 0.8), 100)
rng = np.random.default_rng(0)
alpha, n_draws = 0.1, 150
results = {"crc": [], "naive FNR": [], "ltt": [], "naive precision": []}
for _ in range(n_draws):
    # CRC of the multilabel FNR on 30 calibration rows
    rows = rng.choice(len(X_pool), size=30, replace=False)
    crc = RiskController(multilabel, risk="fnr", target=alpha)
    crc.conformalize(X_pool[rows], Y_pool[rows])
    results["crc"].append(fnr(Y_test, 1 - p_test <= crc.threshold_))
    naive = naive_fnr_threshold(Y_pool[rows], p_pool[rows])
    results["naive FNR"].append(fnr(Y_test, 1 - p_test <= naive))
    # LTT of the precision of "digit >= 5" on 200 calibration rows
    rows = rng.choice(len(X_pool), size=200, replace=False)
    ltt = RiskController(
        binary, risk="precision", target=alpha, method="ltt", grid=grid
    )
    ltt.conformalize(X_pool[rows], Y_pool[rows, 1])
    results["ltt"].append(precision(Y_test[:, 1], b_test >= ltt.threshold_))
    # naive: the smallest lambda whose calibration precision is at least 90%
    flagged = b_pool[rows, None] >= grid
    hits = (flagged & (Y_pool[rows, 1, None] == 1)).sum(0)
    emp = hits / np.maximum(flagged.sum(0), 1)
    naive = grid[np.argmax(emp >= 1 - alpha)]
    results["naive precision"].append(precision(Y_test[:, 1], b_test >= naive))

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
bins = np.linspace(0, 0.3, 31)
left.hist(results["naive FNR"], bins=bins, alpha=0.6, label="naive threshold")
left.hist(results["crc"], bins=bins, alpha=0.6, label="CRC")
left.axvline(alpha, color="k", ls="--", label="target 10%")
for key, color in [("naive FNR", "C0"), ("crc", "C1")]:
    left.axvline(np.mean(results[key]), color=color, lw=2)
left.set(
    xlabel="test false-negative rate of the sets (lines: means)",
    ylabel="calibration draws",
    title="Multilabel FNR: CRC, E[FNR] <= 10%",
)
left.legend()

bins = np.linspace(0.8, 1.0, 41)
right.hist(results["naive precision"], bins=bins, alpha=0.6, label="naive threshold")
right.hist(results["ltt"], bins=bins, alpha=0.6, label="Learn-then-Test")
right.axvline(1 - alpha, color="k", ls="--", label="target 90%")
right.set(
    xlabel="test precision",
    ylabel="calibration draws",
    title="Binary precision: LTT, P(precision < 90%) <= 10%",
)
right.legend()
for key in ("naive precision", "ltt"):
    below = np.mean(np.array(results[key]) < 1 - alpha)
    print(f"{key:>16}: precision below 90% in {below:.0%} of the draws")
for key in ("naive FNR", "crc"):
    print(f"{key:>16}: mean test FNR {np.mean(results[key]):.3f}")

plt.show()

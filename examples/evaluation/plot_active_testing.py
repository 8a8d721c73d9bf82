"""
==================================================
Active testing: fewer labels for the same accuracy
==================================================

Labelling a test set is often the expensive part of evaluating a model. If
only a few hundred labels can be paid for, *which* points get labelled
matters: the model's mean loss is dominated by the few points it gets badly
wrong, and a uniform sample finds them by chance. Active testing (Kossen et
al., 2021) labels points with probability proportional to a surrogate's
*expected* loss -- here the model's own predicted probabilities -- and
removes the resulting selection bias with the LURE estimator, which stays
unbiased for the mean loss over the whole test pool.

We estimate the cross-entropy of a logistic regression on the digits data
from ``M`` labels, over many repetitions, with active testing and with
uniform labelling, and compare the error of the estimates.
"""

# %%
# A model and its test pool
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.evaluation import ActiveTester

X, y = load_digits(return_X_y=True)
X_train, X_pool, y_train, y_pool = train_test_split(
    X, y, train_size=0.4, random_state=0, stratify=y
)
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
model.fit(X_train, y_train)

proba = np.clip(model.predict_proba(X_pool), 1e-12, 1.0)
# the true per-point loss (needs the labels) and the model's expectation of
# it under its own predictive distribution (needs none)
true_loss = -np.log(proba[np.arange(len(y_pool)), y_pool])
expected_loss = -(proba * np.log(proba)).sum(axis=1)
truth = true_loss.mean()
print(f"pool of {len(y_pool)} points, true mean cross-entropy {truth:.4f}")

# %%
# Estimates along the labelling budget
# ------------------------------------
# Each repetition labels up to 150 points in batches of 10 and records the
# LURE estimate after every batch; uniform labelling is the mean of the first
# ``M`` points of a random permutation of the pool.
checkpoints = np.arange(10, 151, 10)
n_repeats = 100
active = np.empty((n_repeats, checkpoints.size))
active_se = np.empty((n_repeats, checkpoints.size))
uniform = np.empty((n_repeats, checkpoints.size))
rng = np.random.default_rng(0)
for r in range(n_repeats):
    tester = ActiveTester(budget=checkpoints[-1], random_state=r)
    for k in range(checkpoints.size):
        idx = tester.propose(expected_loss, 10)
        tester.update(idx, true_loss[idx])
        result = tester.estimate()
        active[r, k], active_se[r, k] = result.estimate, result.std_error
    order = rng.permutation(len(y_pool))[: checkpoints[-1]]
    uniform[r] = np.cumsum(true_loss[order])[checkpoints - 1] / checkpoints

rmse_active = np.sqrt(np.mean((active - truth) ** 2, axis=0))
rmse_uniform = np.sqrt(np.mean((uniform - truth) ** 2, axis=0))
bias = active[:, -1].mean() - truth
mc_error = active[:, -1].std(ddof=1) / np.sqrt(n_repeats)
print(f"LURE mean error at M=150: {bias:+.4f} (Monte Carlo error {mc_error:.4f})")

# %%
# The error of the estimate
# -------------------------
# Active testing reaches the error uniform labelling has at 150 labels with
# about half as many labels. The dashed line is the mean standard error reported by
# :meth:`~skvariance.evaluation.ActiveTester.estimate`: it tracks the actual
# error of the active estimates.
fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
ax.plot(checkpoints, rmse_uniform, "o-", label="uniform labelling")
ax.plot(checkpoints, rmse_active, "s-", label="active testing (LURE)")
ax.plot(
    checkpoints,
    active_se.mean(axis=0),
    "k--",
    lw=1,
    label="active: mean reported std. error",
)
ax.set_xlabel("number of labelled test points M")
ax.set_ylabel("RMSE of the estimated cross-entropy")
ax.set_yscale("log")
ax.set_title(f"digits, logistic regression, {n_repeats} repetitions")
ax.legend()
plt.show()

# %%
# With an uninformative surrogate active testing is no better than uniform
# sampling -- it can be worse, as the weights then only add noise; the
# ``mixing`` with the uniform distribution (30% by default) bounds how much.
# The benchmark ``benchmarks/bench_active_testing.py`` measures this on two
# data sets and two losses.

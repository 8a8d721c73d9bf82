"""
======================================================
How many labels does it take to tell two models apart?
======================================================

Two classifiers are scored on a pool of 8,000 unlabelled rows, and labels
cost money. Is the second model really better? With a uniform sample of
labelled rows, the 95% interval of the accuracy difference must exclude 0
-- and that takes many labels when the models agree on most rows.

A third model, a *judge*, gives each row's label probabilities without
seeing the labels. From it we predict each row's loss difference: exactly 0
where the two models agree (whatever the label), and
``P(y = pred_B) - P(y = pred_A)`` where they disagree. That surrogate is
used three ways (see :ref:`label_efficient`):

* **uniform**: the classical interval from a uniform sample (no surrogate);
* **PPI++**: the same uniform labels, plus the surrogate on every other row
  (:func:`~skvariance.evaluation.prediction_powered_ci`);
* **stratified**: the labels are spent where the models disagree, by
  Neyman allocation over strata of the surrogate
  (:func:`~skvariance.evaluation.stratified_sample`).

For every number of labels we repeat the labelling 50 times and count how
often the interval excludes 0.
"""

# %%
# Two models, a judge and the pool
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from skvariance.evaluation import prediction_powered_ci, stratified_sample

X, y = make_classification(
    n_samples=16_000,
    n_features=20,
    n_informative=8,
    n_redundant=0,
    flip_y=0.05,
    shuffle=False,  # the informative features are the first 8 columns
    random_state=0,
)
order = np.random.default_rng(0).permutation(len(y))
X, y = X[order], y[order]
fit, fit_judge, pool = slice(0, 4_000), slice(4_000, 8_000), slice(8_000, None)

model_a = LogisticRegression().fit(X[fit, :5], y[fit])  # sees 5 of 8 features
model_b = LogisticRegression().fit(X[fit], y[fit])
judge = KNeighborsClassifier(n_neighbors=30).fit(X[fit_judge, :8], y[fit_judge])

X_pool, y_pool = X[pool], y[pool]
pred_a, pred_b = model_a.predict(X_pool[:, :5]), model_b.predict(X_pool)
proba = judge.predict_proba(X_pool[:, :8])
rows = np.arange(len(y_pool))
q_a, q_b = proba[rows, pred_a], proba[rows, pred_b]  # P(model is right)
# per-row loss difference (A's 0-1 loss minus B's) and its prediction
diff = (pred_a != y_pool).astype(float) - (pred_b != y_pool)
surrogate = q_b - q_a  # exactly 0 where the models agree
disagree = pred_a != pred_b
print(
    f"accuracy A {np.mean(pred_a == y_pool):.3f}, B {np.mean(pred_b == y_pool):.3f};"
    f" they disagree on {disagree.sum()} of {len(y_pool)} rows"
)

# %%
# Strata: the rows where the models agree (their loss difference is 0,
# whatever the label) and three quantile bins of the surrogate among the
# others. A disagreement's loss difference is -1, 0 or +1 with the judge's
# probabilities ``q_a``, ``1 - q_a - q_b`` and ``q_b``: that gives the
# anticipated standard deviation that steers the Neyman allocation.
strata = np.zeros(len(y_pool), dtype=int)
edges = np.quantile(surrogate[disagree], [1 / 3, 2 / 3])
strata[disagree] = 1 + np.searchsorted(edges, surrogate[disagree], side="right")
loss_std = np.sqrt(np.clip(q_a + q_b - (q_b - q_a) ** 2, 0, None)) * disagree

# %%
# Labels needed
# -------------
# The stratified design stops at 300 labels: beyond the number of
# disagreements every row that can differ is labelled and its interval
# has width 0.
budgets = np.array([25, 50, 100, 200, 300, 800, 1600, 3200])
reps = 50
rng = np.random.default_rng(0)
methods = ("uniform", "PPI++", "stratified")
power = {name: np.full(budgets.size, np.nan) for name in methods}
width = {name: np.full(budgets.size, np.nan) for name in methods}
for b, n in enumerate(budgets):
    hits = {name: [] for name in methods}
    widths = {name: [] for name in methods}
    for rep in range(reps):
        labelled = np.zeros(len(y_pool), dtype=bool)
        labelled[rng.choice(len(y_pool), n, replace=False)] = True
        d, s, s_rest = diff[labelled], surrogate[labelled], surrogate[~labelled]
        results = {
            "uniform": prediction_powered_ci(d, s, s_rest, method="classical"),
            "PPI++": prediction_powered_ci(d, s, s_rest),
        }
        if n <= 300:
            plan = stratified_sample(
                surrogate, n, strata=strata, loss_std=loss_std, random_state=rep
            )
            results["stratified"] = plan.score_ci(diff[plan.indices])
        for name, res in results.items():
            hits[name].append(res.low > 0 or res.high < 0)
            widths[name].append(res.high - res.low)
    for name in methods:
        if hits[name]:
            power[name][b] = np.mean(hits[name])
            width[name][b] = np.mean(widths[name])

fig, (ax_power, ax_width) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for name, marker in zip(methods, "osD"):
    ax_power.plot(budgets, power[name], marker=marker, label=name)
    ax_width.plot(budgets, width[name], marker=marker, label=name)
ax_power.axhline(0.8, color="grey", linestyle=":", linewidth=1)
ax_power.set(
    xscale="log",
    xlabel="labels",
    ylabel="share of intervals excluding 0",
    title="Is B better than A? (95% interval of the difference)",
)
ax_width.set(
    xscale="log",
    yscale="log",
    xlabel="labels",
    ylabel="mean width of the 95% interval",
    title="Width of the interval of the accuracy difference",
)
ax_power.legend(loc="lower right")
ax_width.legend()
plt.show()

# %%
# The same conclusion for a fraction of the labels. Uniform labelling needs
# thousands of labels to separate two models 1.4 points apart, because
# most labels land where the models agree and say nothing about their
# difference. PPI++ uses the judge on the unlabelled rows and gets there
# with fewer; the stratified design spends the labels where the models
# disagree and needs a few dozen. Neither gives up validity: the judge is
# only a guide, every interval is computed from the labels, and a useless
# judge would give back the uniform interval (PPI++) or the precision of a
# proportional allocation (stratified).

"""
=========================================================
Is the new model better than the baseline on most data?
=========================================================

With one baseline and a few challengers scored on many data sets, Demšar
recommends Wilcoxon's signed-rank test for one pair and, for several
challengers, comparing each with the control by Friedman ranks with Holm's
step-down adjustment. A p-value only says a difference is detectable; an
effect size (here Cliff's delta, with autorank's magnitude labels) says how
large it is. Run time: about 5 s on one core.
"""

# %%
# Scores: data sets x models
# --------------------------
# Fifteen synthetic classification problems of varying difficulty; every
# score is a 3-fold cross-validated accuracy.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from skvariance.evaluation import compare_to_control, effect_size, wilcoxon_test

models = {
    "stump (baseline)": DecisionTreeClassifier(max_depth=1, random_state=0),
    "tree, depth 2": DecisionTreeClassifier(max_depth=2, random_state=0),
    "naive Bayes": GaussianNB(),
    "kNN": KNeighborsClassifier(),
    "logistic": LogisticRegression(max_iter=500),
}
rows = {}
for i in range(15):
    X, y = make_classification(
        n_samples=150,
        n_features=8,
        n_informative=2 + i % 5,
        class_sep=0.6 + 0.1 * (i % 4),
        flip_y=0.05,
        random_state=i,
    )
    rows[f"task {i}"] = [cross_val_score(m, X, y, cv=3).mean() for m in models.values()]
scores = pd.DataFrame.from_dict(rows, orient="index", columns=list(models))
scores.round(3).head()

# %%
# One pair: Wilcoxon's signed-rank test
# -------------------------------------
res = wilcoxon_test(scores["logistic"], scores["stump (baseline)"])
print(f"R+ = {res.r_plus}, R- = {res.r_minus}, p = {res.pvalue:.4f}")

# %%
# Every challenger against the baseline: Holm on Friedman ranks
# -------------------------------------------------------------
control = compare_to_control(scores, "stump (baseline)", method="holm")
table = control.to_frame()
table["cliff_delta"] = [
    effect_size(scores[m], scores["stump (baseline)"], kind="cliff_delta").value
    for m in table.index
]
table["magnitude"] = [
    effect_size(scores[m], scores["stump (baseline)"], kind="cliff_delta").magnitude
    for m in table.index
]
table.round(3)

# %%
# The picture: rank gain over the baseline and effect size
# --------------------------------------------------------
# Left: how many ranks each challenger gains over the baseline on average,
# filled when Holm's adjusted p-value is below 0.05. Right: Cliff's delta
# with the bands of autorank's labels (negligible < 0.147 < small < 0.33 <
# medium < 0.474 < large).
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
y = np.arange(len(table))
colors = ["tab:blue" if s else "white" for s in table["significant"]]
ax1.barh(y, table["rank_difference"], color=colors, edgecolor="tab:blue")
ax1.set_yticks(y, table.index)
ax1.axvline(0, color="k", lw=0.8)
ax1.set_xlabel("average rank gain over the baseline")
ax1.set_title("Holm vs control (filled: p_adj < 0.05)")
for bound in (0.147, 0.33, 0.474):
    ax2.axvspan(-bound, bound, color="0.9", zorder=0, alpha=0.6)
ax2.barh(y, table["cliff_delta"], color="tab:orange")
for yi, label in enumerate(table["magnitude"]):
    ax2.text(-0.95, yi, label, va="center")
ax2.set_yticks(y, [])
ax2.set_xlim(-1, 1)
ax2.axvline(0, color="k", lw=0.8)
ax2.set_xlabel("Cliff's delta vs the baseline")
ax2.set_title("effect size and magnitude")
plt.show()

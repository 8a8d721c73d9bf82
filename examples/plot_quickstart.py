"""
==========
Quickstart
==========

Is the difference between two models real, or the luck of the seed? This
script answers that for two tree ensembles on the breast-cancer data bundled
with scikit-learn, in the three steps skvariance is built around:

1. **measure**: cross-validate each model under ten seeds on the *same*
   splits and split the score variance into seed, split and residual parts;
2. **report**: give interval estimates (IQM with a stratified bootstrap CI,
   and the probability that one model beats the other) instead of the score
   of one lucky seed;
3. **reduce**: average the seeds into one
   :class:`~skvariance.ensemble.SeedEnsembleClassifier`.

Run it with ``python examples/plot_quickstart.py``: it prints its results,
saves the figure to ``skvariance_quickstart.png`` in the temporary directory
(and says where), and shows it too when matplotlib has a window to show it
in. Run time: about 5 s on one core (plus about 12 s the very first time,
while numba compiles the bootstrap kernels; they are cached afterwards).
"""

# %%
# Measure: ten seeds on the same five splits
# ------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split

from skvariance.ensemble import SeedEnsembleClassifier
from skvariance.evaluation import bootstrap_ci
from skvariance.model_selection import seed_cross_validate

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
models = {
    "random forest": RandomForestClassifier(n_estimators=10, max_features=3),
    "extra trees": ExtraTreesClassifier(n_estimators=10, max_features=3),
}
results = {
    name: seed_cross_validate(
        model, X, y, cv=cv, n_seeds=10, scoring="accuracy", random_state=0
    )
    for name, model in models.items()
}

# The components are ANOVA estimates: "seed" is how much the mean over the
# five splits moves from seed to seed beyond what the seed-by-split noise
# ("residual") explains. An estimate below zero is reported as 0: for the
# extra trees the seeds' range is no wider than that noise predicts -- the
# seed matters only through its interaction with the split.
for name, result in results.items():
    scores = result.scores["accuracy"]  # shape (n_seeds, n_splits)
    per_seed = scores.mean(axis=1)
    parts = result.components["accuracy"]
    print(
        f"{name:>13}: accuracy {per_seed.mean():.4f}, seeds range "
        f"{per_seed.min():.4f}-{per_seed.max():.4f}; variance: "
        + ", ".join(f"{k} {v:.2e}" for k, v in parts.items())
    )

# %%
# Report: interval estimates rather than a best seed
# --------------------------------------------------
# Each (seed, split) score is one run of one task; the stratified bootstrap
# resamples seeds within each split. The probability of improvement is
# P(random forest > extra trees) on a random split, with its own interval.
scores = {name: r.scores["accuracy"] for name, r in results.items()}
intervals = bootstrap_ci(scores, statistic="iqm", random_state=0)
for name, ci in intervals.items():
    print(f"{name:>13}: IQM {ci.estimate:.4f}  95% CI [{ci.low:.4f}, {ci.high:.4f}]")

poi = bootstrap_ci(
    (scores["random forest"], scores["extra trees"]),
    statistic="probability_of_improvement",
    random_state=0,
)
print(
    f"P(random forest > extra trees) = {poi.estimate:.2f} "
    f"[{poi.low:.2f}, {poi.high:.2f}]"
)

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
for i, (name, ci) in enumerate(intervals.items()):
    per_seed = scores[name].mean(axis=1)
    axes[0].plot(per_seed, np.full(per_seed.shape, i), "o", alpha=0.5)
    axes[0].plot([ci.low, ci.high], [i - 0.2, i - 0.2], color="black", lw=3)
axes[0].set_yticks(range(len(intervals)), list(intervals))
axes[0].set_xlabel("accuracy: one dot per seed, bar = IQM 95% CI")
components = {
    k: v
    for k, v in results["random forest"].components["accuracy"].items()
    if k != "total"
}
axes[1].bar(list(components), list(components.values()), color="C0")
axes[1].set_ylabel("variance of accuracy")
axes[1].set_title("random forest: variance components")
fig.tight_layout()

# %%
# Reduce: one ensemble over the seeds
# -----------------------------------
# Averaging ten seeds removes the seed lottery from the deployed model; the
# spread of its members is an estimate of what the seed alone would change.
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
ensemble = SeedEnsembleClassifier(
    models["random forest"], n_seeds=10, random_state=0
).fit(X_train, y_train)
members = [member.score(X_test, y_test) for member in ensemble.estimators_]
print(
    f"single seeds: accuracy {min(members):.4f}-{max(members):.4f}; "
    f"ensemble of 10 seeds: {ensemble.score(X_test, y_test):.4f}"
)

# %%
# The figure
# ----------
# On a machine without a display (matplotlib's non-interactive "agg"
# backend) ``plt.show()`` shows nothing, so the figure is also written to a
# file.
import tempfile
from pathlib import Path

import matplotlib

figure_path = Path(tempfile.gettempdir()) / "skvariance_quickstart.png"
fig.savefig(figure_path, dpi=120)
print(f"figure saved to {figure_path}")
if matplotlib.get_backend().lower() != "agg":
    plt.show()

"""
=========================================
Conformal prediction sets for classifiers
=========================================

:class:`~skvariance.calibration.ConformalClassifier` turns a probabilistic
classifier into sets of labels that contain the true label 90% of the time.
LAC gives the smallest sets on average; APS and RAPS adapt the set size to
how hard a point is. With an imbalanced problem the rare class is covered
much less often than 90% -- unless the calibration is done per class
(``class_conditional=True``).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skvariance.calibration import ConformalClassifier

X, y = make_classification(
    n_samples=8000,
    n_classes=4,
    n_informative=5,
    n_redundant=0,
    weights=[0.45, 0.3, 0.2, 0.05],
    class_sep=0.8,
    random_state=0,
)
X_train, y_train, X_test, y_test = X[:4000], y[:4000], X[4000:], y[4000:]

configs = {
    "LAC": dict(score="lac"),
    "APS": dict(score="aps"),
    "RAPS": dict(score="raps", penalty=0.05, k_reg=1),
    "LAC per class": dict(score="lac", class_conditional=True),
}
results = {}
for name, params in configs.items():
    clf = ConformalClassifier(LogisticRegression(), random_state=0, **params)
    sets = clf.fit(X_train, y_train).predict_set(X_test)
    hit = sets[np.arange(y_test.size), y_test]
    results[name] = (sets.sum(axis=1), [hit[y_test == k].mean() for k in range(4)])

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
width = 0.2
for i, (name, (sizes, per_class)) in enumerate(results.items()):
    counts = np.bincount(sizes, minlength=5)[:5] / sizes.size
    left.bar(np.arange(5) + (i - 1.5) * width, counts, width, label=name)
    right.bar(np.arange(4) + (i - 1.5) * width, per_class, width, label=name)
left.set_xlabel("set size")
left.set_ylabel("share of test points")
left.set_title("how many labels per set")
left.legend(fontsize="small")
right.axhline(0.9, color="black", linestyle="--", linewidth=1)
right.set_xticks(range(4))
right.set_xticklabels([f"class {k}\n({np.mean(y_test == k):.0%})" for k in range(4)])
right.set_ylabel("coverage within class")
right.set_ylim(0, 1.05)
right.set_title("coverage per class (dashed: nominal 90%)")
fig.tight_layout()
plt.show()

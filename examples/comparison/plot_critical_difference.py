"""
=================================================
Many models over many data sets: the CD diagram
=================================================

To compare several models over several data sets, Demšar recommends ranking
the models on each data set, testing the average ranks with Friedman's
test, and drawing the critical difference (CD) of the Nemenyi post-hoc test:
models whose average ranks differ by less than the CD are joined by a bar
and are not significantly different. Every score here is a mean over a
(seed, split) grid from :func:`~skvariance.model_selection.benchmark_estimators`,
so the seed noise is averaged out before ranking. Run time: about 10 s on
one core.
"""

# %%
# Scores: data sets x models
# --------------------------
import matplotlib.pyplot as plt
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_moons,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import benchmark_estimators
from skvariance.plotting import CriticalDifferenceDisplay

X_digits, y_digits = load_digits(return_X_y=True)
datasets = {
    "iris": load_iris(return_X_y=True),
    "wine": load_wine(return_X_y=True),
    "breast cancer": load_breast_cancer(return_X_y=True),
    "digits (500)": (X_digits[:500], y_digits[:500]),
    "moons": make_moons(n_samples=300, noise=0.3, random_state=0),
}
for i in range(5):
    datasets[f"synthetic {i}"] = make_classification(
        n_samples=200, n_features=8, n_informative=4, flip_y=0.05, random_state=i
    )
models = {
    "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
    "knn": make_pipeline(StandardScaler(), KNeighborsClassifier()),
    "naive bayes": GaussianNB(),
    "tree": DecisionTreeClassifier(max_depth=5),
    "forest": RandomForestClassifier(n_estimators=10),
}
result = benchmark_estimators(models, datasets, cv=3, n_seeds=2, random_state=0)
print(result.to_frame().round(3).to_string())

# %%
# Friedman test and Nemenyi critical difference
# ---------------------------------------------
# ``result.friedman`` is :func:`~skvariance.evaluation.friedman_nemenyi` on
# that table; any table of scores (one row per data set, one column per
# model, higher is better) can be given to it directly.
print(f"Friedman chi2 = {result.friedman.statistic:.2f}, p = {result.pvalue:.3g}")
print({n: round(float(r), 2) for n, r in zip(result.names, result.ranks)})
print(f"critical difference (alpha=0.05): {result.critical_difference:.2f}")

# %%
# The diagram
# -----------
disp = CriticalDifferenceDisplay.from_result(result)
plt.show()

# %%
# With ten data sets the CD is wide. Friedman's test rejects "all models
# rank alike", yet the Nemenyi post-hoc test, which controls the error over
# all ten pairs, joins every model into one group: the best and the worst
# average ranks differ by less than the CD. That is a common outcome, and an
# honest one -- more data sets, not more seeds per data set, narrow the CD.

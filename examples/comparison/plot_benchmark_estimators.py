"""
=====================================================
Benchmark several models over several data sets
=====================================================

Is one learning algorithm better than another *in general*, not on one
lucky data set? Demšar's answer is to rank the models on every data set,
test whether the average ranks differ (Friedman's test), and draw which
differences exceed Nemenyi's critical difference.
:func:`~skvariance.model_selection.benchmark_estimators` does the whole loop
in one call -- cross-validation of every model on every data set, under
several seeds, then the tests -- and
:class:`~skvariance.plotting.CriticalDifferenceDisplay` draws the result.

The data sets are bundled with scikit-learn (no download). Run time: about
7 s on one core; ``n_jobs`` runs its 360 fits in parallel (one job here:
the documentation build already runs two examples at a time).
"""

# %%
# Six tasks, six models
# ---------------------
# Four data sets give six tasks: the two multi-class problems of digits and
# wine are also posed as one-against-the-rest, harder and easier variants of
# the same data. Friedman's test treats the tasks as independent blocks,
# so its power grows with their number, not with the number of seeds.
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import benchmark_estimators

X_digits, y_digits = load_digits(return_X_y=True)
X_wine, y_wine = load_wine(return_X_y=True)
datasets = {
    "iris": load_iris(return_X_y=True),
    "wine": (X_wine, y_wine),
    "wine, class 2 vs rest": (X_wine, (y_wine == 2).astype(int)),
    "breast cancer": load_breast_cancer(return_X_y=True),
    "digits": (X_digits, y_digits),
    "digits, 8 vs rest": (X_digits, (y_digits == 8).astype(int)),
}
estimators = {
    "logistic regression": make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000)
    ),
    "k nearest neighbours": make_pipeline(StandardScaler(), KNeighborsClassifier()),
    "random forest": RandomForestClassifier(n_estimators=15),
    "decision tree": DecisionTreeClassifier(max_depth=4),
    "naive Bayes": GaussianNB(),
    "majority class": DummyClassifier(),
}
result = benchmark_estimators(
    estimators,
    datasets,
    cv=5,
    n_seeds=2,
    scoring="balanced_accuracy",
    n_jobs=1,
    random_state=0,
)

# %%
# The table and the ranks
# -----------------------
# One mean balanced accuracy per task and model (over 2 seeds x 5 folds),
# then the rank of each model on each task, 1 being the best.
print(result.to_frame().round(3).to_string())
print()
print(result.to_frame("ranks").to_string())
print()
for name, rank in zip(result.names, result.ranks):
    print(f"{name:>22}: average rank {rank:.2f}")
print(
    f"Friedman p = {result.pvalue:.2g}; Nemenyi critical difference "
    f"{result.critical_difference:.2f} at alpha = {result.alpha}"
)

# %%
# The critical-difference diagram
# -------------------------------
# Models on the left rank better. A thick bar joins models whose average
# ranks differ by less than the critical difference (drawn to scale above
# the axis): those cannot be told apart. The majority-class baseline ranks
# last on every task, and only the three strongest models are significantly
# better than it; naive Bayes and the shallow tree are joined to both ends.
# Six tasks only separate the extremes: more data sets, not more seeds,
# narrow the critical difference.
from skvariance.plotting import CriticalDifferenceDisplay

disp = CriticalDifferenceDisplay.from_result(result)

# %%
# When Friedman's test does not reject
# ------------------------------------
# Demšar reads Nemenyi's groups only after Friedman's test rejects equal
# ranks (autorank refuses to draw the diagram otherwise). Among the three
# strongest models alone the ranks do not differ significantly over six
# tasks: the diagram is still drawn -- it shows how far apart the ranks are
# -- but its title says that the test did not reject, so the bars are not
# evidence of a difference.
from skvariance.evaluation import friedman_nemenyi

strong = ["logistic regression", "k nearest neighbours", "random forest"]
subset = result.to_frame()[strong]
close = friedman_nemenyi(subset.to_numpy(), names=strong)
print(f"three strongest models: Friedman p = {close.pvalue:.2f}")
CriticalDifferenceDisplay.from_result(close)

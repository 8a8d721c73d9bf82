"""
=====================================================================
Practically equivalent or better? Bayesian tests over data sets
=====================================================================

A p-value over data sets says whether two models differ at all; with enough
data sets any tiny difference becomes "significant". The Bayesian
signed-rank test of Benavoli et al. (2017) answers the question a user asks
instead: is model A better than model B by more than a *region of practical
equivalence* (rope, here one point of accuracy), is B better, or are they
practically the same? Each posterior draw is a triple of probabilities
(B better, equivalent, A better), a point in a triangle; the share of draws
in each third of the triangle is the answer. Run time: a few seconds.
"""

# %%
# Scores: two pairs of models on twelve data sets
# -----------------------------------------------
# Mean 5-fold accuracy on twelve small classification problems. The first
# pair is a logistic regression and the same model with a slightly stronger
# penalty; the second pair is the logistic regression and a decision stump.
import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skvariance.evaluation import bayesian_hierarchical_test, bayesian_signed_rank_test
from skvariance.plotting import BayesianPosteriorDisplay

datasets = [load_breast_cancer(return_X_y=True), load_wine(return_X_y=True)]
for i in range(10):
    datasets.append(
        make_classification(
            n_samples=300, n_features=10, n_informative=4, flip_y=0.05, random_state=i
        )
    )
models = {
    "logistic": make_pipeline(StandardScaler(), LogisticRegression(C=1.0)),
    "logistic C=0.3": make_pipeline(StandardScaler(), LogisticRegression(C=0.3)),
    "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
}
folds = {name: [] for name in models}
for i, (X, y) in enumerate(datasets):
    cv = StratifiedKFold(5, shuffle=True, random_state=i)  # same folds for all
    for name, model in models.items():
        folds[name].append(cross_val_score(model, X, y, cv=cv))
folds = {name: np.array(scores) for name, scores in folds.items()}  # (12, 5)
means = {name: scores.mean(axis=1) for name, scores in folds.items()}

# %%
# A stronger penalty: practically equivalent
# ------------------------------------------
# Almost all the posterior mass sits in the top corner, the rope.
equivalent = bayesian_signed_rank_test(
    means["logistic"], means["logistic C=0.3"], rope=0.01, random_state=0
)
print(equivalent)
BayesianPosteriorDisplay.from_result(equivalent, names=("logistic", "logistic C=0.3"))

# %%
# A decision stump: clearly worse
# -------------------------------
# The cloud sits in the corner of the logistic regression.
different = bayesian_signed_rank_test(
    means["logistic"], means["stump"], rope=0.01, random_state=0
)
print(different)
BayesianPosteriorDisplay.from_result(different, names=("logistic", "stump"))

# %%
# Using the folds: the hierarchical test
# --------------------------------------
# The signed-rank test sees one mean per data set. The hierarchical model of
# Corani et al. (2017) uses every fold, with their correlation
# ``rho = 1 / n_folds``, and shrinks the per-data-set differences towards
# their common mean; its probabilities are about the difference on the *next*
# data set, so they are less extreme. Its sampler reports the
# rank-normalized R-hat of its chains (it warns above 1.05). A data set on
# which two models score the same on every fold, as the two logistic
# regressions do on some here, has no within variance: the test jitters its
# differences within the rope and warns, so we compare the stump.
hierarchical = bayesian_hierarchical_test(
    folds["logistic"], folds["stump"], rope=0.01, rho=1 / 5, random_state=0
)
print(hierarchical, hierarchical.to_frame(), sep="\n")
BayesianPosteriorDisplay.from_result(hierarchical, names=("logistic", "stump"))

"""
============================================
Is the difference real? Corrected t-tests
============================================

Three classifiers are cross-validated on the same folds under several seeds,
so each has a table of ``n_seeds x n_splits`` scores, paired cell by cell.
A plain paired t-test on those 25 differences treats them as independent;
they are not -- every pair of training sets shares most of its rows -- and
the test finds "significant" differences that are not there. The corrected
resampled t-test of Nadeau and Bengio inflates the variance by the
train/test overlap, and the Bayesian correlated t-test of Benavoli et al.
turns the same posterior into the probabilities that A is better, that the
two are practically equivalent (within a ROPE), or that B is better.

Run time: about 5 s on one core.
"""

# %%
# One shared (seed, split) grid for every model
# ----------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skvariance.evaluation import bayesian_correlated_ttest, corrected_resampled_ttest
from skvariance.model_selection import compare_estimators

X, y = load_breast_cancer(return_X_y=True)
models = {
    "logreg": make_pipeline(StandardScaler(), LogisticRegression(C=0.1)),
    "svc": make_pipeline(StandardScaler(), SVC()),
    "forest": RandomForestClassifier(n_estimators=20, max_features=3),
}
result = compare_estimators(models, X, y, cv=5, n_seeds=5, random_state=0)
frame = result.to_frame()
print(frame[["model_a", "model_b", "mean_difference", "pvalue", "pvalue_adjusted"]])

# %%
# The naive test against the corrected one
# ----------------------------------------
# Same differences, same mean; only the variance differs. The naive p-values
# are those of an ordinary one-sample t-test of the 25 differences.
naive = {
    pair: corrected_resampled_ttest(
        result.scores[pair[0]],
        result.scores[pair[1]],
        n_train=result.n_train,
        n_test=result.n_test,
        correction=False,
    ).pvalue
    for pair in result.pairwise
}
for pair, res in result.pairwise.items():
    print(f"{pair}: naive p = {naive[pair]:.2g}, corrected p = {res.pvalue:.2g}")

# %%
# ... and the Bayesian view with a region of practical equivalence
# -----------------------------------------------------------------
# Half a point of accuracy is considered "the same". The Bayesian correlated
# t-test needs nothing but the same score tables, so nothing is refitted
# (``compare_estimators(..., test="bayesian", rope=rope)`` would fit every
# model again and give these same numbers).
rope = 0.005
bayes = {
    (a, b): bayesian_correlated_ttest(
        result.scores[a],
        result.scores[b],
        n_train=result.n_train,
        n_test=result.n_test,
        rope=rope,
    )
    for a, b in result.pairwise
}
for (a, b), post in bayes.items():
    print(
        f"{a} vs {b}: P({a} better) = {post.prob_a_better:.3f}, "
        f"P(equivalent) = {post.prob_equivalent:.3f}, "
        f"P({b} better) = {post.prob_b_better:.3f}"
    )

# %%
# Looking at it
# -------------
# Left: the paired differences of every (seed, split) cell and the naive and
# corrected 95% intervals of their mean. Right: the posterior of the mean
# difference, with the ROPE shaded.
pairs = list(result.pairwise)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
for i, (a, b) in enumerate(pairs):
    d = (result.scores[a] - result.scores[b]).ravel()
    ax.scatter(
        d, np.full(d.size, i) + np.linspace(-0.15, 0.15, d.size), s=10, color="0.5"
    )
    se_naive = d.std(ddof=1) / np.sqrt(d.size)
    se_corr = result.pairwise[(a, b)].std_error
    q = stats.t.ppf(0.975, d.size - 1)
    ax.errorbar(
        d.mean(),
        i + 0.3,
        xerr=q * se_naive,
        fmt="o",
        color="C3",
        capsize=4,
        label="naive 95% CI" if i == 0 else None,
    )
    ax.errorbar(
        d.mean(),
        i + 0.45,
        xerr=q * se_corr,
        fmt="o",
        color="C0",
        capsize=4,
        label="corrected 95% CI" if i == 0 else None,
    )
ax.axvline(0, color="k", lw=0.8)
ax.set_yticks(range(len(pairs)))
ax.set_yticklabels([f"{a} - {b}" for a, b in pairs])
ax.set_xlabel("accuracy difference per (seed, split)")
ax.legend(loc="lower right", fontsize=8)

ax = axes[1]
grid = np.linspace(-0.04, 0.04, 400)
for i, (pair, post) in enumerate(bayes.items()):
    pdf = stats.t.pdf(grid, post.df, loc=post.mean, scale=post.scale)
    ax.plot(
        grid,
        pdf,
        color=f"C{i}",
        label=f"{pair[0]} - {pair[1]}: P(equiv) = {post.prob_equivalent:.2f}",
    )
ax.axvspan(-rope, rope, color="0.85", label="ROPE")
ax.set_xlabel("mean accuracy difference (posterior)")
ax.set_yticks([])
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# The naive intervals (red) exclude zero where the corrected ones (blue) do
# not: with overlapping training sets, 25 differences carry much less
# information than 25 independent ones. The Bayesian test adds what a
# p-value cannot: the probability that the difference is too small to
# matter.

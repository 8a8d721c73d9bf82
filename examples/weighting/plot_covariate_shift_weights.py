"""
====================================================
Covariate shift: importance weights and their price
====================================================

A linear model fitted on the source distribution is wrong where the target
lives. Reweighting the training rows by the density ratio
:math:`w(x) = p_{target}(x)/p_{source}(x)`, estimated by
:class:`~skvariance.weighting.DensityRatioEstimator` from unlabelled target
rows, moves the fit to the target region. The price is the effective sample
size :math:`(\\sum w)^2/\\sum w^2`, which falls as the shift grows.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression

from skvariance.weighting import DensityRatioEstimator

rng = np.random.RandomState(0)
X_source = rng.normal(0.0, 1.0, size=(500, 1))
X_target = rng.normal(1.5, 0.6, size=(500, 1))


def f(x):
    return np.sin(x[:, 0]) + 0.3 * x[:, 0]


y_source = f(X_source) + 0.2 * rng.normal(size=500)
dre = DensityRatioEstimator(LogisticRegression(), random_state=0).fit(
    X_source, X_target
)
weights = dre.source_weights_
plain = LinearRegression().fit(X_source, y_source)
weighted = LinearRegression().fit(X_source, y_source, sample_weight=weights)
y_target = f(X_target)
for name, model in [("unweighted", plain), ("importance-weighted", weighted)]:
    mse = np.mean((model.predict(X_target) - y_target) ** 2)
    print(f"{name:>20}: target MSE {mse:.3f}")
print(f"effective sample size {dre.effective_sample_size_:.0f} of {len(weights)}")

# %%
# Effective sample size as the target moves away
shifts = np.linspace(0, 2.5, 6)
ess = [
    DensityRatioEstimator(LogisticRegression(), random_state=0)
    .fit(X_source, rng.normal(s, 1.0, size=(500, 1)))
    .effective_sample_size_
    for s in shifts
]

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
grid = np.linspace(-3, 3.5, 200)[:, None]
ax = axes[0]
ax.scatter(
    X_source[:, 0],
    y_source,
    s=4 + 20 * weights / weights.max(),
    color="0.5",
    label="source rows (size: weight)",
)
ax.plot(grid[:, 0], f(grid), "k--", lw=1, label="truth")
ax.plot(grid[:, 0], plain.predict(grid), label="unweighted fit")
ax.plot(grid[:, 0], weighted.predict(grid), label="importance-weighted fit")
ax.axvspan(X_target.min(), X_target.max(), color="C2", alpha=0.1, label="target region")
ax.legend(fontsize=8)
ax.set_xlabel("x")
ax = axes[1]
ax.plot(shifts, ess, "o-")
ax.set_xlabel("shift of the target mean")
ax.set_ylabel("effective sample size (of 500)")
ax.set_title("the price of reweighting")
fig.tight_layout()
plt.show()

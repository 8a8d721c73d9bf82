"""
==================================================
The R-learner is an inverse-variance weighted fit
==================================================

The R-learner regresses the pseudo-outcome :math:`(Y - \\hat m)/(W - \\hat e)`
on ``x`` with weights :math:`(W - \\hat e)^2`. Where the propensity is close
to 0 or 1 the pseudo-outcome divides by a small number and is very noisy;
the weights are what tame it. Here the same effect model is fitted with and
without them on simulated, confounded treatments with a heterogeneous effect
:math:`\\tau(x) = 1 + x_1`.

Run time: about 3 s on one core.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

from skvariance.weighting import RLearner

rng = np.random.RandomState(0)
n = 3000
X = rng.uniform(-1, 1, size=(n, 3))
propensity = 1 / (1 + np.exp(-3 * X[:, 0]))
w = rng.binomial(1, propensity)
tau = 1.0 + X[:, 1]
y = np.sin(2 * X[:, 0]) + X[:, 2] + w * tau + 0.5 * rng.normal(size=n)


def smooth():
    return make_pipeline(SplineTransformer(n_knots=5), Ridge(alpha=1e-3))


rlearner = RLearner(
    outcome_model=smooth(),
    treatment_model=LogisticRegression(),
    effect_model=smooth(),
    random_state=0,
).fit(X, y, treatment=w)
unweighted = smooth().fit(X, rlearner.pseudo_outcome_)

rmse_r = np.sqrt(np.mean((rlearner.predict(X) - tau) ** 2))
rmse_u = np.sqrt(np.mean((unweighted.predict(X) - tau) ** 2))
print(f"RMSE of the effect: R-learner {rmse_r:.3f}, unweighted {rmse_u:.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
for ax, pred, title in [
    (axes[0], unweighted.predict(X), f"pseudo-outcome, no weights (RMSE {rmse_u:.2f})"),
    (axes[1], rlearner.predict(X), f"R-learner, weights (W - e)^2 (RMSE {rmse_r:.2f})"),
]:
    ax.scatter(tau, pred, s=4, alpha=0.4)
    ax.plot([0, 2], [0, 2], "k--", lw=1)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("true effect")
axes[0].set_ylabel("estimated effect")
axes[0].set_ylim(-1, 3)
fig.tight_layout()
plt.show()

"""
===================================
A conformal predictive distribution
===================================

``predict_quantiles`` turns the same calibration residuals into a whole
predictive distribution for every test point (Vovk et al., 2019): its
level-:math:`p` quantile is below the response with probability at least
:math:`p`. The left panel shows the distribution of three test points
(normalized by a seed-ensemble's :math:`\\hat\\sigma(x)`, so their spreads
differ); the right panel checks calibration: for every level, the share of
test responses below the predicted quantile.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.tree import DecisionTreeRegressor

from skvariance.calibration import ConformalRegressor
from skvariance.ensemble import SeedEnsembleRegressor

rng = np.random.RandomState(0)


def make_data(n):
    X = rng.uniform(-2, 2, size=(n, 2))
    y = X[:, 0] ** 2 + rng.normal(size=n) * (0.2 + 0.5 * np.abs(X[:, 1]))
    return X, y


X, y = make_data(2000)
X_test, y_test = make_data(2000)
ensemble = SeedEnsembleRegressor(
    DecisionTreeRegressor(max_depth=6, max_features=1), n_seeds=15, random_state=0
)
model = ConformalRegressor(ensemble, score="normalized", random_state=0).fit(X, y)

levels = np.linspace(0.02, 0.98, 49)
q = model.predict_quantiles(X_test, levels)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for i in range(3):
    left.step(q[i], levels, where="post", label=f"x = {np.round(X_test[i], 1)}")
    left.axvline(y_test[i], color=f"C{i}", linestyle=":", linewidth=1)
left.set_xlabel("y")
left.set_ylabel("cumulative probability")
left.set_title("predictive distributions (dotted: observed y)")
left.legend(fontsize="small")
below = (y_test[:, None] <= q).mean(axis=0)
right.plot(levels, below, "o", markersize=3, label="empirical")
right.plot([0, 1], [0, 1], "k--", linewidth=1, label="ideal")
right.set_xlabel("level p")
right.set_ylabel("P(y <= predicted quantile)")
right.set_title("calibration of the predictive quantiles")
right.legend()
fig.tight_layout()
plt.show()

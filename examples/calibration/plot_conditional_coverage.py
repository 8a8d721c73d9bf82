"""
=====================================================
Conditional coverage: what marginal coverage can hide
=====================================================

Split conformal intervals cover 90% of the test points *on average*. Here
the noise is four times larger at one of three sites, and the average hides
it: the marginal coverage is on target while the rare site is covered little
more than one time in three. Three diagnostics of :mod:`skvariance.metrics` show the
failure without knowing where to look first:

* :func:`~skvariance.metrics.coverage_by_group` (with a Clopper-Pearson
  interval per group), here by site;
* the same function with ``bins=``: coverage by bins of a feature;
* :func:`~skvariance.metrics.worst_slab_coverage`: the lowest coverage of a
  slab ``{a <= v . x <= b}`` holding 10% of the points, over random
  directions ``v`` (Cauchois, Gupta & Duchi 2021).

Mondrian calibration (``fit(X, y, groups=site)``) calibrates each site on
its own points and brings every site back to 90%. Its worst slab is still
below 90%: the minimum over many slabs of 200 points is biased downward even
for a conditionally valid method, so read the worst slab *beside* that of a
reference, not against the nominal level.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from skvariance.calibration import ConformalRegressor
from skvariance.metrics import coverage_by_group, worst_slab_coverage

rng = np.random.RandomState(0)
n = 5000
site = rng.choice(["A", "B", "C"], size=n, p=[0.6, 0.3, 0.1])
X = np.column_stack([rng.normal(size=(n, 2)), site == "C"]).astype(float)
noise = np.where(site == "C", 4.0, 1.0)
y = X[:, 0] - 2 * X[:, 1] + noise * rng.normal(size=n)
train, test = slice(0, 3000), slice(3000, None)

models = {
    "split conformal": ConformalRegressor(Ridge(), random_state=0).fit(
        X[train], y[train]
    ),
    "Mondrian by site": ConformalRegressor(Ridge(), random_state=0).fit(
        X[train], y[train], groups=site[train]
    ),
}
intervals = {
    "split conformal": models["split conformal"].predict_interval(X[test]),
    "Mondrian by site": models["Mondrian by site"].predict_interval(
        X[test], groups=site[test]
    ),
}

# %%
# The numbers: marginal coverage, coverage per site, worst slab.
results = {}
for name, iv in intervals.items():
    by_site = coverage_by_group(y[test], iv, site[test])
    by_x0 = coverage_by_group(y[test], iv, X[test, 0], bins=5)
    slab = worst_slab_coverage(
        X[test], y[test], iv, delta=0.1, n_directions=100, random_state=0
    )
    results[name] = (by_site, by_x0, slab)
    print(
        f"{name:>17}: marginal {by_site.marginal_coverage:.3f}, per site "
        f"{np.round(by_site.coverage, 3).tolist()}, worst slab {slab.coverage:.3f}"
    )

# %%
# The figure: coverage per site with its exact 95% interval, and the
# marginal against the worst-slab coverage. The feature ``x0`` is unrelated
# to the noise: its bins all look fine, so a diagnostic by the wrong feature
# would miss the failure; the worst slab finds it without being told.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
width = 0.38
for k, (name, (by_site, by_x0, slab)) in enumerate(results.items()):
    offset = (k - 0.5) * width
    for ax, res in ((axes[0], by_site), (axes[1], by_x0)):
        pos = np.arange(res.groups.size) + offset
        ax.bar(pos, res.coverage, width, label=name, color=f"C{k}", alpha=0.85)
        ax.errorbar(
            pos,
            res.coverage,
            yerr=[res.coverage - res.low, res.high - res.coverage],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
    axes[2].bar(
        np.arange(2) + offset,
        [by_site.marginal_coverage, slab.coverage],
        width,
        label=name,
        color=f"C{k}",
        alpha=0.85,
    )
for ax in axes:
    ax.axhline(0.9, color="0.3", linestyle="--", linewidth=1)
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel("coverage")
axes[0].set_xticks(np.arange(3), ["site A", "site B", "site C"])
axes[0].set_title("by site (95% exact interval)")
edges = results["split conformal"][1].edges
axes[1].set_xticks(
    np.arange(edges.size - 1),
    [f"{lo:.1f}..{hi:.1f}" for lo, hi in zip(edges[:-1], edges[1:])],
    fontsize="small",
)
axes[1].set_title("by quintile of x0")
axes[2].set_xticks(np.arange(2), ["marginal", "worst 10% slab"])
axes[2].set_title("marginal vs worst slab")
fig.legend(*axes[2].get_legend_handles_labels(), loc="outside upper center", ncols=2)
plt.show()

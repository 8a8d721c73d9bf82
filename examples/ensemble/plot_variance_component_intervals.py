"""
=======================================================
Intervals for seed and split variance that keep 95%
=======================================================

:func:`~skvariance.model_selection.seed_cross_validate` splits the variance of
a ``(n_seeds, n_splits)`` score table into a seed, a split and a residual
component. How sure are those numbers? A natural answer, resampling seeds
and splits with replacement (a *crossed bootstrap*), is badly miscalibrated
on tables this small: a "95%" interval can cover the truth two times in
three. This example simulates tables whose true components are known and
compares

* the crossed bootstrap (percentile intervals), and
* the intervals skvariance reports
  (:func:`~skvariance.model_selection.variance_components_ci`): an exact
  chi-square interval for the residual and modified large-sample (MLS)
  intervals for the seed and split components, computed from the three mean
  squares without any resampling.

Run time: about 5 s on one core.
"""

# %%
# Simulated score tables
# ----------------------
# Each table is ``s[j, k] = a[j] + b[k] + e[j, k]`` for 10 seeds and 5 splits
# with normal effects, the model the decomposition assumes. Two settings of
# the true standard deviations: seed-dominated and split-dominated.
import matplotlib.pyplot as plt
import numpy as np

from skvariance.model_selection import variance_components, variance_components_ci

n_seeds, n_splits, n_tables, n_boot = 10, 5, 400, 400
settings = {
    "seed-dominated": {"seed": 1.0, "split": 0.3, "residual": 0.5},
    "split-dominated": {"seed": 0.3, "split": 1.0, "residual": 0.5},
}
names = ("seed", "split", "residual")
rng = np.random.RandomState(0)


def simulate(sd):
    return (
        sd["seed"] * rng.normal(size=(n_tables, n_seeds, 1))
        + sd["split"] * rng.normal(size=(n_tables, 1, n_splits))
        + sd["residual"] * rng.normal(size=(n_tables, n_seeds, n_splits))
    )


def crossed_bootstrap(tables):
    """Percentile intervals from resampling seeds and splits independently."""
    low = {name: np.empty(n_tables) for name in names}
    high = {name: np.empty(n_tables) for name in names}
    for t, table in enumerate(tables):
        rows = rng.randint(n_seeds, size=(n_boot, n_seeds))
        cols = rng.randint(n_splits, size=(n_boot, n_splits))
        boot = variance_components(table[rows[:, :, None], cols[:, None, :]])
        for name in names:
            low[name][t], high[name][t] = np.quantile(boot[name], [0.025, 0.975])
    return low, high


coverage = {}
for label, sd in settings.items():
    tables = simulate(sd)
    boot_low, boot_high = crossed_bootstrap(tables)
    mls = variance_components_ci(tables, confidence_level=0.95)
    for name in names:
        truth = sd[name] ** 2
        coverage[label, name, "crossed bootstrap"] = np.mean(
            (boot_low[name] <= truth) & (truth <= boot_high[name])
        )
        coverage[label, name, "skvariance (MLS / chi-square)"] = np.mean(
            (mls[name][0] <= truth) & (truth <= mls[name][1])
        )

# %%
# Coverage of nominal 95% intervals
# ---------------------------------
# Each bar is the share of the 400 simulated tables whose interval contains
# the true component; the grey band is where a calibrated method lands with
# 95% probability (binomial, 400 tables). The bootstrap covers the residual
# about 83% of the time in both settings, the dominant component about 84%
# (seed) or 67% (split: its 5 levels can only be resampled into copies of
# themselves), and is far too wide for the minor ones. The mean-square
# intervals stay in or next to the band everywhere.
methods = ("crossed bootstrap", "skvariance (MLS / chi-square)")
half_band = 1.96 * np.sqrt(0.95 * 0.05 / n_tables)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, label in zip(axes, settings):
    x = np.arange(len(names))
    for i, method in enumerate(methods):
        values = [coverage[label, name, method] for name in names]
        ax.bar(x + (i - 0.5) * 0.38, values, width=0.38, label=method)
    ax.axhspan(0.95 - half_band, 0.95 + half_band, color="grey", alpha=0.3)
    ax.axhline(0.95, color="black", linewidth=1)
    ax.set_xticks(x, names)
    ax.set_ylim(0.5, 1.0)
    ax.set_title(label)
axes[0].set_ylabel("coverage of a nominal 95% interval")
axes[0].legend(loc="lower left", fontsize="small")
fig.tight_layout()

for (label, name, method), value in sorted(coverage.items()):
    print(f"{label:>16} {name:>9} {method:>30}: {value:.3f}")

# %%
# What the intervals assume
# -------------------------
# Both simulations follow the model exactly. Real score tables depart from
# it: cross-validation splits share training rows, accuracy on a small test
# set is discrete, and a seed that occasionally diverges gives heavy tails.
# Chi-square based intervals are then too short, so read them as a lower
# bound on the uncertainty; with 5 splits the split interval is wide anyway
# (4 degrees of freedom).

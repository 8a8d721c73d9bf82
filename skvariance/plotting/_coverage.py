"""Empirical against nominal coverage, interval widths and per-group coverage."""

from __future__ import annotations

import numpy as np

from ._layout import text_width

__all__ = ["CoverageDisplay"]


class CoverageDisplay:
    """Calibration plot of prediction intervals.

    Three panels: the empirical coverage of the intervals on held-out data
    against their nominal coverage, with a two-sided 95% binomial band around
    the diagonal (points below the band are a real miss); the distribution of
    interval widths at each nominal level; and, when groups are given, the
    coverage within each group at the highest level (where Mondrian
    calibration makes the difference).

    Build it with :meth:`from_estimator` or :meth:`from_predictions`;
    matplotlib is imported only when plotting.

    Parameters
    ----------
    coverages : ndarray of shape (n_levels,)
        Nominal coverages.
    empirical : ndarray of shape (n_levels,)
        Empirical coverage at each level.
    widths : ndarray of shape (n_samples, n_levels)
        Interval widths.
    n_samples : int
        Size of the evaluation set (for the binomial band).
    group_coverage : dict, default=None
        ``group label -> (coverage, n_samples)`` at the highest level.
    name : str, default=None
        Name of the estimator, used in the legend.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    ax_ : ndarray of matplotlib Axes
        The panels drawn (two, or three with groups).

    See Also
    --------
    skvariance.calibration.ConformalRegressor : intervals to check.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skvariance.calibration import ConformalRegressor
    >>> from skvariance.plotting import CoverageDisplay
    >>> X, y = make_regression(n_samples=400, noise=10.0, random_state=0)
    >>> reg = ConformalRegressor(Ridge(), random_state=0).fit(X[:300], y[:300])
    >>> disp = CoverageDisplay.from_estimator(reg, X[300:], y[300:])
    >>> disp.ax_.shape
    (2,)
    """

    def __init__(
        self, coverages, empirical, widths, n_samples, *, group_coverage=None, name=None
    ):
        self.coverages = coverages
        self.empirical = empirical
        self.widths = widths
        self.n_samples = n_samples
        self.group_coverage = group_coverage
        self.name = name

    @classmethod
    def from_predictions(
        cls, y_true, intervals, coverages, *, groups=None, name=None, ax=None
    ):
        """Plot intervals already predicted at several coverages.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        intervals : array-like of shape (n_samples, 2, n_levels)
            Lower and upper bounds at each level, as returned by
            ``predict_interval(X, coverage=coverages)``.
        coverages : array-like of shape (n_levels,)
            Nominal coverages in (0, 1).
        groups : array-like of shape (n_samples,), default=None
            Group of each sample, for the per-group panel.
        name : str, default=None
            Legend label.
        ax : array-like of matplotlib Axes, default=None
            Two (three with groups) Axes; a new figure when ``None``.

        Returns
        -------
        display : CoverageDisplay
        """
        y = np.asarray(y_true, dtype=float)
        bounds = np.asarray(intervals, dtype=float)
        levels = np.atleast_1d(np.asarray(coverages, dtype=float))
        if bounds.ndim == 2:
            bounds = bounds[:, :, None]
        if bounds.shape != (y.shape[0], 2, levels.size):
            raise ValueError(
                f"intervals must have shape ({y.shape[0]}, 2, {levels.size}), got "
                f"{np.shape(intervals)}."
            )
        if not np.all((levels > 0) & (levels < 1)):
            raise ValueError("coverages must be strictly between 0 and 1.")
        hit = (y[:, None] >= bounds[:, 0]) & (y[:, None] <= bounds[:, 1])
        group_coverage = None
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != y.shape:
                raise ValueError("groups must have one label per sample.")
            top = int(np.argmax(levels))
            group_coverage = {
                g: (float(hit[groups == g, top].mean()), int(np.sum(groups == g)))
                for g in np.unique(groups).tolist()
            }
        display = cls(
            levels,
            hit.mean(axis=0),
            bounds[:, 1] - bounds[:, 0],
            y.shape[0],
            group_coverage=group_coverage,
            name=name,
        )
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        coverages=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
        groups=None,
        mondrian=None,
        name=None,
        ax=None,
    ):
        """Predict intervals at several coverages and plot them.

        Parameters
        ----------
        estimator : fitted estimator with ``predict_interval(X, coverage=...)``
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        coverages : array-like of float, default=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
        groups : array-like of shape (n_samples,), default=None
            Groups for the per-group panel.
        mondrian : bool, default=None
            Also pass ``groups`` to ``predict_interval``; by default when the
            estimator was fitted with groups (``groups_`` is set).
        name : str, default=None
            Legend label; the estimator's class name by default.
        ax : array-like of matplotlib Axes, default=None

        Returns
        -------
        display : CoverageDisplay
        """
        levels = list(np.atleast_1d(coverages))
        if mondrian is None:
            mondrian = getattr(estimator, "groups_", None) is not None
        kwargs = {"groups": groups} if mondrian else {}
        bounds = estimator.predict_interval(X, coverage=levels, **kwargs)
        return cls.from_predictions(
            y,
            bounds,
            levels,
            groups=groups,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, *, ax=None):
        """Draw the panels.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            Two Axes (three with groups); a new figure when ``None``.

        Returns
        -------
        display : CoverageDisplay
            Itself, with ``figure_`` and ``ax_`` set.
        """
        import matplotlib.pyplot as plt

        n_panels = 3 if self.group_coverage else 2
        if ax is None:
            _, ax = plt.subplots(
                1, n_panels, figsize=(4.2 * n_panels, 3.8), layout="constrained"
            )
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.shape != (n_panels,):
            raise ValueError(f"ax must hold exactly {n_panels} Axes, got {ax.size}.")
        levels = np.asarray(self.coverages, dtype=float)
        order = np.argsort(levels)
        grid = np.linspace(min(levels.min(), 0.5) - 0.05, 1.0, 100)
        half = 1.96 * np.sqrt(grid * (1 - grid) / self.n_samples)
        cal = ax[0]
        cal.fill_between(
            grid, grid - half, grid + half, color="0.85", label="95% binomial band"
        )
        cal.plot(grid, grid, color="0.4", linestyle="--", linewidth=1)
        cal.plot(
            levels[order],
            np.asarray(self.empirical)[order],
            "o-",
            color="C0",
            label=self.name or "empirical",
        )
        cal.set_xlabel("nominal coverage")
        cal.set_ylabel("empirical coverage")
        cal.set_title("coverage")
        cal.legend(fontsize="small", loc="upper left")

        widths = np.asarray(self.widths, dtype=float)
        finite = [widths[np.isfinite(widths[:, k]), k] for k in order]
        ax[1].boxplot(finite, showfliers=False)
        ax[1].set_xticks(np.arange(1, levels.size + 1))
        ax[1].set_xticklabels([f"{c:g}" for c in levels[order]])
        ax[1].set_xlabel("nominal coverage")
        ax[1].set_ylabel("interval width")
        ax[1].set_title("width distribution")

        if self.group_coverage:
            labels = list(self.group_coverage)
            values = [self.group_coverage[g][0] for g in labels]
            sizes = [self.group_coverage[g][1] for g in labels]
            top = float(levels.max())
            errs = [1.96 * np.sqrt(top * (1 - top) / max(n, 1)) for n in sizes]
            positions = np.arange(len(labels))
            ax[2].bar(positions, values, color="C1", alpha=0.8)
            ax[2].errorbar(
                positions,
                [top] * len(labels),
                yerr=errs,
                fmt="none",
                ecolor="black",
                capsize=4,
                label="nominal +- binomial 95%",
            )
            ax[2].axhline(top, color="0.4", linestyle="--", linewidth=1)
            ax[2].set_xticks(positions)
            names = [str(g) for g in labels]
            # long group names are slanted so that neighbours do not overlap
            slanted = text_width(names) > 4.2 / max(len(names), 1) * 0.8
            ax[2].set_xticklabels(
                names,
                rotation=30 if slanted else 0,
                ha="right" if slanted else "center",
                rotation_mode="anchor" if slanted else "default",
            )
            ax[2].set_ylim(0, 1.05)
            ax[2].set_xlabel("group")
            ax[2].set_ylabel(f"coverage at {top:g}")
            ax[2].set_title("coverage per group")
            ax[2].legend(fontsize="small", loc="lower right")
        self.ax_ = ax
        self.figure_ = ax[0].figure
        return self

"""Empirical against nominal coverage, interval widths and per-group coverage."""

from __future__ import annotations

import numpy as np

from ._layout import text_width

__all__ = ["CoverageDisplay"]


class CoverageDisplay:
    """Calibration plot of prediction intervals or prediction sets.

    Three panels: the empirical coverage on held-out data against the
    nominal coverage, with a two-sided 95% binomial band around the diagonal
    (points below the band are a real miss); for intervals the distribution
    of interval widths at each nominal level, for prediction sets the
    coverage of each set size at the highest level (size-stratified
    coverage: small sets that miss show up there); and, when groups are
    given, the coverage within each group at the highest level (where
    Mondrian calibration makes the difference).

    Build it with :meth:`from_estimator` or :meth:`from_predictions`;
    matplotlib is imported only when plotting.

    Parameters
    ----------
    coverages : ndarray of shape (n_levels,)
        Nominal coverages.
    empirical : ndarray of shape (n_levels,)
        Empirical coverage at each level.
    widths : ndarray of shape (n_samples, n_levels)
        Interval widths, or set sizes.
    n_samples : int
        Size of the evaluation set (for the binomial band).
    group_coverage : dict, default=None
        ``group label -> (coverage, n_samples)`` at the highest level.
    name : str, default=None
        Name of the estimator, used in the legend.
    size_coverage : dict, default=None
        Prediction sets: ``set size -> (coverage, n_samples)`` at the
        highest level; its presence draws the size panel instead of the
        width panel.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    ax_ : ndarray of matplotlib Axes
        The panels drawn (two, or three with groups).

    See Also
    --------
    skvariance.calibration.ConformalRegressor : intervals to check.
    skvariance.calibration.ConformalClassifier : prediction sets to check.
    skvariance.metrics.coverage_by_group : the per-group numbers.
    skvariance.metrics.size_stratified_coverage : the per-size numbers.

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

    Prediction sets of a classifier, by set size:

    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvariance.calibration import ConformalClassifier
    >>> X, y = make_classification(n_samples=600, n_classes=3,
    ...                            n_informative=4, random_state=0)
    >>> clf = ConformalClassifier(LogisticRegression(), random_state=0)
    >>> clf = clf.fit(X[:400], y[:400])
    >>> disp = CoverageDisplay.from_estimator(clf, X[400:], y[400:])
    >>> sorted(disp.size_coverage) == sorted(set(disp.widths[:, -1].tolist()))
    True
    """

    def __init__(
        self,
        coverages,
        empirical,
        widths,
        n_samples,
        *,
        group_coverage=None,
        name=None,
        size_coverage=None,
    ):
        self.coverages = coverages
        self.empirical = empirical
        self.widths = widths
        self.n_samples = n_samples
        self.group_coverage = group_coverage
        self.name = name
        self.size_coverage = size_coverage

    @classmethod
    def from_predictions(
        cls,
        y_true,
        intervals,
        coverages,
        *,
        groups=None,
        classes=None,
        name=None,
        ax=None,
    ):
        """Plot intervals or prediction sets already predicted at several coverages.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        intervals : array-like of shape (n_samples, 2, n_levels) or boolean \
array of shape (n_samples, n_classes, n_levels)
            Lower and upper bounds at each level, as returned by
            ``predict_interval(X, coverage=coverages)``, or boolean prediction
            sets as returned by ``predict_set(X, coverage=coverages)`` (the
            dtype must be bool); a 2-d array is one level.
        coverages : array-like of shape (n_levels,)
            Nominal coverages in (0, 1).
        groups : array-like of shape (n_samples,), default=None
            Group of each sample, for the per-group panel.
        classes : array-like of shape (n_classes,), default=None
            Prediction sets: labels of the columns (``classes_``); by default
            ``y_true`` holds column indices.
        name : str, default=None
            Legend label.
        ax : array-like of matplotlib Axes, default=None
            Two (three with groups) Axes; a new figure when ``None``.

        Returns
        -------
        display : CoverageDisplay
        """
        levels = np.atleast_1d(np.asarray(coverages, dtype=float))
        if np.asarray(intervals).dtype == bool:
            return cls._from_sets(y_true, intervals, levels, groups, classes, name, ax)
        if classes is not None:
            raise ValueError("classes applies to prediction sets, not to intervals.")
        y = np.asarray(y_true, dtype=float)
        bounds = np.asarray(intervals, dtype=float)
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
    def _from_sets(cls, y_true, sets, levels, groups, classes, name, ax):
        from ..metrics import coverage_by_group, size_stratified_coverage

        sets = np.asarray(sets)
        if sets.ndim == 2:
            sets = sets[:, :, None]
        if sets.ndim != 3 or sets.shape[2] != levels.size:
            raise ValueError(
                f"prediction sets must have shape (n_samples, n_classes, "
                f"{levels.size}), got {np.shape(sets)}."
            )
        if not np.all((levels > 0) & (levels < 1)):
            raise ValueError("coverages must be strictly between 0 and 1.")
        per_level = [
            size_stratified_coverage(y_true, sets[:, :, k], classes=classes)
            for k in range(levels.size)
        ]
        top = int(np.argmax(levels))
        by_size = per_level[top]
        group_coverage = None
        if groups is not None:
            res = coverage_by_group(y_true, sets[:, :, top], groups, classes=classes)
            group_coverage = {
                g: (float(c), int(n))
                for g, c, n in zip(res.groups.tolist(), res.coverage, res.counts)
            }
        display = cls(
            levels,
            np.array([r.marginal_coverage for r in per_level]),
            sets.sum(axis=1),
            sets.shape[0],
            group_coverage=group_coverage,
            name=name,
            size_coverage={
                int(s): (float(c), int(n))
                for s, c, n in zip(by_size.groups, by_size.coverage, by_size.counts)
            },
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
        """Predict intervals or prediction sets at several coverages and plot them.

        Parameters
        ----------
        estimator : fitted estimator with ``predict_interval(X, coverage=...)``
            or, for a classifier (such as
            :class:`~skvariance.calibration.ConformalClassifier`),
            ``predict_set(X, coverage=...)`` and ``classes_``
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        coverages : array-like of float, default=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
        groups : array-like of shape (n_samples,), default=None
            Groups for the per-group panel.
        mondrian : bool, default=None
            Also pass ``groups`` to ``predict_interval`` (``predict_set``); by
            default when the estimator was fitted with groups (``groups_`` is
            set).
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
        classes = None
        if not hasattr(estimator, "predict_interval") and hasattr(
            estimator, "predict_set"
        ):
            bounds = np.asarray(estimator.predict_set(X, coverage=levels, **kwargs))
            classes = np.asarray(estimator.classes_)
        else:
            bounds = estimator.predict_interval(X, coverage=levels, **kwargs)
        return cls.from_predictions(
            y,
            bounds,
            levels,
            groups=groups,
            classes=classes,
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

        if self.size_coverage:
            _coverage_bars(ax[1], self.size_coverage, float(levels.max()), "set size")
        else:
            widths = np.asarray(self.widths, dtype=float)
            finite = [widths[np.isfinite(widths[:, k]), k] for k in order]
            ax[1].boxplot(finite, showfliers=False)
            ax[1].set_xticks(np.arange(1, levels.size + 1))
            ax[1].set_xticklabels([f"{c:g}" for c in levels[order]])
            ax[1].set_xlabel("nominal coverage")
            ax[1].set_ylabel("interval width")
            ax[1].set_title("width distribution")

        if self.group_coverage:
            _coverage_bars(ax[2], self.group_coverage, float(levels.max()), "group")
        self.ax_ = ax
        self.figure_ = ax[0].figure
        return self


def _coverage_bars(ax, coverage, top, what):
    """Bars of coverage per group (or set size) around the nominal level."""
    labels = list(coverage)
    values = [coverage[g][0] for g in labels]
    sizes = [coverage[g][1] for g in labels]
    errs = [1.96 * np.sqrt(top * (1 - top) / max(n, 1)) for n in sizes]
    positions = np.arange(len(labels))
    ax.bar(positions, values, color="C1", alpha=0.8)
    ax.errorbar(
        positions,
        [top] * len(labels),
        yerr=errs,
        fmt="none",
        ecolor="black",
        capsize=4,
        label="nominal +- binomial 95%",
    )
    ax.axhline(top, color="0.4", linestyle="--", linewidth=1)
    ax.set_xticks(positions)
    names = [str(g) for g in labels]
    # long group names are slanted so that neighbours do not overlap
    slanted = text_width(names) > 4.2 / max(len(names), 1) * 0.8
    ax.set_xticklabels(
        names,
        rotation=30 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor" if slanted else "default",
    )
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(what)
    ax.set_ylabel(f"coverage at {top:g}")
    ax.set_title(f"coverage per {what}")
    ax.legend(fontsize="small", loc="lower right")

"""Plot of scores across seeds and of their variance components."""

from __future__ import annotations

import numpy as np

__all__ = ["SeedVarianceDisplay"]

_COMPONENTS = ("seed", "split", "residual")


class SeedVarianceDisplay:
    """Per-seed score distributions and the seed/split/residual variances.

    The left panel shows, for every seed, the scores on the cross-validation
    splits (dots) and their mean (a bar); the right panel shows the variance
    components with their confidence intervals and, for accuracy, the binomial
    test-set sampling variance :math:`p(1 - p)/n_{test}` as a dashed line to
    compare with the observed variance between seeds.

    Build it with :meth:`from_cv_result` or :meth:`from_estimator`; matplotlib
    is imported only when plotting.

    Parameters
    ----------
    scores : ndarray of shape (n_seeds, n_splits)
        Scores per (seed, split).
    components : dict of str to float
        ``"seed"``, ``"split"`` and ``"residual"`` variances.
    components_ci : dict of str to tuple of float, default=None
        ``(low, high)`` interval per component.
    binomial_variance : float, default=None
        Test-set sampling variance for accuracy-like metrics.
    within_split_seed_variance : float, default=None
        Observed variance between seeds on a fixed test set.
    metric : str, default="score"
        Name of the metric, used in labels.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
        The figure holding the two panels.
    ax_ : ndarray of matplotlib Axes of shape (2,)
        The score panel and the variance panel.

    See Also
    --------
    skvariance.model_selection.seed_cross_validate : computes what is plotted.

    References
    ----------
    .. [1] Jordan, K. "Calibrated Chaos: Variance Between Runs of Neural
       Network Training is Harmless and Inevitable", 2023.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.plotting import SeedVarianceDisplay
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> disp = SeedVarianceDisplay.from_estimator(
    ...     DecisionTreeClassifier(max_features=3), X, y, cv=3, n_seeds=4,
    ...     random_state=0,
    ... )
    >>> disp.ax_.shape
    (2,)
    """

    def __init__(
        self,
        scores,
        components,
        *,
        components_ci=None,
        binomial_variance=None,
        within_split_seed_variance=None,
        metric: str = "score",
    ):
        self.scores = scores
        self.components = components
        self.components_ci = components_ci
        self.binomial_variance = binomial_variance
        self.within_split_seed_variance = within_split_seed_variance
        self.metric = metric

    @classmethod
    def from_cv_result(cls, result, *, metric: str | None = None, ax=None):
        """Plot a :class:`~skvariance.model_selection.SeedCVResult`.

        Parameters
        ----------
        result : SeedCVResult
            Output of :func:`~skvariance.model_selection.seed_cross_validate`.
        metric : str, default=None
            Which metric to plot; required when the result holds several.
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure with two panels when ``None``.

        Returns
        -------
        display : SeedVarianceDisplay
            The display, plotted.
        """
        metrics = list(result.scores)
        if metric is None:
            if len(metrics) > 1:
                raise ValueError(
                    f"metric must be given when the result has several metrics; "
                    f"choose one of {metrics}."
                )
            metric = metrics[0]
        if metric not in result.scores:
            raise ValueError(f"metric {metric!r} is not in the result: {metrics}.")
        display = cls(
            result.scores[metric],
            result.components[metric],
            components_ci=result.components_ci.get(metric),
            binomial_variance=result.binomial_variance.get(metric),
            within_split_seed_variance=result.within_split_seed_variance.get(metric),
            metric=metric,
        )
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        cv=5,
        n_seeds: int = 10,
        scoring: str | None = None,
        n_jobs: int | None = None,
        random_state=None,
        ax=None,
    ):
        """Run :func:`~skvariance.model_selection.seed_cross_validate` and plot.

        Parameters
        ----------
        estimator : estimator object
            The model to evaluate.
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Target.
        cv : int, cross-validation generator or iterable, default=5
            The splits, the same for every seed.
        n_seeds : int, default=10
            Number of seeds.
        scoring : str or callable, default=None
            One metric.
        n_jobs : int, default=None
            Parallel fits.
        random_state : int, RandomState instance or None, default=None
            Source of the seeds.
        ax : array-like of two matplotlib Axes, default=None
            Where to draw.

        Returns
        -------
        display : SeedVarianceDisplay
            The display, plotted.
        """
        from ..model_selection import seed_cross_validate

        result = seed_cross_validate(
            estimator,
            X,
            y,
            cv=cv,
            n_seeds=n_seeds,
            scoring=scoring,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        return cls.from_cv_result(result, ax=ax)

    def plot(self, *, ax=None):
        """Draw the two panels.

        Parameters
        ----------
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure with two panels when ``None``.

        Returns
        -------
        display : SeedVarianceDisplay
            Itself, with ``figure_`` and ``ax_`` set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.shape != (2,):
            raise ValueError(f"ax must hold exactly 2 Axes, got {ax.shape[0]}.")
        scores = np.asarray(self.scores, dtype=float)
        n_seeds, n_splits = scores.shape
        left, right = ax
        positions = np.arange(n_seeds)
        jitter = np.linspace(-0.2, 0.2, n_splits) if n_splits > 1 else np.zeros(1)
        for k in range(n_splits):
            left.plot(
                positions + jitter[k],
                scores[:, k],
                "o",
                alpha=0.6,
                markersize=4,
                label=f"split {k}",
            )
        left.hlines(
            scores.mean(axis=1),
            positions - 0.3,
            positions + 0.3,
            colors="black",
            label="mean over splits",
        )
        left.set_xlabel("seed")
        left.set_ylabel(self.metric)
        left.set_title(f"{self.metric} per seed")
        if n_splits <= 10:
            left.legend(fontsize="small", ncol=2)

        values = np.array([self.components[c] for c in _COMPONENTS], dtype=float)
        bars = right.bar(_COMPONENTS, values, color=["C0", "C1", "C2"], alpha=0.8)
        if self.components_ci is not None:
            low = np.array([self.components_ci[c][0] for c in _COMPONENTS])
            high = np.array([self.components_ci[c][1] for c in _COMPONENTS])
            right.errorbar(
                np.arange(len(_COMPONENTS)),
                values,
                yerr=np.vstack([values - np.minimum(low, values), high - values]).clip(
                    0
                ),
                fmt="none",
                ecolor="black",
                capsize=4,
            )
        if self.binomial_variance is not None:
            right.axhline(
                self.binomial_variance,
                color="black",
                linestyle="--",
                label="binomial p(1-p)/n_test",
            )
            if self.within_split_seed_variance is not None:
                right.axhline(
                    self.within_split_seed_variance,
                    color="C3",
                    linestyle=":",
                    label="observed seed variance (fixed test set)",
                )
            right.legend(fontsize="small")
        right.set_ylabel("variance")
        right.set_title("variance components")

        self.bars_ = bars
        self.ax_ = ax
        self.figure_ = left.figure
        return self

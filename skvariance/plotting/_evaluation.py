"""Displays for interval estimates, performance profiles and P(X > Y)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np

from ._layout import text_width

__all__ = [
    "IntervalEstimatesDisplay",
    "PerformanceProfileDisplay",
    "ProbabilityOfImprovementDisplay",
]

_LABELS = {
    "iqm": "IQM",
    "mean": "Mean",
    "median": "Median",
    "optimality_gap": "Optimality gap",
}


def _colors(names):
    import matplotlib.pyplot as plt

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return {name: cycle[i % len(cycle)] for i, name in enumerate(names)}


class IntervalEstimatesDisplay:
    """Point estimates and bootstrap intervals: algorithms x statistics.

    One row per algorithm and one panel (column) per statistic, each showing
    the interval as a bar and the point estimate as a tick, as in rliable's
    aggregate plots. Build it with :meth:`from_scores`.

    Parameters
    ----------
    results : dict
        ``statistic name -> BootstrapCIDict`` (algorithm name -> interval).
    names : list of str, default=None
        Algorithms in display order (top to bottom); all by default.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of matplotlib Axes
        One per statistic.
    ax_ : matplotlib Axes
        The first panel.

    See Also
    --------
    skvariance.evaluation.bootstrap_ci : the intervals shown.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.plotting import IntervalEstimatesDisplay
    >>> rng = np.random.RandomState(0)
    >>> scores = {"A": rng.normal(0.8, 0.05, (5, 4)), "B": rng.normal(0.7, 0.1, (5, 4))}
    >>> disp = IntervalEstimatesDisplay.from_scores(
    ...     scores, statistics=("median", "iqm"), n_resamples=500, random_state=0
    ... )
    >>> len(disp.axes_)
    2
    """

    def __init__(self, results: dict, names: list | None = None):
        self.results = results
        self.names = names

    @classmethod
    def from_scores(
        cls,
        scores: dict,
        statistics=("median", "iqm", "mean", "optimality_gap"),
        *,
        n_resamples: int = 50_000,
        confidence_level: float = 0.95,
        method: str = "percentile",
        random_state=None,
        axes=None,
    ) -> IntervalEstimatesDisplay:
        """Compute the intervals of ``scores`` (a dict name -> array) and plot.

        ``statistics`` are names accepted by
        :func:`~skvariance.evaluation.bootstrap_ci` or callables. The same
        ``random_state`` seeds every statistic.
        """
        from ..evaluation import bootstrap_ci

        if not isinstance(scores, Mapping):
            raise TypeError("scores must be a dict name -> (n_runs, n_tasks) array.")
        if isinstance(random_state, np.random.RandomState):
            random_state = int(random_state.randint(np.iinfo(np.int32).max))
        results = {}
        for stat in statistics:
            key = stat if isinstance(stat, str) else getattr(stat, "__name__", "stat")
            results[key] = bootstrap_ci(
                scores,
                stat,
                n_resamples=n_resamples,
                confidence_level=confidence_level,
                method=method,
                random_state=random_state,
            )
        return cls(results, names=list(scores)).plot(axes=axes)

    def plot(self, *, axes=None) -> IntervalEstimatesDisplay:
        """Draw; ``axes`` is a sequence of one Axes per statistic (optional)."""
        import matplotlib.pyplot as plt

        stats = list(self.results)
        names = self.names or list(next(iter(self.results.values())))
        if axes is None:
            fig, axes = plt.subplots(
                1,
                len(stats),
                figsize=(
                    3.2 * len(stats) + text_width(names) + 0.3,
                    0.5 * len(names) + 1.2,
                ),
                squeeze=False,
                layout="constrained",
            )
            axes = axes[0]
        else:
            axes = np.atleast_1d(np.asarray(axes, dtype=object))
            if axes.size != len(stats):
                raise ValueError(
                    f"axes must hold one Axes per statistic ({len(stats)}), got "
                    f"{axes.size}."
                )
            fig = axes[0].figure
        colors = _colors(names)
        positions = np.arange(len(names))[::-1]
        for ax, stat in zip(axes, stats):
            res = self.results[stat]
            for pos, name in zip(positions, names):
                r = res[name]
                ax.barh(
                    pos,
                    r.high - r.low,
                    left=r.low,
                    height=0.6,
                    color=colors[name],
                    alpha=0.75,
                )
                ax.vlines(r.estimate, pos - 0.3, pos + 0.3, color="k", linewidth=2)
            ax.set_title(_LABELS.get(stat, stat))
            ax.set_yticks(positions)
            ax.set_yticklabels(names if ax is axes[0] else [])
            ax.grid(axis="x", alpha=0.3)
        self.figure_, self.axes_, self.ax_ = fig, np.asarray(axes), axes[0]
        return self


class PerformanceProfileDisplay:
    """Fraction of runs above each threshold, with bootstrap bands.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
    profiles : dict
        ``name -> BootstrapCI`` (estimate, low, high over the thresholds) or
        ``name -> ndarray`` (no band).
    kind : {"score", "average"}, default="score"
        Which profile was computed (sets the y-axis label): the fraction of
        runs, or of task means, above each threshold.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    lines_ : dict name -> Line2D

    See Also
    --------
    skvariance.evaluation.performance_profile : the profiles shown.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.plotting import PerformanceProfileDisplay
    >>> rng = np.random.RandomState(0)
    >>> scores = {"A": rng.uniform(size=(5, 4)), "B": rng.uniform(size=(5, 4))}
    >>> disp = PerformanceProfileDisplay.from_scores(
    ...     scores, n_resamples=200, random_state=0
    ... )
    >>> sorted(disp.lines_)
    ['A', 'B']
    """

    def __init__(self, thresholds, profiles: dict, *, kind: str = "score"):
        self.thresholds = thresholds
        self.profiles = profiles
        self.kind = kind

    @classmethod
    def from_scores(
        cls,
        scores: dict,
        thresholds=None,
        *,
        kind: str = "score",
        n_resamples: int | None = 2000,
        confidence_level: float = 0.95,
        task_bootstrap: bool = False,
        random_state=None,
        ax=None,
    ) -> PerformanceProfileDisplay:
        """Compute the profiles of ``scores`` (dict name -> array) and plot.

        ``thresholds`` default to 101 points over the range of all scores;
        ``n_resamples=None`` draws no bands. ``kind`` and ``task_bootstrap``
        are those of :func:`~skvariance.evaluation.performance_profile`.
        """
        from ..evaluation import check_scores, performance_profile

        if not isinstance(scores, Mapping):
            raise TypeError("scores must be a dict name -> (n_runs, n_tasks) array.")
        if thresholds is None:
            values = np.concatenate([a.ravel() for a in check_scores(scores).values()])
            thresholds = np.linspace(values.min(), values.max(), 101)
        thresholds = np.asarray(thresholds, dtype=float)
        profiles = performance_profile(
            scores,
            thresholds,
            kind=kind,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            task_bootstrap=task_bootstrap,
            random_state=random_state,
        )
        return cls(thresholds, dict(profiles), kind=kind).plot(ax=ax)

    def plot(self, ax=None) -> PerformanceProfileDisplay:
        """Draw the profiles (and bands) on ``ax`` (a new one by default)."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
        colors = _colors(list(self.profiles))
        self.lines_ = {}
        for name, prof in self.profiles.items():
            estimate = getattr(prof, "estimate", prof)
            (line,) = ax.plot(self.thresholds, estimate, color=colors[name], label=name)
            self.lines_[name] = line
            if hasattr(prof, "low"):
                ax.fill_between(
                    self.thresholds, prof.low, prof.high, color=colors[name], alpha=0.2
                )
        ax.set_xlabel(r"score threshold $\tau$")
        if self.kind == "average":
            ax.set_ylabel(r"fraction of tasks with mean score $> \tau$")
        else:
            ax.set_ylabel(r"fraction of runs with score $> \tau$")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="best")
        self.figure_, self.ax_ = ax.figure, ax
        return self


class ProbabilityOfImprovementDisplay:
    """Intervals of P(X > Y) for pairs of algorithms.

    Parameters
    ----------
    results : BootstrapCIDict or dict
        ``"X vs Y" -> BootstrapCI`` of the probability of improvement.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes

    See Also
    --------
    skvariance.evaluation.probability_of_improvement : the statistic shown.

    References
    ----------
    R. Agarwal et al., "Deep Reinforcement Learning at the Edge of the
    Statistical Precipice", NeurIPS 2021.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.plotting import ProbabilityOfImprovementDisplay
    >>> rng = np.random.RandomState(0)
    >>> scores = {"A": rng.normal(1, 1, (6, 3)), "B": rng.normal(0, 1, (6, 3))}
    >>> disp = ProbabilityOfImprovementDisplay.from_scores(
    ...     scores, n_resamples=500, random_state=0
    ... )
    >>> list(disp.results)
    ['A vs B']
    """

    def __init__(self, results):
        self.results = results

    @classmethod
    def from_scores(
        cls,
        scores: dict,
        pairs=None,
        *,
        n_resamples: int = 50_000,
        confidence_level: float = 0.95,
        method: str = "percentile",
        random_state=None,
        ax=None,
    ) -> ProbabilityOfImprovementDisplay:
        """Compute P(X > Y) intervals and plot.

        ``pairs`` is a list of ``(x_name, y_name)``; by default every pair in
        the order of ``scores``.
        """
        from ..evaluation import bootstrap_ci

        if not isinstance(scores, Mapping):
            raise TypeError("scores must be a dict name -> (n_runs, n_tasks) array.")
        if pairs is None:
            pairs = list(combinations(scores, 2))
        for x, y in pairs:
            for name in (x, y):
                if name not in scores:
                    raise ValueError(f"pairs refers to {name!r}, not a key of scores.")
        data = {f"{x} vs {y}": (scores[x], scores[y]) for x, y in pairs}
        results = bootstrap_ci(
            data,
            "probability_of_improvement",
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            method=method,
            random_state=random_state,
        )
        return cls(results).plot(ax=ax)

    def plot(self, ax=None) -> ProbabilityOfImprovementDisplay:
        """Draw one interval per pair on ``ax`` (a new one by default)."""
        import matplotlib.pyplot as plt

        labels = list(self.results)
        if ax is None:
            fig, ax = plt.subplots(
                figsize=(3.5 + text_width(labels) + 0.3, 0.5 * len(labels) + 1.2),
                layout="constrained",
            )
        positions = np.arange(len(labels))[::-1]
        for pos, label in zip(positions, labels):
            r = self.results[label]
            ax.barh(pos, r.high - r.low, left=r.low, height=0.6, alpha=0.75, color="C0")
            ax.vlines(r.estimate, pos - 0.3, pos + 0.3, color="k", linewidth=2)
        ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(positions)
        ax.set_yticklabels(labels)
        ax.set_xlabel("P(X > Y)")
        ax.set_xlim(0, 1)
        self.figure_, self.ax_ = ax.figure, ax
        return self

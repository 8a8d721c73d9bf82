"""Posterior plots of the Bayesian comparisons."""

from __future__ import annotations

import numpy as np

from ._layout import text_width

__all__ = ["BayesianPosteriorDisplay"]

_SQRT3_2 = np.sqrt(3) / 2


def simplex_coordinates(samples):
    """Plane coordinates of (left, rope, right) probabilities in the triangle
    with ``left`` at (0, 0), ``right`` at (1, 0) and ``rope`` at the top."""
    samples = np.asarray(samples, dtype=float)
    x = samples[:, 2] + 0.5 * samples[:, 1]
    y = _SQRT3_2 * samples[:, 1]
    return np.column_stack([x, y])


class BayesianPosteriorDisplay:
    """Posterior of a Bayesian comparison of two models, A and B.

    For :func:`~skvariance.evaluation.bayesian_signed_rank_test` and
    :func:`~skvariance.evaluation.bayesian_hierarchical_test` with a rope,
    the posterior draws of the probabilities (B better, equivalent, A
    better) are points in a triangle (``kind_ = "simplex"``, as baycomp's
    plot): the bottom-left corner is "B better", the bottom-right "A
    better", the top "practically equivalent", and the lines from the centre
    split it into the regions where each is the most probable; the labels
    give the share of draws in each region (``p_left``, ``p_rope``,
    ``p_right``). Without a rope the posterior of the probability that A is
    better is a histogram (``kind_ = "histogram"``). For
    :func:`~skvariance.evaluation.bayesian_correlated_ttest` the Student t
    posterior of the mean difference is drawn with the rope shaded
    (``kind_ = "density"``).

    Parameters
    ----------
    result : BayesianSignedRankResult, BayesianHierarchicalResult or \
BayesianTTestResult
        The comparison to draw.
    names : tuple of two str, default=("A", "B")
        Names of the models compared as ``a`` and ``b``.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    kind_ : {"simplex", "histogram", "density"}
    points_ : ndarray of shape (n_samples, 2) or None
        Plane coordinates of the posterior draws in the triangle (simplex).

    See Also
    --------
    skvariance.evaluation.bayesian_signed_rank_test
    skvariance.evaluation.bayesian_hierarchical_test
    skvariance.evaluation.bayesian_correlated_ttest

    References
    ----------
    .. [1] Benavoli, A., Corani, G., Demšar, J. and Zaffalon, M. "Time for a
       Change: a Tutorial for Comparing Multiple Classifiers Through Bayesian
       Analysis", JMLR 18, 2017.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.evaluation import bayesian_signed_rank_test
    >>> from skvariance.plotting import BayesianPosteriorDisplay
    >>> rng = np.random.RandomState(0)
    >>> b = rng.uniform(0.7, 0.9, size=15)
    >>> a = b + rng.normal(0.01, 0.01, size=15)
    >>> res = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=5000,
    ...                                 random_state=0)
    >>> disp = BayesianPosteriorDisplay.from_result(res, names=("SVC", "kNN"))
    >>> disp.kind_
    'simplex'
    """

    def __init__(self, result, *, names=("A", "B")):
        self.result = result
        self.names = names

    @classmethod
    def from_result(
        cls, result, *, names=("A", "B"), ax=None
    ) -> BayesianPosteriorDisplay:
        """Draw the posterior of ``result`` (see the class description)."""
        return cls(result, names=names).plot(ax=ax)

    def _kind(self):
        res = self.result
        samples = getattr(res, "samples", None)
        if samples is not None and np.ndim(samples) == 2 and np.shape(samples)[1] == 3:
            return "simplex" if res.rope > 0 else "histogram"
        if all(hasattr(res, attr) for attr in ("mean", "scale", "df", "rope")):
            return "density"
        raise TypeError(
            "result must be a BayesianSignedRankResult, a BayesianHierarchicalResult "
            f"or a BayesianTTestResult, got {type(res).__name__}."
        )

    def plot(self, *, ax=None) -> BayesianPosteriorDisplay:
        """Draw on ``ax`` (a new figure sized to the labels by default)."""
        names = tuple(self.names)
        if len(names) != 2 or not all(isinstance(n, str) for n in names):
            raise ValueError(f"names must be two strings, got {self.names!r}.")
        kind = self._kind()
        self.points_ = None
        if kind == "simplex":
            self._plot_simplex(names, ax)
        elif kind == "histogram":
            self._plot_histogram(names, ax)
        else:
            self._plot_density(names, ax)
        self.kind_ = kind
        return self

    # -- the triangle ------------------------------------------------------------
    def _plot_simplex(self, names, ax):
        import matplotlib.pyplot as plt

        res = self.result
        name_a, name_b = names
        labels = [
            f"{name_b} better\np = {res.p_left:.3f}",
            f"{name_a} better\np = {res.p_right:.3f}",
        ]
        top = f"practically equivalent (rope ±{res.rope:g})\np = {res.p_rope:.3f}"
        side = 3.0  # inches for the triangle's side
        widths = [text_width([label]) for label in labels]
        if sum(widths) / 2 < 0.9 * side:  # centred under the corners
            anchors = [(0.0, "center"), (1.0, "center")]
            reach = max(widths) / 2
        else:  # long names: each label runs outwards from its corner
            anchors = [(0.1, "right"), (0.9, "left")]
            reach = max(widths) - 0.1 * side
        title = f"Posterior of {name_a} - {name_b}"
        half_label = max(reach, text_width([top, title]) / 2 - side / 2, 0)
        pad_x = (half_label + 0.15) / side
        pad_bottom, pad_top = 0.55 / side, 0.55 / side
        if ax is None:
            width = side * (1 + 2 * pad_x)
            height = side * (_SQRT3_2 + pad_bottom + pad_top)
            fig, ax = plt.subplots(figsize=(width + 0.2, height + 0.5))
            fig.subplots_adjust(left=0.1 / (width + 0.2), right=1 - 0.1 / (width + 0.2))
            fig.subplots_adjust(bottom=0.05, top=1 - 0.45 / (height + 0.5))
        else:
            fig = ax.figure
        points = simplex_coordinates(res.samples)
        ax.hexbin(
            points[:, 0],
            points[:, 1],
            gridsize=40,
            mincnt=1,
            cmap="Blues",
            extent=(0, 1, 0, _SQRT3_2),
            bins="log",
            linewidths=0.1,
        )
        ax.plot([0, 1, 0.5, 0], [0, 0, _SQRT3_2, 0], color="tab:orange", lw=1.5)
        centre = (0.5, _SQRT3_2 / 3)
        for mid in [(0.5, 0.0), (0.25, _SQRT3_2 / 2), (0.75, _SQRT3_2 / 2)]:
            ax.plot([centre[0], mid[0]], [centre[1], mid[1]], color="tab:orange", lw=1)
        for (x_text, align), label in zip(anchors, labels):
            ax.text(x_text, -0.04, label, ha=align, va="top")
        ax.text(0.5, _SQRT3_2 + 0.03, top, ha="center", va="bottom")
        ax.set_xlim(-pad_x, 1 + pad_x)
        ax.set_ylim(-pad_bottom, _SQRT3_2 + pad_top)
        ax.set_aspect("equal", adjustable="box")
        ax.axis("off")
        ax.set_title(title)
        self.points_ = points
        self.figure_, self.ax_ = fig, ax

    # -- no rope: the probability that A is better ---------------------------
    def _plot_histogram(self, names, ax):
        import matplotlib.pyplot as plt

        res = self.result
        name_a, name_b = names
        xlabel = f"posterior probability that {name_a} is better than {name_b}"
        title = (
            f"P({name_b} better) = {res.p_left:.3f}, "
            f"P({name_a} better) = {res.p_right:.3f} (no rope)"
        )
        if ax is None:
            width = max(6.0, text_width([xlabel, title]) + 0.6)
            fig, ax = plt.subplots(figsize=(width, 3.6), layout="constrained")
        else:
            fig = ax.figure
        ax.hist(res.samples[:, 2], bins=50, range=(0, 1), color="tab:blue", alpha=0.8)
        ax.axvline(0.5, color="tab:orange", lw=2)
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=10)
        self.figure_, self.ax_ = fig, ax

    # -- correlated t-test: the Student t posterior --------------------------
    def _plot_density(self, names, ax):
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
        from scipy import stats

        res = self.result
        name_a, name_b = names
        rope = float(res.rope)
        xlabel = f"mean difference {name_a} - {name_b}"
        if ax is None:
            width = max(6.5, text_width([xlabel]) + 0.6)
            fig, ax = plt.subplots(figsize=(width, 3.8), layout="constrained")
        else:
            fig = ax.figure
        probs = (res.prob_b_better, res.prob_equivalent, res.prob_a_better)
        labels = [
            f"{name_b} better: {probs[0]:.3f}",
            f"equivalent: {probs[1]:.3f}",
            f"{name_a} better: {probs[2]:.3f}",
        ]
        colors = ["tab:red", "tab:olive", "tab:green"]
        if res.scale > 0:
            dist = stats.t(res.df, loc=res.mean, scale=res.scale)
            lo = min(dist.ppf(0.001), -1.2 * rope)
            hi = max(dist.ppf(0.999), 1.2 * rope)
            xs = np.linspace(lo, hi, 400)
            ys = dist.pdf(xs)
            ax.plot(xs, ys, color="tab:blue", lw=2)
            edges = [lo, -rope, rope, hi]
            for k in range(3):
                part = (xs >= edges[k]) & (xs <= edges[k + 1])
                if part.any():
                    ax.fill_between(xs[part], ys[part], color=colors[k], alpha=0.35)
            ax.set_ylim(0, 1.25 * ys.max())
        else:
            ax.axvline(res.mean, color="tab:blue", lw=2)
            width = max(abs(res.mean), rope, 1e-3) * 1.5
            ax.set_xlim(-width, width)
        if rope > 0:
            ax.axvline(-rope, color="tab:orange", lw=1.5)
            ax.axvline(rope, color="tab:orange", lw=1.5)
        ax.set_yticks([])
        ax.set_xlabel(xlabel)
        ax.set_title("Posterior of the mean difference (rope shaded)", fontsize=10)
        handles = [
            Patch(color=color, alpha=0.35, label=label)
            for color, label in zip(colors, labels)
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=8)
        self.figure_, self.ax_ = fig, ax

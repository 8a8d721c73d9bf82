"""Critical-difference diagrams and hyperparameter-importance plots."""

from __future__ import annotations

import numpy as np

from ._layout import text_width

__all__ = ["CriticalDifferenceDisplay", "HyperparameterImportanceDisplay"]


def _cliques(ranks_sorted, cd):
    """Maximal runs of consecutive models (by rank) spanning at most ``cd``."""
    k = len(ranks_sorted)
    runs = []
    for i in range(k):
        j = i
        while j + 1 < k and ranks_sorted[j + 1] - ranks_sorted[i] <= cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in runs):
            runs.append((i, j))
    return runs


class CriticalDifferenceDisplay:
    """Demšar's critical-difference diagram of average ranks.

    Models sit on an axis of average rank across data sets (1 = best, on the
    left); a thick bar joins every group of models whose ranks differ by
    less than Nemenyi's critical difference, drawn to scale above the axis:
    models joined by a bar are not significantly different. Build it with
    :meth:`from_scores` or :meth:`from_result` (which takes the result of
    :func:`~skvariance.model_selection.benchmark_estimators` or of
    :func:`~skvariance.model_selection.compare_estimators`).

    Parameters
    ----------
    ranks : array-like of shape (n_models,)
        Average ranks.
    names : list of str
        Model names.
    critical_difference : float
        Nemenyi's critical difference.
    pvalue : float, default=None
        Friedman p-value, shown in the title when given. When it is above
        ``alpha`` the title says that Friedman's test does not reject equal
        ranks (the diagram is still drawn; autorank refuses to draw it by
        default).
    alpha : float, default=0.05
        Level of the test and of the critical difference.
    note : str, default=None
        A line added to the title (``from_result`` says there when the ranks
        come from the cross-validation cells of one data set).

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    cliques_ : list of list of str
        The groups joined by a bar (not significantly different).
    title_ : str
        The title drawn (empty without ``pvalue`` and ``note``).

    See Also
    --------
    skvariance.evaluation.friedman_nemenyi : computes the ranks and the
        critical difference.

    References
    ----------
    .. [1] Demšar, J. "Statistical Comparisons of Classifiers over Multiple
       Data Sets", JMLR 7, 2006.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.plotting import CriticalDifferenceDisplay
    >>> rng = np.random.RandomState(0)
    >>> scores = rng.rand(12, 4) + np.array([0.0, 0.1, 0.5, 0.55])
    >>> disp = CriticalDifferenceDisplay.from_scores(scores, names=list("ABCD"))
    >>> disp.cliques_
    [['D', 'C', 'B'], ['B', 'A']]
    """

    def __init__(
        self, ranks, names, critical_difference, *, pvalue=None, alpha=0.05, note=None
    ):
        self.ranks = ranks
        self.names = names
        self.critical_difference = critical_difference
        self.pvalue = pvalue
        self.alpha = alpha
        self.note = note

    @classmethod
    def from_result(cls, result, *, ax=None) -> CriticalDifferenceDisplay:
        """Plot the average ranks of a comparison.

        Parameters
        ----------
        result : FriedmanNemenyiResult, BenchmarkResult or CompareEstimatorsResult
            From :func:`~skvariance.evaluation.friedman_nemenyi`,
            :func:`~skvariance.model_selection.benchmark_estimators` (ranks
            over data sets) or
            :func:`~skvariance.model_selection.compare_estimators` (ranks over
            the cross-validation cells of one data set, see Notes).
        ax : matplotlib Axes, default=None
            Where to draw; a new figure sized to the names when ``None``.

        Returns
        -------
        display : CriticalDifferenceDisplay

        Notes
        -----
        A :class:`~skvariance.model_selection.CompareEstimatorsResult` holds
        one data set: its ``(seed, split)`` cells (the per-split means over
        the seeds when the folds were not re-seeded) are the blocks of
        Friedman's test. They share training rows, so they are not
        independent and the critical difference is optimistic; the diagram
        says so. Compare over several data sets with
        :func:`~skvariance.model_selection.benchmark_estimators`.
        """
        note = None
        if hasattr(result, "friedman"):  # BenchmarkResult
            result = result.friedman
        elif hasattr(result, "pairwise") and isinstance(
            getattr(result, "scores", None), dict
        ):  # CompareEstimatorsResult: the CV cells of one data set
            from ..evaluation import friedman_nemenyi

            cells = np.stack([np.asarray(result.scores[n]) for n in result.names])
            if not result.folds_reseeded:
                cells = cells.mean(axis=1, keepdims=True)
            table = cells.reshape(len(result.names), -1).T
            result = friedman_nemenyi(table, alpha=result.alpha, names=result.names)
            note = (
                f"ranks over {table.shape[0]} CV cells of one data set: not "
                "independent, the CD is optimistic"
            )
        for attr in ("ranks", "names", "critical_difference", "pvalue"):
            if not hasattr(result, attr):
                raise TypeError(
                    "result must be a FriedmanNemenyiResult, a BenchmarkResult or "
                    f"a CompareEstimatorsResult, got {type(result).__name__}."
                )
        return cls(
            result.ranks,
            result.names,
            result.critical_difference,
            pvalue=result.pvalue,
            alpha=getattr(result, "alpha", 0.05),
            note=note,
        ).plot(ax=ax)

    @classmethod
    def from_scores(
        cls, scores, *, names=None, alpha: float = 0.05, ax=None
    ) -> CriticalDifferenceDisplay:
        """Rank ``scores`` (n_datasets, n_models), higher is better, and plot."""
        from ..evaluation import friedman_nemenyi

        result = friedman_nemenyi(scores, alpha=alpha, names=names)
        return cls.from_result(result, ax=ax)

    def _title(self):
        lines = []
        if self.pvalue is not None:
            p, alpha = float(self.pvalue), float(self.alpha)
            if p <= alpha:
                lines.append(f"Average rank (Friedman p = {p:.3g} <= {alpha:g})")
            else:
                lines.append(
                    f"Average rank: Friedman p = {p:.3g} > {alpha:g} does not "
                    "reject\nequal ranks; the Nemenyi groups below are not "
                    "evidence of a difference"
                )
        if self.note:
            lines.append(f"({self.note})")
        return "\n".join(lines)

    def plot(self, *, ax=None) -> CriticalDifferenceDisplay:
        """Draw the diagram on ``ax`` (a new figure by default).

        A new figure is made wide enough for the longest names on either
        side, so that no label is cut at the edge.
        """
        import matplotlib.pyplot as plt

        ranks = np.asarray(self.ranks, dtype=float)
        names = list(self.names)
        if ranks.shape != (len(names),):
            raise ValueError(
                f"ranks has shape {ranks.shape} but there are {len(names)} names."
            )
        cd = float(self.critical_difference)
        k = len(names)
        order = np.argsort(ranks, kind="mergesort")
        r_sorted = ranks[order]
        cliques = _cliques(r_sorted, cd)
        half = (k + 1) // 2
        n_rows = max(half, k - half)
        left_labels = [f"{names[i]} ({ranks[i]:.2f})" for i in order[:half]]
        right_labels = [f"({ranks[i]:.2f}) {names[i]}" for i in order[half:]]
        title = self._title()
        lo, hi = 1, max(k, int(np.ceil(r_sorted[-1])))
        if ax is None:
            # the axis gets 0.75 inch per rank; the labels their own width
            # on each side (measured, not guessed from the number of letters)
            width_left = text_width(left_labels)
            width_right = text_width(right_labels)
            axis_width = max(0.75 * (hi - lo + 1.2), text_width([title]) * 0.6)
            fig_width = axis_width + width_left + width_right + 0.5
            n_title = title.count("\n") + 1 if title else 0
            fig, ax = plt.subplots(
                figsize=(fig_width, 1.6 + 0.35 * n_rows + 0.2 * n_title),
                layout="constrained",
            )
        else:
            fig = ax.figure
        ax.set_xlim(lo - 0.6, hi + 0.6)
        top = 0.0
        ax.hlines(top, lo, hi, color="black", lw=1)
        for t in range(lo, hi + 1):
            ax.vlines(t, top, top + 0.12, color="black", lw=1)
            ax.text(t, top + 0.18, str(t), ha="center", va="bottom", fontsize=9)
        # the CD to scale, above the axis
        ax.hlines(top + 0.7, lo, lo + cd, color="black", lw=1.5)
        ax.vlines([lo, lo + cd], top + 0.62, top + 0.78, color="black", lw=1.5)
        ax.text(lo + cd / 2, top + 0.82, f"CD = {cd:.2f}", ha="center", va="bottom")
        # clique bars just below the axis
        for c, (i, j) in enumerate(cliques):
            y_bar = top - 0.18 - 0.14 * c
            ax.hlines(y_bar, r_sorted[i] - 0.03, r_sorted[j] + 0.03, color="k", lw=4)
        label_top = top - 0.3 - 0.14 * len(cliques)
        for pos, idx in enumerate(order):
            r = ranks[idx]
            if pos < half:
                y_lab = label_top - 0.35 * pos
                ax.vlines(r, y_lab, top, color="0.3", lw=1)
                ax.hlines(y_lab, lo - 0.5, r, color="0.3", lw=1)
                ax.text(lo - 0.55, y_lab, left_labels[pos], ha="right", va="center")
            else:
                y_lab = label_top - 0.35 * (k - 1 - pos)
                ax.vlines(r, y_lab, top, color="0.3", lw=1)
                ax.hlines(y_lab, r, hi + 0.5, color="0.3", lw=1)
                ax.text(
                    hi + 0.55, y_lab, right_labels[pos - half], ha="left", va="center"
                )
        ax.set_ylim(label_top - 0.35 * n_rows, top + 1.1)
        ax.axis("off")
        if title:
            ax.set_title(title, fontsize=10)
        self.cliques_ = [[names[order[m]] for m in range(i, j + 1)] for i, j in cliques]
        self.title_ = title
        self.figure_, self.ax_ = fig, ax
        return self


def _label(key):
    return key if isinstance(key, str) else " x ".join(key)


class HyperparameterImportanceDisplay:
    """Effect of each hyperparameter beside the seed and split noise.

    Horizontal bars of the standard deviation (in score units, the square
    root of the variance) explained by each hyperparameter's main effect and
    by the strongest pairwise interactions, then the seed and split standard
    deviations of a single score in grey. A black tick on each effect's row
    marks the value that effect would take from seed and split noise alone
    (its ``expected_noise``, which grows with its number of levels): an
    effect whose bar does not clear its tick is not distinguishable from
    re-running with other seeds. Build it with :meth:`from_result` or
    :meth:`from_search`.

    Parameters
    ----------
    result : HyperparameterImportanceResult
        From :func:`~skvariance.model_selection.hyperparameter_importance`.
    top_interactions : int, default=3
        Pairwise interactions shown (the largest).

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    labels_ : list of str
        Bar labels, top to bottom.
    noise_markers_ : dict of str to float
        For each effect's label, the position of its noise tick (the square
        root of its expected noise; NaN when it cannot be estimated).

    See Also
    --------
    skvariance.model_selection.hyperparameter_importance : computes it.

    References
    ----------
    .. [1] Hutter, F., Hoos, H. and Leyton-Brown, K. "An Efficient Approach
       for Assessing Hyperparameter Importance", ICML 2014.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.plotting import HyperparameterImportanceDisplay
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> search = GridSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": [1, 2, 4], "criterion": ["gini", "entropy"]}, cv=3,
    ... ).fit(X, y)
    >>> disp = HyperparameterImportanceDisplay.from_search(search)
    >>> disp.labels_[0]
    'max_depth'
    """

    def __init__(self, result, *, top_interactions: int = 3):
        self.result = result
        self.top_interactions = top_interactions

    @classmethod
    def from_result(
        cls, result, *, top_interactions: int = 3, ax=None
    ) -> HyperparameterImportanceDisplay:
        """Plot a result of ``hyperparameter_importance``."""
        return cls(result, top_interactions=top_interactions).plot(ax=ax)

    @classmethod
    def from_search(
        cls, search, *, top_interactions: int = 3, ax=None, **kwargs
    ) -> HyperparameterImportanceDisplay:
        """Compute the importance of a fitted search (``kwargs`` are passed to
        :func:`~skvariance.model_selection.hyperparameter_importance`) and plot."""
        from ..model_selection import hyperparameter_importance

        result = hyperparameter_importance(search, **kwargs)
        return cls.from_result(result, top_interactions=top_interactions, ax=ax)

    def plot(self, *, ax=None) -> HyperparameterImportanceDisplay:
        """Draw on ``ax`` (a new figure by default)."""
        import matplotlib.pyplot as plt

        res = self.result
        mains = sorted(res.main_effects.items(), key=lambda kv: -kv[1])
        pairs = sorted(res.interactions.items(), key=lambda kv: -kv[1])
        pairs = pairs[: max(0, int(self.top_interactions))]
        labels, values, colors = [], [], []
        for name, v in mains:
            labels.append(name)
            values.append(v)
            colors.append("C0")
        for (a, b), v in pairs:
            labels.append(f"{a} x {b}")
            values.append(v)
            colors.append("C1")
        for name, v in (
            ("seed (one score)", res.seed_variance),
            ("split (one score)", res.split_variance),
        ):
            if np.isfinite(v):
                labels.append(name)
                values.append(v)
                colors.append("0.6")
        std = np.sqrt(np.maximum(np.asarray(values, dtype=float), 0.0))
        if ax is None:
            # the bars get 4.5 inches; the labels on the left their own width
            fig, ax = plt.subplots(
                figsize=(
                    max(6.5, 4.5 + text_width(labels) + 0.6),
                    1.4 + 0.38 * len(labels),
                ),
                layout="constrained",
            )
        else:
            fig = ax.figure
        y = np.arange(len(labels))[::-1]
        ax.barh(y, std, color=colors)
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        n_effects = len(mains) + len(pairs)
        # beside each effect, the value it would take from noise alone (its
        # own expected noise: it depends on its number of levels)
        keys = [name for name, _ in mains] + [pair for pair, _ in pairs]
        noise_std = np.array(
            [np.sqrt(res.expected_noise.get(k, np.nan)) for k in keys], dtype=float
        )
        shown = np.isfinite(noise_std)
        if shown.any():
            ax.scatter(
                noise_std[shown],
                y[:n_effects][shown],
                marker="|",
                s=400,
                linewidths=2,
                color="k",
                zorder=3,
                label="expected from noise alone",
            )
            ax.legend(loc="upper right", fontsize=8)
        self.noise_markers_ = dict(zip([_label(k) for k in keys], noise_std))
        for yi, s, v, tick in zip(
            y[:n_effects], std[:n_effects], values[:n_effects], noise_std
        ):
            # share of the variance over the search space (not for noise
            # bars), written past the bar and past its noise tick
            share = v / res.total_variance if res.total_variance > 0 else np.nan
            if np.isfinite(share):
                x = max(s, tick) if np.isfinite(tick) else s
                ax.text(x, yi, f" {100 * share:.0f}%", va="center", fontsize=8)
        ax.set_xlabel(f"standard deviation of the {res.metric} ({res.method})")
        ax.set_title("Hyperparameter effects\nbeside seed and split noise")
        self.labels_ = labels
        self.figure_, self.ax_ = fig, ax
        return self

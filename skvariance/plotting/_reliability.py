"""Reliability diagram with consistency bands (Broecker & Smith 2007)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ..utils.validation import check_confidence_level, check_positive_int

__all__ = ["ReliabilityDisplay"]

#: Uniform draws held at once by the consistency resampling.
_BLOCK = 4_000_000


def consistency_band(confidence, bins, n_bins, confidence_level, n_resamples, seed):
    """Quantiles of each bin's frequency when outcomes are drawn from the model.

    Resample ``r`` draws ``y*_i = U_ri < confidence_i`` with ``U`` the rows of
    ``check_random_state(seed).uniform(size=(n_resamples, n_samples))`` (drawn
    in blocks of rows: the same stream); the band of bin ``b`` is the
    ``(1 -+ confidence_level) / 2`` quantiles (``np.quantile``, linear) of the
    frequencies of ``y*`` in that bin. NaN where a bin is empty.
    """
    rng = check_random_state(seed)
    n = confidence.shape[0]
    onehot = np.zeros((n, n_bins))
    onehot[np.arange(n), bins] = 1.0
    counts = onehot.sum(axis=0)
    freq = np.empty((n_resamples, n_bins))
    block = max(1, _BLOCK // n)
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        draws = rng.uniform(size=(size, n)) < confidence
        with np.errstate(invalid="ignore", divide="ignore"):
            freq[start : start + size] = (draws @ onehot) / counts
    tail = (1.0 - confidence_level) / 2.0
    low, high = np.quantile(freq, [tail, 1.0 - tail], axis=0)
    return low, high


class ReliabilityDisplay:
    """Reliability diagram of predicted probabilities with consistency bands.

    The observed frequency of each bin against its mean predicted
    probability, the diagonal of perfect calibration and, around it, the
    consistency bands of Broecker & Smith (2007): where the frequencies of a
    *perfectly calibrated* model with these very probabilities would fall.
    Outcomes are drawn as ``y* ~ Bernoulli(p)`` from the observed
    probabilities ``n_resamples`` times, and each bin's band is the central
    ``confidence_level`` range of its resampled frequency. A point outside
    its band is a miscalibration that sampling noise does not explain; a
    point off the diagonal but inside its band is not evidence of one.

    Build it with :meth:`from_predictions` or :meth:`from_estimator`
    (matplotlib is imported only when plotting).

    Parameters
    ----------
    mean_confidence, frequency : ndarray of shape (n_bins,)
        Mean predicted probability and observed frequency of each bin (NaN
        for an empty bin).
    counts : ndarray of shape (n_bins,)
        Rows per bin.
    edges : ndarray of shape (n_bins + 1,)
        Bin edges.
    band_low, band_high : ndarray of shape (n_bins,), default=None
        Consistency band of each bin.
    confidence_level : float, default=None
        Level of the bands.
    calibration_error : float, default=None
        The binned l1 calibration error, shown in the legend.
    name : str, default=None
        Legend label.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The observed frequencies.
    band_ : matplotlib LineCollection or None
        The consistency bands, one vertical segment per non-empty bin.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    skvariance.metrics.calibration_error : the error of the same bins.
    skvariance.metrics.reliability_bins : the bins themselves.
    sklearn.calibration.CalibrationDisplay : the diagram without bands.

    References
    ----------
    J. Broecker, L. A. Smith, "Increasing the Reliability of Reliability
    Diagrams", Weather and Forecasting 22(3), 2007.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvariance.plotting import ReliabilityDisplay
    >>> rng = np.random.RandomState(0)
    >>> p = rng.uniform(size=500)
    >>> y = (rng.uniform(size=500) < p ** 1.5).astype(int)
    >>> disp = ReliabilityDisplay.from_predictions(
    ...     y, p, n_bins=8, n_resamples=200, random_state=0)
    >>> disp.band_low.shape
    (8,)
    """

    def __init__(
        self,
        mean_confidence,
        frequency,
        counts,
        edges,
        *,
        band_low=None,
        band_high=None,
        confidence_level=None,
        calibration_error=None,
        name=None,
    ):
        self.mean_confidence = mean_confidence
        self.frequency = frequency
        self.counts = counts
        self.edges = edges
        self.band_low = band_low
        self.band_high = band_high
        self.confidence_level = confidence_level
        self.calibration_error = calibration_error
        self.name = name

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_prob,
        *,
        n_bins: int = 10,
        strategy: str = "uniform",
        classes=None,
        consistency_bands: bool = True,
        confidence_level: float = 0.9,
        n_resamples: int = 1000,
        random_state=None,
        name=None,
        ax=None,
    ):
        """Plot the reliability diagram of probabilities already predicted.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            0/1 outcomes (1-d ``y_prob``) or true classes (2-d ``y_prob``).
        y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
            Positive-class probabilities, or ``predict_proba`` output (then
            the top-label confidence and whether the top label is right).
        n_bins : int, default=10
        strategy : {"uniform", "quantile"}, default="uniform"
            The bins of :func:`skvariance.metrics.reliability_bins`.
        classes : array-like of shape (n_classes,), default=None
            Labels of the columns of a 2-d ``y_prob``.
        consistency_bands : bool, default=True
            Draw the consistency bands.
        confidence_level : float, default=0.9
            Central probability of each band.
        n_resamples : int, default=1000
            Outcome draws for the bands.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws (see Notes).
        name : str, default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : ReliabilityDisplay

        Notes
        -----
        Draw ``r`` sets ``y*_i = U[r, i] < p_i`` with ``U =
        check_random_state(random_state).uniform(size=(n_resamples,
        n_samples))``; the bins stay those of the observed probabilities.
        """
        from ..metrics import calibration_error, reliability_bins

        bins = reliability_bins(
            y_true, y_prob, n_bins=n_bins, strategy=strategy, classes=classes
        )
        low = high = None
        if consistency_bands:
            confidence_level = check_confidence_level(confidence_level)
            n_resamples = check_positive_int(n_resamples, name="n_resamples")
            low, high = consistency_band(
                bins.confidence,
                bins.bin,
                bins.counts.size,
                confidence_level,
                n_resamples,
                random_state,
            )
        ece = calibration_error(
            y_true, y_prob, n_bins=n_bins, strategy=strategy, classes=classes
        )
        display = cls(
            bins.mean_confidence,
            bins.frequency,
            bins.counts,
            bins.edges,
            band_low=low,
            band_high=high,
            confidence_level=confidence_level if consistency_bands else None,
            calibration_error=ece,
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
        n_bins: int = 10,
        strategy: str = "uniform",
        consistency_bands: bool = True,
        confidence_level: float = 0.9,
        n_resamples: int = 1000,
        random_state=None,
        name=None,
        ax=None,
    ):
        """Plot the reliability diagram of a fitted classifier on (X, y).

        A binary classifier is shown for its positive class
        (``classes_[1]``); a multiclass one for its top label.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba`` and ``classes_``
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        n_bins, strategy, consistency_bands, confidence_level, n_resamples, \
random_state, ax
            As in :meth:`from_predictions`.
        name : str, default=None
            Legend label; the estimator's class name by default.

        Returns
        -------
        display : ReliabilityDisplay
        """
        proba = estimator.predict_proba(X)
        classes = np.asarray(estimator.classes_)
        if classes.size == 2:
            y_prob = proba[:, 1]
            y_true = (np.asarray(y) == classes[1]).astype(int)
            labels = None
        else:
            y_prob, y_true, labels = proba, y, classes
        return cls.from_predictions(
            y_true,
            y_prob,
            n_bins=n_bins,
            strategy=strategy,
            classes=labels,
            consistency_bands=consistency_bands,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            random_state=random_state,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, *, ax=None):
        """Draw the diagram.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure when ``None``.

        Returns
        -------
        display : ReliabilityDisplay
            Itself, with ``line_``, ``band_``, ``ax_`` and ``figure_`` set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.6, 4.4), layout="constrained")
        full = np.asarray(self.counts) > 0
        x = np.asarray(self.mean_confidence, dtype=float)[full]
        f = np.asarray(self.frequency, dtype=float)[full]
        ax.plot([0, 1], [0, 1], color="0.4", linestyle="--", linewidth=1)
        self.band_ = None
        if self.band_low is not None:
            lo = np.asarray(self.band_low, dtype=float)[full]
            hi = np.asarray(self.band_high, dtype=float)[full]
            self.band_ = ax.vlines(
                x,
                lo,
                hi,
                color="0.55",
                linewidth=6,
                alpha=0.6,
                label=f"{self.confidence_level:.0%} consistency band",
            )
        label = self.name or "observed"
        if self.calibration_error is not None:
            label = f"{label} (ECE {self.calibration_error:.3f})"
        (self.line_,) = ax.plot(x, f, "o-", color="C0", label=label)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("mean predicted probability")
        ax.set_ylabel("observed frequency")
        ax.set_title("reliability diagram")
        ax.legend(fontsize="small", loc="upper left")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

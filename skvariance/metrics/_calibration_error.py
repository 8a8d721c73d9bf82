"""Calibration error of predicted probabilities: binned and debiased estimators."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, column_or_1d

from ..utils.validation import check_confidence_level, check_positive_int

__all__ = ["calibration_error", "reliability_bins"]

_METHODS = ("binned", "debiased")
_STRATEGIES = ("uniform", "quantile")
_NORMS = ("l1", "l2")
#: Tolerance on the row sums of a (n_samples, n_classes) probability matrix.
_ROW_SUM_ATOL = 1e-6


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return value


def _check_probabilities(y_prob):
    """``y_prob`` as float64 of shape (n,) or (n, k), in [0, 1], rows summing to 1."""
    p = np.asarray(y_prob)
    if p.dtype.kind not in "biuf":
        raise TypeError(f"y_prob must be numeric, got dtype {p.dtype}.")
    p = p.astype(np.float64)
    if p.ndim not in (1, 2):
        raise ValueError(
            f"y_prob must have shape (n_samples,) or (n_samples, n_classes), got "
            f"{p.shape}."
        )
    if p.shape[0] == 0:
        raise ValueError("y_prob is empty.")
    if not np.all(np.isfinite(p)):
        raise ValueError("y_prob contains NaN or infinity.")
    outside = (p < 0.0) | (p > 1.0)
    if outside.any():
        raise ValueError(
            f"y_prob must hold probabilities in [0, 1]; {int(outside.sum())} "
            f"value(s) lie outside (min {p.min():g}, max {p.max():g})."
        )
    if p.ndim == 2:
        if p.shape[1] < 2:
            raise ValueError(
                "a 2-d y_prob needs one column per class (at least 2); pass the "
                "positive-class probabilities as a 1-d array for a binary problem."
            )
        off = np.abs(p.sum(axis=1) - 1.0) > _ROW_SUM_ATOL
        if off.any():
            raise ValueError(
                f"the rows of y_prob must sum to 1; {int(off.sum())} row(s) do not "
                f"(first: row {int(np.argmax(off))} sums to "
                f"{p[np.argmax(off)].sum():.6g})."
            )
    return p


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral):
        raise TypeError(f"n_bins must be an integer, got {type(n_bins).__name__}.")
    if n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins}.")
    return int(n_bins)


def _confidence_and_outcome(y_true, y_prob, classes):
    """Confidence and 0/1 outcome of each row.

    1-d ``y_prob``: the positive-class probability and ``y_true`` (0/1).
    2-d ``y_prob``: the top-label confidence (largest probability) and whether
    the top label (first column of the maximum) is the true class.
    """
    p = _check_probabilities(y_prob)
    y = column_or_1d(np.asarray(y_true))
    if y.shape[0] != p.shape[0]:
        raise ValueError(f"y_true has {y.shape[0]} entries, y_prob has {p.shape[0]}.")
    if p.ndim == 1:
        if classes is not None:
            raise ValueError(
                "classes applies to a 2-d y_prob; a 1-d y_prob is the probability "
                "of the positive class and y_true must be 0/1."
            )
        if y.dtype.kind not in "biuf" or not np.all(np.isin(y, (0, 1))):
            raise ValueError(
                "with a 1-d y_prob (probability of the positive class), y_true "
                "must hold only 0 and 1 (or booleans)."
            )
        return p, y.astype(np.float64)
    n_classes = p.shape[1]
    labels = np.arange(n_classes) if classes is None else np.asarray(classes)
    if labels.shape != (n_classes,):
        raise ValueError(
            f"classes must have one label per column of y_prob ({n_classes}), got "
            f"shape {labels.shape}."
        )
    if classes is None and (
        y.dtype.kind not in "biu"
        and not (y.dtype.kind == "f" and np.all(y == np.round(y)))
    ):
        raise ValueError(
            "y_true must hold class indices 0 .. n_classes - 1 when classes is "
            "None; pass classes (for example a classifier's classes_) for other "
            "labels."
        )
    known = np.isin(y, labels)
    if not known.all():
        raise ValueError(
            f"y_true has {int((~known).sum())} label(s) not among the columns' "
            f"classes {labels.tolist()}."
        )
    top = np.argmax(p, axis=1)
    return p[np.arange(p.shape[0]), top], (labels[top] == y).astype(np.float64)


def bin_indices(confidence, n_bins, strategy):
    """Bin of each confidence and the bin edges (scikit-learn's binning).

    ``n_bins`` intervals closed on the right, the first one closed on both
    sides: ``[e0, e1], (e1, e2], ..., (e_{n-1}, e_n]``; edges equally spaced
    on [0, 1] (``"uniform"``) or the confidences' quantiles (``"quantile"``),
    as in :func:`sklearn.calibration.calibration_curve`.
    """
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.percentile(confidence, np.linspace(0, 1, n_bins + 1) * 100)
    return np.searchsorted(edges[1:-1], confidence), edges


def bin_sums(confidence, outcome, n_bins, strategy):
    """Count, sum of confidences and sum of outcomes in every bin."""
    idx, edges = bin_indices(confidence, n_bins, strategy)
    counts = np.bincount(idx, minlength=n_bins)
    sum_conf = np.bincount(idx, weights=confidence, minlength=n_bins)
    sum_out = np.bincount(idx, weights=outcome, minlength=n_bins)
    return counts, sum_conf, sum_out, edges


def _estimate(confidence, outcome, n_bins, strategy, method, norm, squared):
    """The calibration error of validated arrays (no checks)."""
    counts, sum_conf, sum_out, _ = bin_sums(confidence, outcome, n_bins, strategy)
    full = counts > 0
    size = counts[full].astype(np.float64)
    freq = sum_out[full] / size
    gap = sum_conf[full] / size - freq
    weight = size / confidence.shape[0]
    if method == "binned" and norm == "l1":
        return float(np.sum(weight * np.abs(gap)))
    if method == "binned":
        square = float(np.sum(weight * gap**2))
    else:
        # Kumar, Liang & Ma (2019): the squared gap minus the unbiased estimate
        # ybar (1 - ybar) / (n_b - 1) of the variance of the bin's frequency; a
        # bin of one sample has no variance estimate and contributes 0.
        several = size > 1
        variance = freq * (1.0 - freq) / np.where(several, size - 1.0, 1.0)
        square = float(np.sum(np.where(several, weight * (gap**2 - variance), 0.0)))
    if squared:
        return square
    return max(square, 0.0) ** 0.5


def calibration_error(
    y_true,
    y_prob,
    *,
    method: str = "binned",
    n_bins: int = 15,
    strategy: str = "uniform",
    norm: str | None = None,
    squared: bool = False,
    classes=None,
    confidence_level: float | None = None,
    n_resamples: int = 2000,
    random_state=None,
):
    r"""Expected calibration error of predicted probabilities, binned or debiased.

    The predictions are grouped in ``n_bins`` bins of confidence; in bin
    :math:`b` with :math:`n_b` rows, mean confidence :math:`\bar p_b` and
    observed frequency :math:`\bar y_b`, the binned (plug-in) error is

    .. math::

        \mathrm{ECE}_1 = \sum_b \frac{n_b}{n} |\bar p_b - \bar y_b|, \qquad
        \mathrm{ECE}_2 = \Big(\sum_b \frac{n_b}{n} (\bar p_b - \bar y_b)^2
        \Big)^{1/2}.

    The plug-in error is biased upward: even a perfectly calibrated model
    has :math:`E[(\bar p_b - \bar y_b)^2] = \mathrm{Var}(\bar y_b) > 0`.
    ``method="debiased"`` subtracts the unbiased estimate of that variance
    (Kumar, Liang & Ma 2019),

    .. math::

        \widehat{\mathrm{ECE}}_2^2 = \sum_b \frac{n_b}{n}\Big[
        (\bar p_b - \bar y_b)^2 - \frac{\bar y_b (1 - \bar y_b)}{n_b - 1}\Big],

    whose expectation is the binned squared error when the labels of a bin
    share one probability; the reported error is
    :math:`\max(\widehat{\mathrm{ECE}}_2^2, 0)^{1/2}` (``squared=True``
    returns the unclipped square, the unbiased one).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        With a 1-d ``y_prob``: the binary outcome, 0 or 1. With a 2-d
        ``y_prob``: the true class, an index into the columns (or a label of
        ``classes``).
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
        1-d: probability of the positive class (calibration of that
        probability). 2-d: ``predict_proba`` output, rows summing to 1; the
        top-label (confidence) calibration error is computed: confidence is
        the largest probability of a row, the outcome whether its class (the
        first column reaching the maximum) is the true one.
    method : {"binned", "debiased"}, default="binned"
        Plug-in estimator, or the debiased l2 estimator of Kumar et al.
    n_bins : int, default=15
        Number of bins (>= 1).
    strategy : {"uniform", "quantile"}, default="uniform"
        Bins of equal width on [0, 1] or with edges at the confidences'
        quantiles; bins are closed on the right, as in
        :func:`sklearn.calibration.calibration_curve`.
    norm : {"l1", "l2"}, default=None
        ``"l1"`` (the usual ECE) by default for ``"binned"``; ``"debiased"``
        is defined for ``"l2"`` only.
    squared : bool, default=False
        Return the squared l2 error (``norm="l2"`` only); for
        ``"debiased"`` it is the unbiased estimate and may be negative.
    classes : array-like of shape (n_classes,), default=None
        Labels of the columns of a 2-d ``y_prob`` (a classifier's
        ``classes_``); by default ``0 .. n_classes - 1``.
    confidence_level : float, default=None
        When given, a bootstrap confidence interval is returned as well:
        rows (true label and probabilities together) are resampled with
        :func:`skvariance.evaluation.bootstrap_ci` (percentile interval) and
        the bins are recomputed on each resample.
    n_resamples : int, default=2000
        Bootstrap resamples (with ``confidence_level``).
    random_state : int, RandomState instance or None, default=None
        Seed of the bootstrap.

    Returns
    -------
    error : float or BootstrapCI
        The calibration error; with ``confidence_level``, a
        :class:`skvariance.evaluation.BootstrapCI` with ``estimate`` (the
        same float), ``low``, ``high`` and ``interval``.

    Raises
    ------
    ValueError
        Probabilities outside [0, 1], NaN, rows of a 2-d ``y_prob`` not
        summing to 1 (within 1e-6), a 0/1 outcome that is not 0/1, labels not
        among the classes, ``n_bins < 1``, an unknown ``method``,
        ``strategy`` or ``norm``, ``method="debiased"`` with ``norm="l1"``,
        ``squared`` with ``norm="l1"``; all before any binning.

    See Also
    --------
    skvariance.plotting.ReliabilityDisplay : the reliability diagram of the
        same bins.
    sklearn.calibration.calibration_curve : the bins' frequencies and mean
        probabilities.

    Notes
    -----
    With a 2-d ``y_prob`` and ``method="binned"``, ``strategy="uniform"``
    and ``n_bins=m``, the value equals MAPIE's
    ``expected_calibration_error(y_pred == y_true, y_prob, num_bins=m + 1,
    split_strategy="uniform")`` (MAPIE's edges ``linspace(0, 1, m + 1)`` put
    a probability of exactly 0 in a bin of its own; top-label confidences
    are never 0). MAPIE's ``top_label_ece`` is another quantity (the
    average over predicted classes of each class's ECE, Gupta & Ramdas
    2021). A bin holding one row contributes 0 to the debiased estimator
    (its variance cannot be estimated; Kumar et al.'s package does the
    same); its weight ``1 / n`` stays in the sum.

    References
    ----------
    M. P. Naeini, G. Cooper, M. Hauskrecht, "Obtaining Well Calibrated
    Probabilities Using Bayesian Binning", AAAI 2015.

    A. Kumar, P. Liang, T. Ma, "Verified Uncertainty Calibration",
    NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.metrics import calibration_error
    >>> rng = np.random.RandomState(0)
    >>> p = rng.uniform(size=2000)
    >>> y = (rng.uniform(size=2000) < p).astype(int)   # calibrated
    >>> round(calibration_error(y, p), 3)
    0.015

    The plug-in squared error is positive, the debiased one is centred on 0:

    >>> round(calibration_error(y, p, norm="l2", squared=True), 4)
    0.0003
    >>> round(calibration_error(y, p, method="debiased", squared=True), 4)
    -0.0009
    >>> ci = calibration_error(y, p ** 2, confidence_level=0.9,
    ...                        n_resamples=500, random_state=0)
    >>> bool(ci.low < ci.estimate < ci.high)
    True
    """
    method = _check_choice(method, "method", _METHODS)
    strategy = _check_choice(strategy, "strategy", _STRATEGIES)
    if norm is None:
        norm = "l2" if method == "debiased" else "l1"
    norm = _check_choice(norm, "norm", _NORMS)
    if method == "debiased" and norm == "l1":
        raise ValueError(
            "method='debiased' is the l2 estimator of Kumar et al. (2019); use "
            "norm='l2' (or method='binned' for the l1 ECE)."
        )
    if not isinstance(squared, (bool, np.bool_)):
        raise TypeError(f"squared must be a bool, got {type(squared).__name__}.")
    if squared and norm != "l2":
        raise ValueError("squared=True applies to norm='l2' only.")
    n_bins = _check_n_bins(n_bins)
    if confidence_level is not None:
        confidence_level = check_confidence_level(confidence_level)
        n_resamples = check_positive_int(n_resamples, name="n_resamples")
    confidence, outcome = _confidence_and_outcome(y_true, y_prob, classes)
    args = (n_bins, strategy, method, norm, bool(squared))
    if confidence_level is None:
        return _estimate(confidence, outcome, *args)
    if confidence.shape[0] < 2:
        raise ValueError("a bootstrap interval needs at least 2 samples.")

    from ..evaluation import bootstrap_ci

    def calibration_error(data):
        return _estimate(data[:, 0], data[:, 1], *args)

    # rows are resampled whole (stratified=False): a resampled row keeps its
    # confidence and its outcome together.
    return bootstrap_ci(
        np.column_stack([confidence, outcome]),
        calibration_error,
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        method="percentile",
        stratified=False,
        random_state=random_state,
    )


def reliability_bins(
    y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform", classes=None
):
    """The bins of a reliability diagram: counts, mean confidence, frequency.

    The same bins as :func:`calibration_error` (and as
    :func:`sklearn.calibration.calibration_curve`, which drops empty bins).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        0/1 outcomes (1-d ``y_prob``) or true classes (2-d ``y_prob``).
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
        Positive-class probabilities, or ``predict_proba`` output (top-label
        confidence).
    n_bins : int, default=15
        Number of bins (>= 1).
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1] or bins at the confidences' quantiles.
    classes : array-like of shape (n_classes,), default=None
        Labels of the columns of a 2-d ``y_prob``.

    Returns
    -------
    bins : sklearn.utils.Bunch
        ``edges`` (n_bins + 1,); ``counts`` (n_bins,); ``mean_confidence``
        and ``frequency`` (n_bins,), NaN exactly where ``counts == 0`` (an
        empty bin has neither); per row: ``confidence``, ``outcome`` (0/1)
        and ``bin`` (index of its bin).

    Examples
    --------
    >>> from skvariance.metrics import reliability_bins
    >>> b = reliability_bins([0, 1, 1, 1], [0.1, 0.4, 0.8, 0.9], n_bins=2)
    >>> b.counts.tolist(), b.frequency.tolist()
    ([2, 2], [0.5, 1.0])
    """
    strategy = _check_choice(strategy, "strategy", _STRATEGIES)
    n_bins = _check_n_bins(n_bins)
    confidence, outcome = _confidence_and_outcome(y_true, y_prob, classes)
    idx, edges = bin_indices(confidence, n_bins, strategy)
    counts = np.bincount(idx, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = (
            np.bincount(idx, weights=confidence, minlength=n_bins) / counts
        )
        frequency = np.bincount(idx, weights=outcome, minlength=n_bins) / counts
    return Bunch(
        edges=edges,
        counts=counts,
        mean_confidence=mean_confidence,
        frequency=frequency,
        confidence=confidence,
        outcome=outcome,
        bin=idx,
    )

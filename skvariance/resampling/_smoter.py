"""SMOTER: SMOTE for regression, over-sampling rows with rare target values."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from imblearn.base import BaseSampler
from sklearn.utils import check_consistent_length

from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    validate_data,
)
from .base import SMOTE_CONSTRAINTS, BaseSMOTE, fill_doc

__all__ = ["SMOTER"]

TAILS = ("low", "high")


def iqr_control_points(y):
    """Torgo's boxplot control points ``(adj_low, median, adj_high)`` of ``y``.

    The adjacent values are the most extreme targets within the Tukey fences
    :math:`Q_1 - 1.5 IQR` and :math:`Q_3 + 1.5 IQR`. As in Ribeiro's
    ``phi.control(method="extremes")``, a side is relevant only when some
    target lies beyond its fence; a side without outliers gets ``None``.
    """
    q1, median, q3 = np.percentile(y, [25, 50, 75])
    iqr = q3 - q1
    low_fence, high_fence = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    low = float(y[y >= low_fence].min()) if (y < low_fence).any() else None
    high = float(y[y <= high_fence].max()) if (y > high_fence).any() else None
    return low, float(median), high


def iqr_relevance(y, control_points):
    """Boxplot relevance of ``y`` given :func:`iqr_control_points`.

    0 at the median, 1 at and beyond a relevant side's adjacent value, the
    cubic Hermite step with zero end slopes, ``3t^2 - 2t^3`` of the relative
    distance ``t`` from the median, in between; 0 on a side that is not
    relevant.
    """
    low, median, high = control_points
    y = np.asarray(y, dtype=np.float64)
    out = np.zeros(y.shape)
    for side, adj in ((y > median, high), (y < median, low)):
        if adj is None:
            continue
        if adj == median:  # IQR of 0: every value off the median is an outlier
            out[side] = 1.0
            continue
        t = np.clip((y[side] - median) / (adj - median), 0.0, 1.0)
        out[side] = t * t * (3.0 - 2.0 * t)
    return out


def extremes_control_points(y):
    """Skew-aware boxplot control points ``(low fence, Q1, median, Q3, high fence)``.

    Kimber's semi-interquartile fences, :math:`Q_1 - 3 (M - Q_1)` and
    :math:`Q_3 + 3 (Q_3 - M)` (:math:`M` the median): Tukey's fences
    :math:`Q_1 - 1.5\\,IQR` and :math:`Q_3 + 1.5\\,IQR` when the quartiles
    are symmetric about the median, pushed out on the long side and pulled in
    on the short side of a skewed target.
    """
    q1, median, q3 = (float(v) for v in np.percentile(y, [25, 50, 75]))
    return q1 - 3.0 * (median - q1), q1, median, q3, q3 + 3.0 * (q3 - median)


def extremes_relevance(y, control_points):
    """Relevance of ``y`` given :func:`extremes_control_points`.

    0 inside the box ``[Q1, Q3]``, 1 at and beyond the fences, and the cubic
    Hermite step with zero end slopes, ``3t^2 - 2t^3`` of the relative
    distance ``t`` from the quartile to the fence, in between; both sides
    are always relevant. A side whose fence equals its quartile (a quartile
    equal to the median) gives 1 to every value beyond the quartile.
    """
    low_fence, q1, _, q3, high_fence = control_points
    y = np.asarray(y, dtype=np.float64)
    out = np.zeros(y.shape)
    for side, start, fence in ((y > q3, q3, high_fence), (y < q1, q1, low_fence)):
        if fence == start:
            out[side] = 1.0
            continue
        t = np.clip((y[side] - start) / (fence - start), 0.0, 1.0)
        out[side] = t * t * (3.0 - 2.0 * t)
    return out


#: Bins of the binned kernel density estimate of the target.
DENSITY_BINS = 1024


def silverman_bandwidth(y):
    """Silverman's rule of thumb, :math:`0.9 \\min(\\hat\\sigma, IQR / 1.34) n^{-1/5}`.

    The standard deviation alone when the IQR is 0.
    """
    y = np.asarray(y, dtype=np.float64)
    q1, q3 = np.percentile(y, [25, 75])
    spread = min(y.std(), (q3 - q1) / 1.34) or y.std()
    return 0.9 * spread * y.size ** (-0.2)


def density_relevance(y):
    """``1 -`` the min-max scaled Gaussian kernel density of ``y`` at ``y``.

    Silverman's bandwidth (:func:`silverman_bandwidth`); evaluated exactly
    at the distinct values when there are at most ``DENSITY_BINS`` of them
    (label-like targets), binned (``DENSITY_BINS`` bins) otherwise. The
    rarest target has relevance 1, the most common 0; all 0 when every
    target is equally frequent.
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    bandwidth = silverman_bandwidth(y)
    values, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    if values.size <= DENSITY_BINS:
        z = (values[:, None] - values[None, :]) / bandwidth
        p = (np.exp(-0.5 * z**2) @ counts)[inverse]
        span = p.max() - p.min()
        if span <= 1e-9 * p.max():
            return np.zeros(n)
        return (p.max() - p) / span
    counts, edges = np.histogram(y, bins=DENSITY_BINS)
    width = edges[1] - edges[0]
    half = int(min(np.ceil(4 * bandwidth / width), DENSITY_BINS))
    offsets = np.arange(-half, half + 1) * (width / bandwidth)
    density = np.convolve(counts, np.exp(-0.5 * offsets**2))[half : half + DENSITY_BINS]
    centres = 0.5 * (edges[:-1] + edges[1:])
    p = np.interp(y, centres, density)
    span = p.max() - p.min()
    if span <= 1e-9 * p.max():
        return np.zeros(n)
    return (p.max() - p) / span


class SMOTER(BaseSMOTE, BaseSampler):
    """SMOTE for regression: over-sample the rows whose target is rare.

    A relevance function :math:`\\phi(y) \\in [0, 1]` marks the rows whose
    target is rare (:math:`\\phi(y) \\geq` ``threshold``); they are split
    into the low tail (below the median of ``y``) and the high tail, and
    each tail is over-sampled with SMOTE within itself [1]_: a rare row
    :math:`(x_i, y_i)` and one of its ``k_neighbors`` nearest rare
    neighbours :math:`(x_j, y_j)` of the same tail are drawn, and

    .. math::

        x_{{new}} = x_i + \\lambda (x_j - x_i), \\quad
        y_{{new}} = y_i + \\lambda (y_j - y_i), \\quad \\lambda \\sim U(0, 1).

    Every original row is kept, first and in order; the synthetic rows
    follow, low tail first. Works as a step of
    :class:`imblearn.pipeline.Pipeline` in front of any regressor.

    Read more in the :ref:`User Guide <resampling_smoter>`.

    Parameters
    ----------
    relevance : {{"extremes", "density", "iqr"}} or callable, default="extremes"
        Relevance of each target value.

        - ``"extremes"`` (default): the boxplot relevance of Ribeiro and
          Branco et al. on skew-aware fences: 0 inside the box
          :math:`[Q_1, Q_3]`, 1 at and beyond Kimber's semi-interquartile
          fences :math:`Q_1 - 3 (M - Q_1)` and :math:`Q_3 + 3 (Q_3 - M)`
          (:math:`M` the median; Tukey's fences for a symmetric target), and
          the cubic step :math:`3t^2 - 2t^3` of the relative distance
          :math:`t` from the quartile to the fence in between. Both sides
          always count, so rare means a thin tail: at the default threshold
          a normal target has about 4.5% rare rows in each tail
          (:math:`|z| > 1.69`), a lognormal one about 11%, all in its long
          right tail, and a uniform one none (a warning says so).
        - ``"iqr"``: the boxplot relevance of Torgo and Ribeiro: 0 at the
          median, 1 at and beyond the adjacent values (the most extreme
          targets within the Tukey fences :math:`Q_1 - 1.5\\,IQR` and
          :math:`Q_3 + 1.5\\,IQR`), and the cubic step
          :math:`3t^2 - 2t^3` of the relative distance :math:`t` from the
          median in between. A side counts only if some target lies beyond
          its fence (otherwise its relevance is 0), so a right-skewed
          target has a rare high tail and no rare low tail, and a target
          without outliers (a normal target of a few hundred rows) has no
          rare value at all -- or, by chance, one rare tail only.
        - ``"density"``: one minus the min-max scaled kernel density of
          the target (Gaussian kernel, Silverman's bandwidth,
          ``silverman_bandwidth``): the rarest value has relevance 1,
          the most frequent 0. It marks everything below half the peak
          density: large shares (about 25% of a normal target, 39% of a
          lognormal one), but also rare values that are not in a tail, such
          as a gap or a small mode. A target with no rare value (every
          value equally frequent) gives relevance 0 everywhere.
        - a callable: gets the 1-D target array and returns an array of the
          same shape with values in [0, 1].

    threshold : float in (0, 1], default=0.5
        Rows with ``relevance >= threshold`` are rare. When no row is rare,
        ``fit_resample`` warns and returns the data unchanged, as
        imbalanced-learn's samplers do when nothing needs sampling.

    sampling_strategy : "balance", float or dict, default="balance"
        How many synthetic rows each tail gets. ``"balance"`` brings each
        tail with rare rows up to the number of common rows; a float
        :math:`r > 0` brings each such tail up to :math:`r` times the number
        of common rows; a dict ``{{"low": n, "high": n}}`` gives the numbers
        of synthetic rows directly (missing keys mean 0). Tails already at
        or above their target get none, and with ``"balance"`` or a float
        so does a tail with fewer than ``k_neighbors + 1`` rare rows (a few
        outliers; ``n_rare_`` shows them).

    k_neighbors : int, default=5
        Number of nearest rare neighbours, within the tail and excluding the
        row itself, among which the partner of each synthetic row is drawn.
        The search is exact (squared Euclidean on ``X``; scale the features
        first if their units differ); ties are broken by the lower row
        index. Every over-sampled tail needs at least ``k_neighbors + 1``
        rare rows.

    {random_state}

    {n_jobs}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated for the ``"low"`` and ``"high"``
        tails.
    relevance_ : ndarray of shape (n_samples,)
        Relevance of each training row.
    median_ : float
        Median of ``y``, which splits the rare rows into the two tails.
    control_points_ : tuple of float or None
        ``(low fence, Q1, median, Q3, high fence)`` for
        ``relevance="extremes"``; ``(adjacent low, median, adjacent high)``
        for ``relevance="iqr"`` (``None`` for a side without outliers);
        ``None`` otherwise.
    n_rare_ : dict
        Number of rare rows in the ``"low"`` and ``"high"`` tails.
    n_common_ : int
        Number of rows that are not rare.
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit_resample``, when they are strings.

    See Also
    --------
    SMOTE : SMOTE for classification.
    imblearn.pipeline.Pipeline : pipeline that applies a sampler in ``fit``
        only.

    Notes
    -----
    Torgo et al. interpolate the target as the average of the two parents'
    targets weighted by the inverse distances of the new row to each
    parent. With every feature interpolated by the same :math:`\\lambda`,
    those distances are :math:`\\lambda d` and :math:`(1 - \\lambda) d`,
    and the weighted average is exactly :math:`y_i + \\lambda (y_j - y_i)`;
    the two rules coincide, so there is no option to choose between them.
    Unlike the original algorithm, the common rows are not under-sampled:
    nothing is lost, and under-sampling can be added as a separate step.

    Sparse ``X`` (CSR, CSC, or a DataFrame of sparse columns) gives sparse
    output in the same format. The output target is floating point (integer
    targets become float64: interpolated targets are not integers). ``fit_resample(X, y,
    sample_weight=w)`` also returns the weights: originals keep theirs and
    synthetic rows get the interpolation of their two parents' weights with
    the same :math:`\\lambda`.

    References
    ----------
    .. [1] L. Torgo, R. P. Ribeiro, B. Pfahringer, P. Branco, "SMOTE for
       Regression", Progress in Artificial Intelligence (EPIA 2013), LNCS
       8154, 378-389, 2013.
    .. [2] A. C. Kimber, "Exploratory data analysis for possibly censored
       data from skewed distributions", Journal of the Royal Statistical
       Society C (Applied Statistics) 39(1), 21-30, 1990 (the
       semi-interquartile fences of ``relevance="extremes"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.resampling import SMOTER
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 3))
    >>> y = np.exp(X[:, 0])  # right-skewed: large values are rare
    >>> sampler = SMOTER(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.n_common_, sampler.n_rare_
    (269, {{'low': 0, 'high': 31}})
    >>> sampler.sampling_strategy_
    {{'low': 0, 'high': 238}}
    >>> X_res.shape, bool((X_res[:300] == X).all())
    ((538, 3), True)
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "relevance": [StrOptions({"extremes", "density", "iqr"}), callable],
        "threshold": [Interval(Real, 0, 1, closed="right")],
        "sampling_strategy": [
            StrOptions({"balance"}),
            Interval(Real, 0, None, closed="neither"),
            dict,
        ],
        "k_neighbors": SMOTE_CONSTRAINTS["k_neighbors"],
        "random_state": SMOTE_CONSTRAINTS["random_state"],
        "n_jobs": SMOTE_CONSTRAINTS["n_jobs"],
    }

    def __init__(
        self,
        *,
        relevance: str | Callable = "extremes",
        threshold: float = 0.5,
        sampling_strategy: str | float | dict = "balance",
        k_neighbors: int = 5,
        random_state=None,
        n_jobs: int | None = None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.relevance = relevance
        self.threshold = threshold
        self.k_neighbors = k_neighbors
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- validation --------------------------------------------------------
    def _check_y(self, y, n_samples):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                "y must be a 1-D continuous target; got an array of shape "
                f"{y.shape}. Multi-output targets are not supported."
            )
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"y must be numeric for SMOTER, got dtype {y.dtype}."
                ) from exc
        if y.dtype not in (np.float32, np.float64):
            y = y.astype(np.float64)
        check_consistent_length(np.empty(n_samples), y)
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        return y

    def _relevance(self, y):
        if callable(self.relevance):
            phi = np.asarray(self.relevance(y), dtype=np.float64)
            if phi.shape != y.shape:
                raise ValueError(
                    f"relevance must return an array of shape {y.shape}, got "
                    f"{phi.shape}."
                )
            if not (np.isfinite(phi).all() and phi.min() >= 0 and phi.max() <= 1):
                raise ValueError("relevance must return values in [0, 1].")
            return phi, None
        if self.relevance == "density":
            return density_relevance(y), None
        if self.relevance == "extremes":
            points = extremes_control_points(y)
            return extremes_relevance(y, points), points
        points = iqr_control_points(y)
        return iqr_relevance(y, points), points

    def _check_targets(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )

    def _check_X_y(self, X, y):
        X = validate_data(
            self,
            X=X,
            reset=True,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"],
            ensure_min_samples=2,
        )
        return X, self._check_y(y, X.shape[0]), False

    def _fit_strategy(self, X, y):
        """Set the relevance, the rare rows of each tail and ``sampling_strategy_``."""
        if np.ptp(y) == 0:
            raise ValueError(
                "y is constant (a single value, like a single class): there is "
                "no rare target to over-sample."
            )
        phi, self.control_points_ = self._relevance(y)
        self.relevance_ = phi
        self.median_ = float(np.median(y))
        tails = self._tails(y)
        self.n_rare_ = {tail: int(index.size) for tail, index in tails.items()}
        self.n_common_ = int(y.size - sum(self.n_rare_.values()))
        self.sampling_strategy_ = self._n_new()

    def _fit_resample(self, X, y, sample_weight=None):
        phi = self.relevance_
        if not any(self.n_rare_.values()):
            warnings.warn(
                f"No target has relevance >= threshold={self.threshold} "
                f"(largest relevance {phi.max():.3g}): nothing is rare, so "
                f"{type(self).__name__} returns the data unchanged. Lower "
                "threshold or choose another relevance to over-sample.",
                UserWarning,
                stacklevel=4,
            )
        elif (
            not any(self.sampling_strategy_.values())
            and isinstance(self.k_neighbors, Integral)
            and all(n < self.k_neighbors + 1 for n in self.n_rare_.values())
        ):
            warnings.warn(
                f"The rare rows ({self.n_rare_}) are too few in each tail for "
                f"k_neighbors={self.k_neighbors}: nothing is over-sampled, so "
                f"{type(self).__name__} returns the data unchanged. Lower "
                "k_neighbors or threshold to over-sample.",
                UserWarning,
                stacklevel=4,
            )
        return super()._fit_resample(X, y, sample_weight=sample_weight)

    def _tails(self, y):
        rare = self.relevance_ >= self.threshold
        return {
            "low": np.flatnonzero(rare & (y < self.median_)),
            "high": np.flatnonzero(rare & (y >= self.median_)),
        }

    def _groups(self, y):
        tails = self._tails(y)
        return [
            (tail, tails[tail], self.sampling_strategy_[tail])
            for tail in TAILS
            if self.sampling_strategy_[tail] > 0
        ]

    def _new_targets(self, y, parents, partners, steps):
        new = y[parents] + steps * (y[partners] - y[parents])
        return new.astype(y.dtype, copy=False)

    def _too_small_message(self, key, n_group, k):
        return (
            f"The {key} tail has {n_group} rare sample(s) (relevance "
            f">= threshold={self.threshold}); SMOTER needs at least "
            f"k_neighbors + 1 = {k + 1} rare samples in every tail it "
            "over-samples. Lower k_neighbors or threshold, or set "
            f"sampling_strategy={{{key!r}: 0}} to leave this tail out."
        )

    def _n_new(self):
        spec = self.sampling_strategy
        if isinstance(spec, dict):
            unknown = set(spec) - set(TAILS)
            if unknown:
                raise ValueError(
                    f"sampling_strategy keys must be 'low' and/or 'high', got "
                    f"{sorted(map(repr, unknown))}."
                )
            n_new = {}
            for tail in TAILS:
                n = spec.get(tail, 0)
                if not isinstance(n, Integral) or n < 0:
                    raise ValueError(
                        f"sampling_strategy[{tail!r}] must be a non-negative int, "
                        f"got {n!r}."
                    )
                if n > 0 and self.n_rare_[tail] == 0:
                    raise ValueError(
                        f"sampling_strategy asks for {n} synthetic rows in the "
                        f"{tail} tail, which has no rare rows."
                    )
                n_new[tail] = int(n)
            return n_new
        ratio = 1.0 if spec == "balance" else float(spec)
        target = int(round(ratio * self.n_common_))
        k = self.k_neighbors
        n_new = {}
        for tail, n in self.n_rare_.items():
            # a tail of a few outliers, too small for SMOTE, is left out (it
            # shows in n_rare_ and sampling_strategy_; a warning if nothing
            # at all is over-sampled)
            too_small = isinstance(k, Integral) and n < k + 1
            n_new[tail] = max(target - n, 0) if n > 0 and not too_small else 0
        return n_new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


fill_doc(SMOTER)

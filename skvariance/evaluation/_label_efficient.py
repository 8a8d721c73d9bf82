"""Label-efficient estimates of a model's score.

A model's test score is the mean of a per-sample loss (0-1 loss, log-loss,
squared error...) over a population of test rows. Labels are the expensive
part; a surrogate (a second model, or the model's own confidence) that
predicts the per-sample loss from the features alone is cheap. This module
turns a few labelled losses plus the surrogate's predictions into a point
estimate and a confidence interval of the population mean loss:

- :func:`prediction_powered_ci`: prediction-powered inference (PPI,
  Angelopoulos et al. 2023) and its power-tuned version PPI++ (Angelopoulos,
  Duchi & Zrnic 2023), identical to ``ppi_py.ppi_mean_ci``;
- :func:`control_variate_ci`: the regression (control-variate) estimator
  when the mean of the surrogate over the population is known exactly;
- :func:`neyman_allocation`, :func:`stratified_sample` and
  :func:`stratified_score_ci`: stratify the pool by the surrogate's predicted
  loss, spread the labels by Neyman allocation, and estimate the mean with
  the stratified estimator and its finite-population variance.

Pure statistics on arrays: nothing here fits a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.special import ndtri
from sklearn.utils import check_random_state

from ..utils.validation import check_confidence_level

__all__ = [
    "ScoreCIResult",
    "StratifiedSample",
    "StratifiedScoreResult",
    "control_variate_ci",
    "neyman_allocation",
    "prediction_powered_ci",
    "stratified_sample",
    "stratified_score_ci",
]

_ALTERNATIVES = ("two-sided", "greater", "less")
_PPI_METHODS = ("classical", "ppi", "ppi++")


# -- results ------------------------------------------------------------------
@dataclass(eq=False)
class ScoreCIResult:
    """A label-efficient estimate of a mean score with its confidence interval.

    Returned by :func:`prediction_powered_ci` and :func:`control_variate_ci`.

    Attributes
    ----------
    estimate : float
        Point estimate of the population mean of the per-sample score.
    low, high : float
        Bounds of the interval; ``-inf`` / ``inf`` on the open side of a
        one-sided interval.
    std_error : float
        Estimated standard error of ``estimate``.
    lambda_ : float
        Weight given to the surrogate: 0 for ``"classical"``, 1 for
        ``"ppi"``, the power-tuned weight for ``"ppi++"`` and the regression
        slope for ``"control_variate"``.
    n_labelled : int
        Number of labelled rows.
    n_unlabelled : int or None
        Number of unlabelled rows (``None`` when the surrogate's mean is
        given as a number, as in :func:`control_variate_ci`).
    method : str
        ``"classical"``, ``"ppi"``, ``"ppi++"`` or ``"control_variate"``.
    confidence_level : float
        Nominal coverage of the interval.
    alternative : str
        ``"two-sided"``, ``"greater"`` (lower bound only) or ``"less"``
        (upper bound only).

    Examples
    --------
    >>> from skvariance.evaluation import prediction_powered_ci
    >>> res = prediction_powered_ci([0.0, 1.0, 0.0, 1.0], [0.1, 0.9, 0.2, 0.7],
    ...                             [0.3, 0.6, 0.8, 0.1, 0.4])
    >>> res
    ScoreCIResult(method='ppi++', estimate=0.465943, 95% CI=[0.182052, 0.749835],
    std_error=0.1448, lambda_=0.9731, n_labelled=4, n_unlabelled=5)
    >>> res.to_frame()[["estimate", "low", "high"]].round(3)
       estimate    low   high
    0     0.466  0.182  0.75
    """

    estimate: float
    low: float
    high: float
    std_error: float
    lambda_: float
    n_labelled: int
    n_unlabelled: int | None
    method: str
    confidence_level: float = 0.95
    alternative: str = "two-sided"

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``."""
        return self.low, self.high

    def summary(self) -> dict:
        """The result as a dict of scalars (one row of :meth:`to_frame`)."""
        return {
            "method": self.method,
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "width": self.high - self.low,
            "std_error": self.std_error,
            "lambda_": self.lambda_,
            "n_labelled": self.n_labelled,
            "n_unlabelled": self.n_unlabelled,
            "confidence_level": self.confidence_level,
            "alternative": self.alternative,
        }

    def to_frame(self):
        """The result as a one-row pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``method, estimate, low, high, width, std_error, lambda_,
            n_labelled, n_unlabelled, confidence_level, alternative``.
        """
        import pandas as pd

        return pd.DataFrame([self.summary()])

    def __repr__(self) -> str:
        level = f"{100 * self.confidence_level:g}%"
        return (
            f"{type(self).__name__}(method={self.method!r}, "
            f"estimate={self.estimate:.6g}, {level} CI=[{self.low:.6g}, "
            f"{self.high:.6g}], std_error={self.std_error:.4g}, "
            f"lambda_={self.lambda_:.4g}, n_labelled={self.n_labelled}, "
            f"n_unlabelled={self.n_unlabelled})"
        )


@dataclass(eq=False, repr=False)
class StratifiedScoreResult(ScoreCIResult):
    """Outcome of :func:`stratified_score_ci`.

    Attributes
    ----------
    estimate, low, high, std_error, n_labelled, confidence_level, alternative
        As in :class:`ScoreCIResult`. ``lambda_`` is ``nan`` (no surrogate
        weight) and ``n_unlabelled`` is the population size minus the labels.
    strata_sizes : ndarray of shape (n_strata,)
        Population size ``N_h`` of every stratum.
    strata_n_labelled : ndarray of shape (n_strata,)
        Labels ``n_h`` in every stratum.
    strata_mean : ndarray of shape (n_strata,)
        Mean labelled loss in every stratum.
    strata_std : ndarray of shape (n_strata,)
        Sample standard deviation (``ddof=1``) of the labelled loss in every
        stratum.
    finite_population : bool
        Whether the finite-population correction ``1 - n_h / N_h`` was applied.

    Examples
    --------
    >>> from skvariance.evaluation import stratified_score_ci
    >>> res = stratified_score_ci([0, 1, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1], [40, 10])
    >>> res
    StratifiedScoreResult(estimate=0.466667, 95% CI=[-0.0360088, 0.969342],
    std_error=0.2565, n_strata=2, n_labelled=6, population=50,
    finite_population=True)
    >>> res.strata_frame()[["size", "n_labelled", "mean"]].round(3)
       size  n_labelled   mean
    0    40           3  0.333
    1    10           3  1.000
    """

    strata_sizes: np.ndarray = field(default=None)
    strata_n_labelled: np.ndarray = field(default=None)
    strata_mean: np.ndarray = field(default=None)
    strata_std: np.ndarray = field(default=None)
    finite_population: bool = True

    def strata_frame(self):
        """One row per stratum: size, labels, mean and std of the loss.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``stratum, size, weight, n_labelled, mean, std``.
        """
        import pandas as pd

        sizes = np.asarray(self.strata_sizes)
        return pd.DataFrame(
            {
                "stratum": np.arange(sizes.size),
                "size": sizes,
                "weight": sizes / sizes.sum(),
                "n_labelled": self.strata_n_labelled,
                "mean": self.strata_mean,
                "std": self.strata_std,
            }
        )

    def __repr__(self) -> str:
        level = f"{100 * self.confidence_level:g}%"
        return (
            f"StratifiedScoreResult(estimate={self.estimate:.6g}, {level} "
            f"CI=[{self.low:.6g}, {self.high:.6g}], "
            f"std_error={self.std_error:.4g}, n_strata={len(self.strata_sizes)}, "
            f"n_labelled={self.n_labelled}, "
            f"population={int(np.sum(self.strata_sizes))}, "
            f"finite_population={self.finite_population})"
        )


@dataclass(eq=False)
class StratifiedSample:
    """The rows to label, chosen by :func:`stratified_sample`.

    Attributes
    ----------
    indices : ndarray of shape (budget,)
        Positions (in the pool) of the rows to label, stratum by stratum.
    strata : ndarray of shape (n_pool,)
        Stratum ``0 .. n_strata - 1`` of every row of the pool.
    allocation : ndarray of shape (n_strata,)
        Labels per stratum (sums to the budget).
    strata_sizes : ndarray of shape (n_strata,)
        Rows of the pool in every stratum.
    strata_std : ndarray of shape (n_strata,)
        Anticipated standard deviation of the loss in every stratum, the
        input of the Neyman allocation.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import stratified_sample
    >>> pred = np.linspace(0.0, 0.5, 100)   # predicted error probabilities
    >>> plan = stratified_sample(pred, 20, n_strata=2, loss_std="bernoulli",
    ...                          random_state=0)
    >>> plan.to_frame().round(3)
       stratum  size  anticipated_std  n_labels
    0        0    50            0.329         8
    1        1    50            0.484        12
    """

    indices: np.ndarray
    strata: np.ndarray = field(repr=False)
    allocation: np.ndarray
    strata_sizes: np.ndarray
    strata_std: np.ndarray

    def score_ci(self, loss_labelled, **kwargs) -> StratifiedScoreResult:
        """:func:`stratified_score_ci` on the losses of ``indices``, in order.

        Parameters
        ----------
        loss_labelled : array-like of shape (budget,)
            Loss of every row of ``indices``, in the same order.
        **kwargs
            Passed to :func:`stratified_score_ci`.

        Returns
        -------
        result : StratifiedScoreResult
            The stratified estimate of the pool's mean loss.
        """
        return stratified_score_ci(
            loss_labelled, self.strata[self.indices], self.strata_sizes, **kwargs
        )

    def to_frame(self):
        """One row per stratum: size, anticipated std and labels allotted.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``stratum, size, anticipated_std, n_labels``.
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "stratum": np.arange(self.strata_sizes.size),
                "size": self.strata_sizes,
                "anticipated_std": self.strata_std,
                "n_labels": self.allocation,
            }
        )


# -- validation -----------------------------------------------------------------
def _vector(values, name, *, min_size=1) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except ValueError as exc:
        raise ValueError(f"{name} must be a 1-d numeric array ({exc}).") from exc
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-d (one value per row), got shape {arr.shape}."
        )
    if arr.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} value(s), got {arr.size}.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains NaN or infinite values "
            f"({int(np.sum(~np.isfinite(arr)))} of {arr.size}); losses and "
            "predictions must be finite."
        )
    return arr


def _check_alternative(alternative) -> str:
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {_ALTERNATIVES} (ppi_py's 'larger' is "
            f"'greater', its 'smaller' is 'less'), got {alternative!r}."
        )
    return alternative


def _normal_interval(estimate, std_error, confidence_level, alternative):
    """Normal-theory interval, as statsmodels' ``_zconfint_generic``."""
    alpha = 1.0 - confidence_level
    if alternative == "two-sided":
        z = ndtri(1.0 - alpha / 2.0)
        return estimate - z * std_error, estimate + z * std_error
    z = ndtri(1.0 - alpha)
    if alternative == "greater":
        return estimate - z * std_error, np.inf
    return -np.inf, estimate + z * std_error


# -- prediction-powered inference --------------------------------------------------
def _ppi_lambda(y, f, g) -> float:
    """PPI++'s power-tuned weight for a mean, clipped to [0, 1].

    ``cov(y, f) / ((1 + n / N) var(f ++ g))`` with the covariance over the
    ``n`` labelled rows (``ddof=0``) and the variance over the labelled and
    unlabelled predictions together (``ddof=1``), as ppi_py's
    ``_calc_lam_glm(..., clip=True)``.
    """
    n, big_n = y.size, g.size
    cov = np.sum((y - y.mean()) * (f - f.mean())) / n
    var = np.var(np.concatenate([f, g]), ddof=1)
    if var == 0:
        # Constant predictions carry no information (ppi_py returns nan).
        return 0.0
    lam = cov / ((1.0 + n / big_n) * var)
    return float(np.clip(lam, 0.0, 1.0))


def prediction_powered_ci(
    loss_labelled,
    pred_labelled,
    pred_unlabelled,
    *,
    method: str = "ppi++",
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    lambda_: float | None = None,
) -> ScoreCIResult:
    r"""Prediction-powered estimate and interval of a model's mean score.

    With ``n`` labelled rows (loss :math:`\ell_i`, surrogate prediction
    :math:`f_i` of that loss) and ``N`` unlabelled rows (prediction
    :math:`\tilde f_j`), the estimate of the population mean loss is

    .. math::

        \hat\theta_\lambda = \frac{1}{N}\sum_j \lambda \tilde f_j
        + \frac{1}{n}\sum_i (\ell_i - \lambda f_i),

    unbiased for every fixed :math:`\lambda`, with standard error
    :math:`\sqrt{\lambda^2 \hat\sigma^2_{\tilde f} / N +
    \hat\sigma^2_{\ell - \lambda f} / n}` (variances with ``ddof=0``) and a
    normal interval.

    Parameters
    ----------
    loss_labelled : array-like of shape (n,)
        Per-sample loss (or any per-sample score) on the labelled rows.
    pred_labelled : array-like of shape (n,)
        The surrogate's prediction of that loss on the same rows.
    pred_unlabelled : array-like of shape (N,)
        The surrogate's prediction on the unlabelled rows.
    method : {"ppi++", "ppi", "classical"}, default="ppi++"
        ``"classical"``: the labelled mean, :math:`\lambda = 0`;
        ``"ppi"``: :math:`\lambda = 1` (Angelopoulos et al. 2023);
        ``"ppi++"``: the power-tuned :math:`\lambda` (Angelopoulos, Duchi &
        Zrnic 2023), see Notes.
    confidence_level : float, default=0.95
        Nominal coverage, ``1 - alpha`` in ppi_py's terms.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"`` gives a lower bound only (ppi_py's ``"larger"``),
        ``"less"`` an upper bound only (ppi_py's ``"smaller"``).
    lambda_ : float, optional
        A fixed weight for ``method="ppi++"`` instead of the tuned one (any
        real number; 0 gives the classical and 1 the PPI estimate).

    Returns
    -------
    result : ScoreCIResult
        ``estimate``, ``low``, ``high``, ``std_error``, ``lambda_``...

    See Also
    --------
    control_variate_ci : The same estimator when the surrogate's mean is known.
    stratified_score_ci : Stratified labelling over the surrogate's strata.

    Notes
    -----
    PPI++ picks the :math:`\lambda` that minimises the variance,

    .. math::

        \hat\lambda = \frac{\widehat{\mathrm{cov}}(\ell, f)}
        {(1 + n / N)\, \widehat{\mathrm{var}}(f)},

    clipped to :math:`[0, 1]`, with the covariance over the labelled rows
    (``ddof=0``) and the variance over all ``n + N`` predictions
    (``ddof=1``), exactly as ``ppi_py.ppi_mean_ci(..., lam=None)``. The
    labelled mean is the special case :math:`\lambda = 0`, so PPI++ is
    asymptotically never less precise than classical labelling, and tighter
    the better the surrogate predicts the loss. When every prediction is the
    same the weight is 0 (ppi_py returns ``nan`` there).

    The numbers equal ppi_py's (``ppi_mean_pointestimate``, ``ppi_mean_ci``
    with ``alpha = 1 - confidence_level``, ``classical_mean_ci`` for
    ``"classical"``) to rounding. One difference: ``ppi_mean_ci`` with
    ``lam=None`` forgets ``alternative`` and always returns a two-sided
    interval (ppi-python 0.2.3); here a one-sided PPI++ interval is
    ppi_py's with ``lam`` set to the tuned ``lambda_``.

    With ``lambda_`` fixed at the regression slope and ``N`` infinite this
    is the control-variate (regression) estimator of survey sampling; see
    :func:`control_variate_ci` for the case where the surrogate's mean is
    known exactly.

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan and
       T. Zrnic. "Prediction-powered inference." Science 382 (2023).
    .. [2] A. N. Angelopoulos, J. C. Duchi and T. Zrnic. "PPI++: Efficient
       prediction-powered inference." arXiv:2311.01453 (2023).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import prediction_powered_ci
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0, 0.5, 10_100)        # surrogate's error probability
    >>> loss = (rng.uniform(size=p.size) < p).astype(float)  # 0-1 loss
    >>> res = prediction_powered_ci(loss[:100], p[:100], p[100:])
    >>> res.method, round(res.lambda_, 2)
    ('ppi++', 1.0)
    >>> classical = prediction_powered_ci(
    ...     loss[:100], p[:100], p[100:], method="classical")
    >>> bool(res.high - res.low < classical.high - classical.low)
    True
    """
    if method not in _PPI_METHODS:
        raise ValueError(f"method must be one of {_PPI_METHODS}, got {method!r}.")
    level = check_confidence_level(confidence_level)
    alternative = _check_alternative(alternative)
    if lambda_ is not None:
        if method != "ppi++":
            raise ValueError(
                f"lambda_ fixes PPI++'s weight; method={method!r} has its own "
                "(0 for 'classical', 1 for 'ppi'): leave lambda_=None or use "
                "method='ppi++'."
            )
        if (
            isinstance(lambda_, bool)
            or not isinstance(lambda_, Real)
            or not np.isfinite(lambda_)
        ):
            raise ValueError(f"lambda_ must be a finite real number, got {lambda_!r}.")
    y = _vector(loss_labelled, "loss_labelled", min_size=2)
    f = _vector(pred_labelled, "pred_labelled", min_size=2)
    g = _vector(pred_unlabelled, "pred_unlabelled", min_size=1)
    if f.size != y.size:
        raise ValueError(
            "loss_labelled and pred_labelled must have one value per labelled "
            f"row, got {y.size} and {f.size}."
        )
    n, big_n = y.size, g.size
    if method == "classical":
        lam = 0.0
    elif method == "ppi":
        lam = 1.0
    elif lambda_ is None:
        lam = _ppi_lambda(y, f, g)
    else:
        lam = float(lambda_)
    rectifier = y - lam * f
    estimate = float(np.mean(lam * g) + np.mean(rectifier))
    std_error = float(np.sqrt(np.var(lam * g) / big_n + np.var(rectifier) / n))
    low, high = _normal_interval(estimate, std_error, level, alternative)
    return ScoreCIResult(
        estimate=estimate,
        low=float(low),
        high=float(high),
        std_error=std_error,
        lambda_=lam,
        n_labelled=n,
        n_unlabelled=big_n,
        method=method,
        confidence_level=level,
        alternative=alternative,
    )


# -- control variates -----------------------------------------------------------------
def control_variate_ci(
    loss_labelled,
    pred_labelled,
    pred_mean: float,
    *,
    population_size: int | None = None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> ScoreCIResult:
    r"""Control-variate (regression) estimate of a mean score.

    When the surrogate's predictions are available on the whole test
    population, their mean :math:`\mu_f` is known exactly and the
    surrogate is a control variate for the loss:

    .. math::

        \hat\theta = \bar\ell - \hat\beta (\bar f - \mu_f),\qquad
        \hat\beta = \frac{\sum_i (\ell_i - \bar\ell)(f_i - \bar f)}
        {\sum_i (f_i - \bar f)^2},

    over ``n`` labelled rows drawn uniformly (the regression estimator of
    survey sampling, Cochran 1977, ch. 7). Its variance is estimated from
    the regression residuals :math:`e_i = \ell_i - \bar\ell - \hat\beta
    (f_i - \bar f)`:

    .. math::

        \widehat{\mathrm{var}}(\hat\theta) = \Bigl(1 - \frac{n}{N}\Bigr)
        \frac{1}{n}\,\frac{\sum_i e_i^2}{n - 2},

    with the finite-population correction :math:`1 - n/N` when the labelled
    rows were drawn without replacement from a pool of ``population_size``
    rows (``N``) and the score of interest is that pool's mean loss; without
    ``population_size`` the correction is 1 (an infinite population). The
    interval is normal.

    Parameters
    ----------
    loss_labelled : array-like of shape (n,)
        Per-sample loss on the labelled rows (at least 3).
    pred_labelled : array-like of shape (n,)
        The surrogate's prediction of that loss on the same rows.
    pred_mean : float
        Mean of the surrogate's prediction over the whole population
        (labelled rows included).
    population_size : int, optional
        Size ``N`` of the finite population the labelled rows were drawn
        from without replacement (``N > n``); ``None`` for an infinite one.
    confidence_level : float, default=0.95
        Nominal coverage.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: lower bound only; ``"less"``: upper bound only.

    Returns
    -------
    result : ScoreCIResult
        ``method="control_variate"``, ``lambda_`` is :math:`\hat\beta`,
        ``n_unlabelled`` is ``N - n`` (``None`` for an infinite population).

    See Also
    --------
    prediction_powered_ci : The same idea when the surrogate's mean is itself
        estimated from ``N`` unlabelled rows.

    Notes
    -----
    This is PPI++ (:func:`prediction_powered_ci`) in the limit of infinitely
    many unlabelled rows: with :math:`\lambda = \hat\beta` and
    :math:`\mathrm{mean}(\tilde f) = \mu_f` both estimators are
    :math:`\mu_f \hat\beta + \overline{\ell - \hat\beta f}`. They differ where
    the settings differ: here :math:`\mu_f` has no sampling error, the slope
    is not clipped to :math:`[0, 1]` (a negatively correlated surrogate helps
    as much as a positively correlated one), the residual variance uses
    ``n - 2`` degrees of freedom for the two fitted coefficients, and the
    finite-population correction applies. When the unlabelled rows are a
    sample rather than the whole population, use
    :func:`prediction_powered_ci`.

    References
    ----------
    .. [1] W. G. Cochran. "Sampling Techniques", 3rd ed., Wiley (1977),
       chapter 7 (the linear regression estimate).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import control_variate_ci
    >>> rng = np.random.default_rng(0)
    >>> pred = rng.gamma(2.0, 1.0, 5000)                 # predicted squared error
    >>> loss = pred * rng.chisquare(1, pred.size)        # observed squared error
    >>> labelled = rng.choice(pred.size, 200, replace=False)
    >>> res = control_variate_ci(loss[labelled], pred[labelled], pred.mean(),
    ...                          population_size=pred.size)
    >>> bool(res.low < loss.mean() < res.high)
    True
    """
    level = check_confidence_level(confidence_level)
    alternative = _check_alternative(alternative)
    if isinstance(pred_mean, bool) or not isinstance(pred_mean, Real):
        raise TypeError(
            f"pred_mean must be a real number (the surrogate's population mean), "
            f"got {type(pred_mean).__name__}."
        )
    if not np.isfinite(pred_mean):
        raise ValueError(f"pred_mean must be finite, got {pred_mean}.")
    y = _vector(loss_labelled, "loss_labelled", min_size=3)
    f = _vector(pred_labelled, "pred_labelled", min_size=3)
    if f.size != y.size:
        raise ValueError(
            "loss_labelled and pred_labelled must have one value per labelled "
            f"row, got {y.size} and {f.size}."
        )
    n = y.size
    if population_size is not None:
        if isinstance(population_size, bool) or not isinstance(
            population_size, Integral
        ):
            raise TypeError(
                "population_size must be an integer or None, got "
                f"{type(population_size).__name__}."
            )
        if population_size <= n:
            raise ValueError(
                f"population_size must exceed the {n} labelled rows, got "
                f"{population_size}."
            )
        fpc = 1.0 - n / population_size
    else:
        fpc = 1.0
    fc = f - f.mean()
    yc = y - y.mean()
    sxx = np.sum(fc**2)
    if sxx == 0:
        raise ValueError(
            "pred_labelled is constant on the labelled rows: the regression "
            "slope is undefined; use prediction_powered_ci(method='classical')."
        )
    beta = float(np.sum(yc * fc) / sxx)
    estimate = float(y.mean() - beta * (f.mean() - pred_mean))
    resid = yc - beta * fc
    std_error = float(np.sqrt(fpc * np.sum(resid**2) / (n - 2) / n))
    low, high = _normal_interval(estimate, std_error, level, alternative)
    return ScoreCIResult(
        estimate=estimate,
        low=float(low),
        high=float(high),
        std_error=std_error,
        lambda_=beta,
        n_labelled=n,
        n_unlabelled=None if population_size is None else int(population_size) - n,
        method="control_variate",
        confidence_level=level,
        alternative=alternative,
    )


# -- stratified sampling ---------------------------------------------------------------
def neyman_allocation(
    strata_sizes, strata_std, budget: int, *, min_per_stratum: int = 2
) -> np.ndarray:
    r"""Labels per stratum by Neyman allocation, as integers summing to ``budget``.

    Neyman's allocation :math:`n_h \propto N_h S_h` minimises the variance of
    the stratified mean for a fixed number of labels. Here it is constrained
    to :math:`\text{min\_per\_stratum} \le n_h \le N_h` (at least 2 labels per
    stratum by default, so every stratum's variance can be estimated): strata
    whose share falls outside the bounds are set to the bound and the rest
    of the budget is re-allocated over the other strata, until no bound is
    crossed (the real shares are :math:`\min(N_h, \max(m, c N_h S_h))` with
    :math:`c` set so that they sum to ``budget``). They are then rounded by
    largest remainder (ties to the lower stratum index), which keeps the sum
    equal to ``budget``. Strata with :math:`S_h = 0` get ``min_per_stratum``
    labels unless every other stratum is fully labelled; the rest of the
    budget then goes to them in proportion to :math:`N_h`.

    Parameters
    ----------
    strata_sizes : array-like of int, shape (n_strata,)
        Population size :math:`N_h` of every stratum (positive).
    strata_std : array-like of float, shape (n_strata,)
        Anticipated standard deviation :math:`S_h` of the loss in every
        stratum (non-negative).
    budget : int
        Total number of labels; between ``min_per_stratum * n_strata`` and
        ``sum(strata_sizes)``.
    min_per_stratum : int, default=2
        Least labels in a stratum (at most the smallest :math:`N_h`); 2 lets
        :func:`stratified_score_ci` estimate every stratum's variance.

    Returns
    -------
    allocation : ndarray of int, shape (n_strata,)
        Labels per stratum, summing to ``budget``.

    References
    ----------
    .. [1] J. Neyman. "On the two different aspects of the representative
       method." Journal of the Royal Statistical Society 97 (1934).

    Examples
    --------
    >>> from skvariance.evaluation import neyman_allocation
    >>> neyman_allocation([100, 200, 300], [1.0, 2.0, 0.5], 30)
    array([ 5, 18,  7])
    """
    sizes_arr = np.asarray(strata_sizes)
    if sizes_arr.ndim != 1 or sizes_arr.size == 0 or sizes_arr.dtype.kind not in "iuf":
        raise ValueError(
            "strata_sizes must be a non-empty 1-d array of positive integers, "
            f"got {strata_sizes!r}."
        )
    if np.any(sizes_arr != np.round(sizes_arr)) or np.any(sizes_arr < 1):
        raise ValueError(
            f"strata_sizes must be positive integers, got {sizes_arr.tolist()}."
        )
    sizes = sizes_arr.astype(np.int64)
    std = _vector(strata_std, "strata_std")
    if std.size != sizes.size:
        raise ValueError(
            "strata_std must have one value per stratum: got "
            f"{std.size} for {sizes.size} strata."
        )
    if np.any(std < 0):
        raise ValueError(f"strata_std must be non-negative, got {std.tolist()}.")
    if isinstance(min_per_stratum, bool) or not isinstance(min_per_stratum, Integral):
        raise TypeError(
            f"min_per_stratum must be an integer, got {type(min_per_stratum).__name__}."
        )
    if min_per_stratum < 0 or min_per_stratum > sizes.min():
        raise ValueError(
            "min_per_stratum must be between 0 and the smallest stratum size "
            f"({int(sizes.min())}), got {min_per_stratum}."
        )
    if isinstance(budget, bool) or not isinstance(budget, Integral):
        raise TypeError(f"budget must be an integer, got {type(budget).__name__}.")
    lowest, highest = int(min_per_stratum) * sizes.size, int(sizes.sum())
    if not lowest <= budget <= highest:
        raise ValueError(
            f"budget must be between min_per_stratum * n_strata = {lowest} and "
            f"the population size {highest}, got {budget}."
        )
    target = _bounded_shares(
        sizes.astype(float), std, float(budget), float(min_per_stratum)
    )
    alloc = np.floor(target).astype(np.int64)
    rest = int(budget - alloc.sum())
    if rest > 0:
        # largest remainder among the strata that are not full (a guard
        # against rounding: in exact arithmetic a full stratum's remainder
        # is 0 and never among the `rest` largest, so `<` and `<=` agree)
        frac = np.where(alloc < sizes, target - alloc, -np.inf)
        order = np.argsort(-frac, kind="stable")
        alloc[order[:rest]] += 1
    return alloc


def _fill(weight, low, high, total):
    """``clip(c * weight, low, high)`` with ``c`` such that the sum is ``total``.

    The sum is piecewise linear and non-decreasing in ``c``, with breakpoints
    at ``low / weight`` and ``high / weight``: ``c`` is interpolated exactly
    between the two breakpoints that bracket ``total``
    (``low.sum() <= total <= high.sum()`` and ``weight > 0``).
    """
    knots = np.unique(np.concatenate([low / weight, high / weight]))
    sums = np.clip(knots[:, None] * weight, low, high).sum(axis=1)
    k = int(np.searchsorted(sums, total))
    if k == 0:
        return low.astype(float)
    if k == knots.size:
        return high.astype(float)
    step = (total - sums[k - 1]) / (sums[k] - sums[k - 1])
    c = knots[k - 1] + step * (knots[k] - knots[k - 1])
    return np.clip(c * weight, low, high)


def _bounded_shares(sizes, std, budget, minimum):
    """Real shares ``∝ N_h S_h`` within ``[minimum, N_h]``, summing to budget.

    Strata with ``S_h = 0`` keep the minimum unless the others are full; the
    rest of the budget then goes to them in proportion to ``N_h``.
    """
    weight = sizes * std
    low = np.full(sizes.size, minimum)
    share = low.copy()
    varying = weight > 0
    room = sizes[varying].sum() + low[~varying].sum()
    if varying.any():
        share[varying] = _fill(
            weight[varying],
            low[varying],
            sizes[varying],
            min(budget, room) - low[~varying].sum(),
        )
    if budget > room:
        share[~varying] = _fill(
            sizes[~varying],
            low[~varying],
            sizes[~varying],
            budget - room + low[~varying].sum(),
        )
    return share


def _quantile_strata(pred, n_strata):
    edges = np.quantile(pred, np.linspace(0.0, 1.0, n_strata + 1)[1:-1])
    return np.searchsorted(edges, pred, side="right")


def stratified_sample(
    pred_loss,
    budget: int,
    *,
    n_strata: int = 5,
    strata=None,
    allocation: str = "neyman",
    loss_std=None,
    strata_std=None,
    min_per_stratum: int = 2,
    random_state=None,
) -> StratifiedSample:
    r"""Choose which rows to label: strata of the surrogate, Neyman allocation.

    The pool is split into strata (quantile bins of the surrogate's
    predicted loss, or the user's ``strata``), the ``budget`` is spread over
    the strata (:func:`neyman_allocation`, or in proportion to their sizes),
    and within each stratum rows are drawn uniformly without replacement.
    Label those rows, then pass their losses to
    :meth:`StratifiedSample.score_ci` (or :func:`stratified_score_ci`).

    Parameters
    ----------
    pred_loss : array-like of shape (n_pool,)
        The surrogate's predicted loss on every row of the pool (for a 0-1
        loss, the predicted probability that the model is wrong).
    budget : int
        Number of rows to label.
    n_strata : int, default=5
        Number of quantile bins of ``pred_loss`` (ties stay in one bin).
        Ignored when ``strata`` is given.
    strata : array-like of int, shape (n_pool,), optional
        The stratum ``0 .. n_strata - 1`` of every row, every one non-empty.
    allocation : {"neyman", "proportional"}, default="neyman"
        ``"neyman"``: :math:`n_h \propto N_h S_h`; ``"proportional"``:
        :math:`n_h \propto N_h`.
    loss_std : array-like of shape (n_pool,) or "bernoulli", optional
        Anticipated standard deviation of every row's loss around its
        prediction; ``"bernoulli"`` means :math:`\sqrt{p(1-p)}` with
        :math:`p` = ``pred_loss`` in [0, 1] (a 0-1 loss). The stratum's
        anticipated std is then :math:`S_h^2 = \overline{s_i^2} +
        \mathrm{var}_h(\text{pred\_loss})` (law of total variance).
    strata_std : array-like of shape (n_strata,), optional
        The anticipated :math:`S_h` directly (e.g. from a pilot sample),
        instead of ``loss_std``.
    min_per_stratum : int, default=2
        Least labels per stratum (2 lets every stratum's variance be
        estimated).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw within strata.

    Returns
    -------
    sample : StratifiedSample
        ``indices`` to label, ``strata`` of the pool, ``allocation``...

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import stratified_sample
    >>> rng = np.random.default_rng(0)
    >>> p = rng.beta(0.5, 3.0, 2000)       # predicted error probability
    >>> wrong = rng.uniform(size=p.size) < p
    >>> plan = stratified_sample(p, 100, n_strata=4, loss_std="bernoulli",
    ...                          random_state=0)
    >>> plan.allocation.sum(), len(plan.indices)
    (np.int64(100), 100)
    >>> res = plan.score_ci(wrong[plan.indices].astype(float))
    >>> bool(res.low < wrong.mean() < res.high)
    True
    """
    pred = _vector(pred_loss, "pred_loss", min_size=2)
    if allocation not in ("neyman", "proportional"):
        raise ValueError(
            f"allocation must be 'neyman' or 'proportional', got {allocation!r}."
        )
    if allocation == "neyman" and loss_std is None and strata_std is None:
        raise ValueError(
            "allocation='neyman' needs the anticipated std of the loss: pass "
            "loss_std (per row, or 'bernoulli' for a 0-1 loss) or strata_std "
            "(per stratum), or use allocation='proportional'."
        )
    if loss_std is not None and strata_std is not None:
        raise ValueError("Pass loss_std or strata_std, not both.")
    if strata is None:
        if isinstance(n_strata, bool) or not isinstance(n_strata, Integral):
            raise TypeError(
                f"n_strata must be an integer, got {type(n_strata).__name__}."
            )
        if n_strata < 1:
            raise ValueError(f"n_strata must be >= 1, got {n_strata}.")
        labels = _quantile_strata(pred, int(n_strata))
        n_h = np.bincount(labels, minlength=int(n_strata))
        if np.any(n_h < max(min_per_stratum, 1)):
            raise ValueError(
                f"pred_loss has too many ties for n_strata={n_strata} quantile bins "
                f"with at least {max(min_per_stratum, 1)} rows each (bin sizes "
                f"{n_h.tolist()}); lower n_strata or pass strata."
            )
    else:
        labels_arr = np.asarray(strata)
        if labels_arr.shape != pred.shape or labels_arr.dtype.kind not in "iu":
            raise ValueError(
                "strata must be an integer array with one stratum per row of "
                f"pred_loss ({pred.size}), got dtype {labels_arr.dtype} and shape "
                f"{labels_arr.shape}."
            )
        labels = labels_arr.astype(np.int64)
        if labels.min() < 0:
            raise ValueError(
                "strata must be labelled 0 .. n_strata - 1, got a negative label."
            )
        n_h = np.bincount(labels)
        if np.any(n_h == 0):
            raise ValueError(
                "strata must be labelled 0 .. n_strata - 1 with every stratum "
                f"non-empty; empty: {np.flatnonzero(n_h == 0).tolist()}."
            )
    n_strata_ = n_h.size
    if strata_std is not None:
        s_h = _vector(strata_std, "strata_std")
        if s_h.size != n_strata_:
            raise ValueError(
                f"strata_std must have one value per stratum ({n_strata_}), "
                f"got {s_h.size}."
            )
    elif loss_std is not None:
        if isinstance(loss_std, str):
            if loss_std != "bernoulli":
                raise ValueError(
                    f"loss_std must be an array or 'bernoulli', got {loss_std!r}."
                )
            if np.any((pred < 0) | (pred > 1)):
                raise ValueError(
                    "loss_std='bernoulli' needs pred_loss in [0, 1] (predicted "
                    "probabilities of an error)."
                )
            row_var = pred * (1.0 - pred)
        else:
            s = _vector(loss_std, "loss_std")
            if s.size != pred.size or np.any(s < 0):
                raise ValueError(
                    "loss_std must be non-negative with one value per row of "
                    f"pred_loss ({pred.size}), got {s.size} values."
                )
            row_var = s**2
        mean_var = np.bincount(labels, weights=row_var, minlength=n_strata_) / n_h
        mean_pred = np.bincount(labels, weights=pred, minlength=n_strata_) / n_h
        var_pred = (
            np.bincount(
                labels, weights=(pred - mean_pred[labels]) ** 2, minlength=n_strata_
            )
            / n_h
        )
        s_h = np.sqrt(mean_var + var_pred)
    else:
        s_h = np.ones(n_strata_)
    if allocation == "neyman":
        alloc = neyman_allocation(n_h, s_h, budget, min_per_stratum=min_per_stratum)
    else:
        alloc = neyman_allocation(
            n_h, np.ones(n_strata_), budget, min_per_stratum=min_per_stratum
        )
    rng = check_random_state(random_state)
    picked = []
    for h in range(n_strata_):
        rows = np.flatnonzero(labels == h)
        picked.append(np.sort(rng.choice(rows, size=int(alloc[h]), replace=False)))
    return StratifiedSample(
        indices=np.concatenate(picked).astype(np.int64),
        strata=labels,
        allocation=alloc,
        strata_sizes=n_h.astype(np.int64),
        strata_std=s_h,
    )


def stratified_score_ci(
    loss_labelled,
    strata_labelled,
    strata_sizes,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    finite_population: bool = True,
) -> StratifiedScoreResult:
    r"""Stratified estimate of a population's mean loss with its interval.

    With strata of sizes :math:`N_h` (weights :math:`W_h = N_h / N`) and
    :math:`n_h \ge 2` labelled rows drawn uniformly without replacement in
    each, the stratified estimator and its variance are

    .. math::

        \hat\theta = \sum_h W_h \bar\ell_h,\qquad
        \widehat{\mathrm{var}}(\hat\theta) = \sum_h W_h^2
        \Bigl(1 - \frac{n_h}{N_h}\Bigr) \frac{s_h^2}{n_h},

    with :math:`s_h^2` the sample variance (``ddof=1``) of the labelled loss
    in stratum :math:`h` and :math:`1 - n_h/N_h` the finite-population
    correction (Cochran 1977, thm. 5.3): the target is the mean loss of the
    pool itself, and a fully labelled stratum contributes no variance. With
    ``finite_population=False`` the correction is dropped (the target is the
    mean of an infinite population the pool is a sample of, stratum weights
    taken as known). The interval is normal.

    Parameters
    ----------
    loss_labelled : array-like of shape (n,)
        Loss of every labelled row.
    strata_labelled : array-like of int, shape (n,)
        Stratum ``0 .. n_strata - 1`` of every labelled row.
    strata_sizes : array-like of int, shape (n_strata,)
        Population size :math:`N_h` of every stratum (all rows, labelled or
        not).
    confidence_level : float, default=0.95
        Nominal coverage.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: lower bound only; ``"less"``: upper bound only.
    finite_population : bool, default=True
        Apply the finite-population correction :math:`1 - n_h / N_h`.

    Returns
    -------
    result : StratifiedScoreResult
        ``estimate``, ``low``, ``high``, ``std_error`` and the per-stratum
        figures (:meth:`StratifiedScoreResult.strata_frame`).

    See Also
    --------
    stratified_sample : Chooses the rows (quantile strata, Neyman allocation).
    neyman_allocation : Labels per stratum.

    References
    ----------
    .. [1] W. G. Cochran. "Sampling Techniques", 3rd ed., Wiley (1977),
       chapter 5.

    Examples
    --------
    >>> from skvariance.evaluation import stratified_score_ci
    >>> res = stratified_score_ci([0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1], [50, 10])
    >>> round(res.estimate, 4), round(res.std_error, 4)
    (0.3889, 0.2733)
    """
    level = check_confidence_level(confidence_level)
    alternative = _check_alternative(alternative)
    if not isinstance(finite_population, (bool, np.bool_)):
        raise TypeError(
            f"finite_population must be a bool, got {type(finite_population).__name__}."
        )
    y = _vector(loss_labelled, "loss_labelled", min_size=2)
    labels = np.asarray(strata_labelled)
    if labels.shape != y.shape or labels.dtype.kind not in "iu":
        raise ValueError(
            "strata_labelled must be an integer array with one stratum per "
            f"labelled row ({y.size}), got dtype {labels.dtype} and shape "
            f"{labels.shape}."
        )
    sizes_arr = np.asarray(strata_sizes)
    if (
        sizes_arr.ndim != 1
        or sizes_arr.size == 0
        or sizes_arr.dtype.kind not in "iuf"
        or np.any(sizes_arr != np.round(sizes_arr))
        or np.any(sizes_arr < 1)
    ):
        raise ValueError(
            "strata_sizes must be a non-empty 1-d array of positive integers, "
            f"got {strata_sizes!r}."
        )
    sizes = sizes_arr.astype(np.int64)
    n_strata = sizes.size
    if labels.min() < 0 or labels.max() >= n_strata:
        raise ValueError(
            f"strata_labelled must be in 0 .. {n_strata - 1} (one label per "
            f"entry of strata_sizes), got values in [{labels.min()}, {labels.max()}]."
        )
    n_h = np.bincount(labels, minlength=n_strata)
    if np.any(n_h < 2):
        raise ValueError(
            "every stratum needs at least 2 labelled rows to estimate its "
            f"variance; labels per stratum: {n_h.tolist()}."
        )
    if np.any(n_h > sizes):
        raise ValueError(
            f"a stratum has more labelled rows than rows: labelled {n_h.tolist()}, "
            f"strata_sizes {sizes.tolist()}."
        )
    mean_h = np.bincount(labels, weights=y, minlength=n_strata) / n_h
    ss_h = np.bincount(labels, weights=(y - mean_h[labels]) ** 2, minlength=n_strata)
    var_h = ss_h / (n_h - 1)
    weights = sizes / sizes.sum()
    fpc = 1.0 - n_h / sizes if finite_population else np.ones(n_strata)
    estimate = float(np.sum(weights * mean_h))
    std_error = float(np.sqrt(np.sum(weights**2 * fpc * var_h / n_h)))
    low, high = _normal_interval(estimate, std_error, level, alternative)
    return StratifiedScoreResult(
        estimate=estimate,
        low=float(low),
        high=float(high),
        std_error=std_error,
        lambda_=float("nan"),
        n_labelled=int(y.size),
        n_unlabelled=int(sizes.sum() - y.size),
        method="stratified",
        confidence_level=level,
        alternative=alternative,
        strata_sizes=sizes,
        strata_n_labelled=n_h.astype(np.int64),
        strata_mean=mean_h,
        strata_std=np.sqrt(var_h),
        finite_population=bool(finite_population),
    )

"""Online conformal calibration for time series: ACI, conformal PID and EnbPI.

Three calibrators for data that arrive in order and need not be
exchangeable:

* adaptive conformal inference (ACI, Gibbs & Candès 2021) moves the
  miscoverage level ``alpha_t`` at which the recent scores are read;
* conformal PID control (Angelopoulos, Candès & Tibshirani 2023) moves the
  quantile ``q_t`` itself (P), adds a saturated integral of the coverage
  errors (I) and an optional forecast of the next score (D, "scorecaster");
* EnbPI (Xu & Xie 2021) fits a bootstrap ensemble once and reads its
  leave-one-out residuals in a sliding window, refreshed as observations
  arrive.

The update equations are plain functions (:func:`aci_step`,
``pid_step``, ``enbpi_bounds``) so that they can be tested against
a loop written independently.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.linear_model import LinearRegression
from sklearn.utils import check_random_state

from ..utils._seeds import set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.stats import conformal_rank
from ..utils.validation import check_n_jobs

__all__ = [
    "AdaptiveConformalRegressor",
    "EnbPIRegressor",
    "aci_step",
    "enbpi_bounds",
    "pid_step",
    "score_quantile",
]


# -- update equations -------------------------------------------------------------
def aci_step(alpha_t: float, err: float, alpha: float, gamma: float) -> float:
    """One ACI update: ``alpha_{t+1} = alpha_t + gamma * (alpha - err_t)``.

    Gibbs & Candès (2021), eq. (2). ``alpha_t`` is not clipped: below 0 the
    next interval is infinite, above 1 it is empty.
    """
    return alpha_t + gamma * (alpha - err)


def score_quantile(sorted_scores, level: float) -> float:
    """Conformal quantile of sorted scores at coverage ``level`` (any real).

    ``level >= 1`` (ACI's ``alpha_t <= 0``) gives ``+inf`` (the whole line);
    ``level <= 0`` (``alpha_t >= 1``) gives ``-inf`` (the empty set), as in
    Gibbs & Candès (2021); in between the score of rank
    :func:`~skvariance.utils.stats.conformal_rank` ``(n, level)``, ``+inf``
    when that rank exceeds ``n``.
    """
    n = len(sorted_scores)
    if level >= 1.0:
        return math.inf
    if level <= 0.0:
        return -math.inf
    k = conformal_rank(n, level)
    return math.inf if k > n else float(sorted_scores[k - 1])


def _tan_saturated(x: float) -> float:
    """``tan`` on (-pi/2, pi/2), ``+-inf`` outside (the saturation's limit)."""
    if x >= math.pi / 2:
        return math.inf
    if x <= -math.pi / 2:
        return -math.inf
    return math.tan(x)


def pid_step(
    q_p: float,
    err: float,
    alpha: float,
    lr: float,
    err_sum: float,
    t: int,
    c_sat: float,
    k_i: float,
) -> tuple[float, float]:
    """One conformal PID update: the P state and the integral term for ``t + 1``.

    Angelopoulos, Candès & Tibshirani (2023), eq. (7) with the saturation
    function of their reference code: after the ``t``-th observation
    (1-based) with coverage error ``err`` (1 if missed),

    * P (quantile tracking): ``q^P_{t+1} = q^P_t + lr * (err_t - alpha)``;
    * I: ``r_t(E_t) = k_i * tan(E_t * log(t) / (c_sat * t))`` with
      ``E_t = sum_{i <= t} (err_i - alpha)`` (``err_sum`` holds
      ``sum_{i <= t} err_i``), ``+-inf`` once the argument leaves
      ``(-pi/2, pi/2)``, 0 when ``k_i == 0``.

    The next quantile is ``q_{t+1} = q^P_{t+1} + r_t(E_t)`` (+ the
    scorecaster's forecast).

    Returns
    -------
    q_p_next, integral : float
    """
    q_p_next = q_p + lr * (err - alpha)
    if k_i == 0:
        return q_p_next, 0.0
    e_t = err_sum - t * alpha
    return q_p_next, k_i * _tan_saturated(e_t * math.log(t) / (c_sat * t))


def enbpi_bounds(center, residuals, coverage: float, *, symmetric: bool = True):
    """EnbPI interval bounds from the ensemble center and the residual window.

    Parameters
    ----------
    center : ndarray of shape (n_test,)
        Ensemble prediction ``f^phi_{-t}(x_t)`` of each test point.
    residuals : ndarray of shape (n,)
        Signed leave-one-out residuals ``y_i - f^phi_{-i}(x_i)`` of the window.
    coverage : float
        Nominal coverage ``1 - alpha``.
    symmetric : bool, default=True
        ``True``: ``center +- q`` with ``q`` the conformal quantile of
        ``|residuals|`` at ``1 - alpha`` (Xu & Xie 2021, Algorithm 1).
        ``False``: lower bound ``center +`` the residual of rank
        ``n + 1 - k``, upper bound ``center +`` the residual of rank ``k``,
        ``k = conformal_rank(n, 1 - alpha / 2)`` (``beta = alpha / 2`` in
        their asymmetric version; MAPIE's ``TimeSeriesRegressor``); a rank
        outside ``1..n`` is an infinite bound.

    Returns
    -------
    bounds : ndarray of shape (n_test, 2)
    """
    center = np.asarray(center, dtype=np.float64)
    r = np.sort(np.asarray(residuals, dtype=np.float64))
    n = r.shape[0]
    if symmetric:
        q = score_quantile(np.sort(np.abs(r)), coverage)
        low, high = -q, q
    else:
        k = conformal_rank(n, 1.0 - (1.0 - coverage) / 2.0)
        high = math.inf if k > n else r[k - 1]
        low = -math.inf if n + 1 - k < 1 else r[n - k]
    return np.column_stack([center + low, center + high])


# -- shared pieces ----------------------------------------------------------------
def _n_calibration(calibration_size, n: int) -> int:
    if isinstance(calibration_size, Integral):
        n_cal = int(calibration_size)
    else:
        n_cal = int(math.floor(calibration_size * n))
    if not 1 <= n_cal <= n - 1:
        raise ValueError(
            f"calibration_size={calibration_size!r} leaves {n_cal} calibration "
            f"rows out of n_samples={n}; expected between 1 and n_samples - 1."
        )
    return n_cal


def _check_coverage_arg(coverage, fitted: float) -> None:
    if coverage is not None and float(coverage) != fitted:
        raise ValueError(
            f"coverage={coverage!r} differs from the coverage={fitted!r} whose "
            "online state this estimator tracks; refit with that coverage."
        )


class _WindowedScores:
    """Scores kept in arrival order and in sorted order, oldest dropped first."""

    def __init__(self, scores, window):
        scores = [float(s) for s in scores]
        if window is not None:
            scores = scores[-window:]
        self.window = window
        self.order = list(scores)
        self.sorted = sorted(scores)

    def add(self, score: float) -> None:
        self.order.append(score)
        insort(self.sorted, score)
        if self.window is not None and len(self.order) > self.window:
            old = self.order.pop(0)
            del self.sorted[bisect_left(self.sorted, old)]


class _OnlineMixin:
    """``partial_fit`` of the online estimators: ``fit``, then ``update``."""

    # the attribute whose presence means "fitted"
    _fitted_attr = "estimator_"

    def partial_fit(self, X, y):
        """``fit`` on the first call, :meth:`update` afterwards.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        if not hasattr(self, self._fitted_attr):
            return self.fit(X, y)
        return self.update(X, y)


class AdaptiveConformalRegressor(
    _OnlineMixin, MetaEstimatorMixin, RegressorMixin, BaseEstimator
):
    """Online conformal intervals for series: ACI or conformal PID control.

    ``fit`` fits ``estimator`` on the first rows (time order, no shuffle)
    and scores the last ``calibration_size`` rows with ``|y - y_hat|``.
    ``update(X, y)`` then feeds observations one at a time, in order: the
    interval of each is the one :meth:`predict_interval` gave before it
    arrived; its coverage error ``err_t`` (1 if ``y_t`` falls outside)
    moves the state, and its score joins the scores. The estimator is not
    refitted: only the calibration adapts.

    * ``method="aci"`` (Gibbs & Candès 2021): the interval is
      ``y_hat +- Q(1 - alpha_t)``, the conformal quantile of the scores at
      level ``1 - alpha_t`` (all past scores, or the last ``window``), and
      ``alpha_{t+1} = alpha_t + gamma (alpha - err_t)``. ``alpha_t`` is not
      clipped: ``alpha_t <= 0`` gives ``(-inf, inf)``, ``alpha_t >= 1`` the
      empty interval. Whatever the data, the long-run miscoverage obeys
      ``|mean(err) - alpha| <= (max(alpha_1, 1 - alpha_1) + gamma) / (gamma T)``.
    * ``method="pid"`` (Angelopoulos, Candès & Tibshirani 2023): the
      interval is ``y_hat +- q_t`` with ``q_t = q^P_t + r_{t-1}(E_{t-1}) +
      s_hat_t``: the quantile-tracking state
      ``q^P_{t+1} = q^P_t + eta_t (err_t - alpha)`` (P), the saturated
      integral of ``E_t = sum_{i<=t} (err_i - alpha)`` (I, see
      ``pid_step``) and the scorecaster's forecast ``s_hat`` of the
      next score (D, optional). ``eta_t = learning_rate`` times the range of
      the last ``burnin`` scores, as in the paper's code. ``q_t < 0`` is the
      empty interval.

    An empty interval is returned as ``(+inf, -inf)`` (lower above upper:
    no ``y`` lies in it); an infinite one as ``(-inf, +inf)``.

    Parameters
    ----------
    estimator : regressor, default=None
        Point forecaster; ``None`` is ``LinearRegression()``.
    method : {"aci", "pid"}, default="aci"
        Online calibration rule.
    coverage : float, default=0.9
        Target long-run coverage ``1 - alpha`` in (0, 1).
    gamma : float, default=0.005
        ACI step size (> 0).
    window : int or None, default=None
        ACI: number of most recent scores whose quantile is read (None: all
        past scores, calibration included).
    learning_rate : float, default=0.1
        PID: step ``eta`` as a fraction of the recent score range (> 0).
    burnin : int, default=50
        PID: number of recent scores whose range scales ``learning_rate``,
        and the lags of the scorecaster.
    saturation : float, default=5.0
        PID: ``C_sat`` of the saturation function (> 0).
    integral_gain : float or None, default=None
        PID: ``K_I`` (>= 0; 0 switches the integral term off). ``None`` is
        the range of the calibration scores, so that the term has the
        scores' units.
    scorecaster : regressor or None, default=None
        PID: a regressor fitted, after each step, on the past scores
        (``burnin`` lags -> next score) whose forecast of the next score is
        added to ``q_t``.
    calibration_size : float or int, default=0.25
        Fraction (in (0, 1)) or number of the last training rows scored for
        the initial calibration.
    random_state : int, RandomState or None, default=None
        Seeds every ``random_state`` of ``estimator`` and ``scorecaster``.

    Attributes
    ----------
    estimator_ : regressor
        The fitted point forecaster.
    alpha_t_ : float
        ACI's current level (``1 - coverage`` for "pid").
    quantile_ : float
        Half-width of the next interval.
    alpha_history_ : ndarray of shape (n_updates,)
        ``alpha_t`` used at each update step ("pid": ``1 - coverage``).
    quantile_history_ : ndarray of shape (n_updates,)
        Half-width used at each update step.
    errors_ : ndarray of shape (n_updates,)
        Coverage error (1.0 if missed) of each update step.
    scores_ : ndarray
        The scores the next ACI quantile reads (calibration and updates).
    n_features_in_ : int

    See Also
    --------
    EnbPIRegressor : bootstrap-ensemble intervals with a sliding window.
    ConformalRegressor : split conformal for exchangeable data.

    References
    ----------
    .. [1] I. Gibbs and E. Candès, "Adaptive conformal inference under
       distribution shift", NeurIPS 2021.
    .. [2] A. N. Angelopoulos, E. J. Candès and R. J. Tibshirani, "Conformal
       PID control for time series prediction", NeurIPS 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration import AdaptiveConformalRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = np.arange(300.0).reshape(-1, 1)
    >>> y = 0.1 * X[:, 0] + rng.normal(size=300) * (1 + (X[:, 0] > 200))
    >>> aci = AdaptiveConformalRegressor(gamma=0.05).fit(X[:100], y[:100])
    >>> aci = aci.update(X[100:], y[100:])
    >>> print(f"{1 - aci.errors_.mean():.2f}")
    0.89
    >>> aci.predict_interval(X[:1]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"aci", "pid"})],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "burnin": [Interval(Integral, 1, None, closed="left")],
        "saturation": [Interval(Real, 0, None, closed="neither")],
        "integral_gain": [Interval(Real, 0, None, closed="left"), None],
        "scorecaster": [HasMethods(["fit", "predict"]), None],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        method: str = "aci",
        coverage: float = 0.9,
        gamma: float = 0.005,
        window: int | None = None,
        learning_rate: float = 0.1,
        burnin: int = 50,
        saturation: float = 5.0,
        integral_gain: float | None = None,
        scorecaster=None,
        calibration_size: float | int = 0.25,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.coverage = coverage
        self.gamma = gamma
        self.window = window
        self.learning_rate = learning_rate
        self.burnin = burnin
        self.saturation = saturation
        self.integral_gain = integral_gain
        self.scorecaster = scorecaster
        self.calibration_size = calibration_size
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the forecaster on the first rows and calibrate on the last ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, y_numeric=True)
        n_cal = _n_calibration(self.calibration_size, X.shape[0])
        rng = check_random_state(self.random_state)
        est = LinearRegression() if self.estimator is None else clone(self.estimator)
        set_random_state(est, rng)
        self._scorecaster = None
        if self.scorecaster is not None:
            self._scorecaster = set_random_state(clone(self.scorecaster), rng)
        self.estimator_ = est.fit(X[:-n_cal], y[:-n_cal])
        scores = np.abs(y[-n_cal:] - self.estimator_.predict(X[-n_cal:]))
        window = self.window if self.method == "aci" else None
        self._scores = _WindowedScores(scores, window)
        self._alpha = 1.0 - self.coverage
        self.alpha_t_ = self._alpha
        q0 = score_quantile(self._scores.sorted, self.coverage)
        if not math.isfinite(q0):
            q0 = float(self._scores.sorted[-1])  # PID needs a finite start
        self._q_p = q0
        self._t = 0
        self._err_sum = 0.0
        self._integral = 0.0
        self._k_i = (
            float(np.ptp(scores)) if self.integral_gain is None else self.integral_gain
        )
        self._forecast = self._scorecast()
        self._q_p -= self._forecast
        self.alpha_history_ = np.empty(0)
        self.quantile_history_ = np.empty(0)
        self.errors_ = np.empty(0)
        self._set_quantile()
        return self

    @property
    def scores_(self) -> np.ndarray:
        # the scores the next ACI quantile reads, oldest first (documented in
        # the class's Attributes; a docstring here would make numpydoc link
        # to a member page that the API reference does not generate)
        check_is_fitted(self, "estimator_")
        return np.asarray(self._scores.order)

    def _scorecast(self) -> float:
        if self._scorecaster is None:
            return 0.0
        s = np.asarray(self._scores.order)
        lags = self.burnin
        if s.shape[0] <= lags + 1:
            return 0.0
        windows = np.lib.stride_tricks.sliding_window_view(s, lags + 1)
        self._scorecaster.fit(windows[:, :-1], windows[:, -1])
        return float(self._scorecaster.predict(s[-lags:].reshape(1, -1))[0])

    def _set_quantile(self) -> None:
        if self.method == "aci":
            self.quantile_ = score_quantile(self._scores.sorted, 1.0 - self.alpha_t_)
        else:
            self.quantile_ = self._q_p + self._integral + self._forecast

    def _step(self, score: float) -> float:
        q = self.quantile_
        err = float(score > q)
        if self.method == "aci":
            self.alpha_t_ = aci_step(self.alpha_t_, err, self._alpha, self.gamma)
        else:
            recent = self._scores.order[-self.burnin :]
            lr = self.learning_rate * (max(recent) - min(recent))
            self._t += 1
            self._err_sum += err
            self._q_p, self._integral = pid_step(
                self._q_p,
                err,
                self._alpha,
                lr,
                self._err_sum,
                self._t,
                self.saturation,
                self._k_i,
            )
        self._scores.add(score)
        if self.method == "pid":
            self._forecast = self._scorecast()
        self._set_quantile()
        return err

    def update(self, X, y):
        """Feed observed rows, in order, one step each; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_features)
        y : array-like of shape (n_steps,)

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "estimator_")
        X, y = validate_data(self, X, y, y_numeric=True, reset=False)
        scores = np.abs(y - self.estimator_.predict(X))
        alphas, quantiles, errors = [], [], []
        for s in scores:
            alphas.append(self.alpha_t_)
            quantiles.append(self.quantile_)
            errors.append(self._step(float(s)))
        self.alpha_history_ = np.concatenate([self.alpha_history_, alphas])
        self.quantile_history_ = np.concatenate([self.quantile_history_, quantiles])
        self.errors_ = np.concatenate([self.errors_, errors])
        return self

    def predict(self, X):
        """Point forecast of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, reset=False)
        return np.asarray(self.estimator_.predict(X), dtype=np.float64).reshape(-1)

    def predict_interval(self, X, coverage=None):
        """Interval of the next step for each row, from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : None or float, default=None
            Must be ``None`` or the fitted ``coverage``: the online state
            tracks one level.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2)
            ``y_hat -+ quantile_``; ``(+inf, -inf)`` is the empty interval.
        """
        check_is_fitted(self, "estimator_")
        _check_coverage_arg(coverage, self.coverage)
        mu = self.predict(X)
        q = self.quantile_
        return np.column_stack([mu - q, mu + q])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _block_bootstrap(n: int, length: int, rng) -> np.ndarray:
    starts = rng.integers(0, n - length + 1, size=-(-n // length))
    return (starts[:, None] + np.arange(length)).reshape(-1)[:n]


class EnbPIRegressor(_OnlineMixin, MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Ensemble batch prediction intervals (EnbPI) for time series.

    ``fit`` fits ``n_bootstraps`` copies of ``estimator`` on bootstrap
    samples of the series (moving-block or iid); each training row's
    leave-one-out prediction ``f_{-i}(x_i)`` aggregates (mean or median) the
    models whose sample left it out, and its residual ``y_i - f_{-i}(x_i)``
    enters the window. A test point's center is
    ``phi_i(phi_{b: i not in S_b} f_b(x_t))``, the aggregation over ``i`` of
    the leave-one-out aggregates (as MAPIE); the bounds come from
    ``enbpi_bounds``. ``update(X, y)`` appends the residuals
    ``y_t - center(x_t)`` of observed rows and drops as many of the oldest,
    so the window keeps ``n_samples`` residuals (Xu & Xie 2021, Algorithm 1).

    Parameters
    ----------
    estimator : regressor, default=None
        ``None`` is ``LinearRegression()``.
    coverage : float, default=0.9
        Nominal coverage in (0, 1).
    n_bootstraps : int, default=30
        Number of bootstrap models ``B`` (>= 2).
    bootstrap : {"block", "iid"} or object with ``split``, default="block"
        "block": moving blocks of ``block_length`` consecutive rows drawn
        with replacement until ``n`` rows; "iid": ``n`` rows with
        replacement. An object with ``split(X)`` yielding
        ``(train_index, test_index)`` (e.g. MAPIE's ``BlockBootstrap``)
        gives the training indices of each model (its test indices are
        ignored: out-of-bag means "not in train_index").
    block_length : int or None, default=None
        Length of the blocks; ``None`` is ``ceil(n ** (1/3))``.
    aggregation : {"mean", "median"}, default="mean"
        Aggregation ``phi`` of the models' predictions.
    symmetric : bool, default=True
        Absolute residuals and ``center +- q`` (True) or signed residuals
        with ``beta = alpha / 2`` on each side (False, MAPIE's default); see
        ``enbpi_bounds``.
    random_state : int, RandomState or None, default=None
        Seeds the bootstrap samples and the estimators' ``random_state``.
    n_jobs : int or None, default=None
        Models fitted in parallel; the results do not depend on it.

    Attributes
    ----------
    estimators_ : list of regressors
    bootstrap_indices_ : list of ndarray
        Training rows of each model.
    oob_mask_ : ndarray of shape (n_samples, n_bootstraps)
        ``True`` where the row is out of the model's sample.
    residuals_ : ndarray of shape (n_samples,)
        Current window of signed residuals, oldest first.
    n_features_in_ : int

    References
    ----------
    .. [1] C. Xu and Y. Xie, "Conformal prediction interval for dynamic
       time-series", ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration import EnbPIRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = np.arange(200.0).reshape(-1, 1)
    >>> y = 0.1 * X[:, 0] + rng.normal(size=200)
    >>> enbpi = EnbPIRegressor(random_state=0).fit(X[:150], y[:150])
    >>> bounds = enbpi.predict_interval(X[150:])
    >>> round(float(np.mean((y[150:] >= bounds[:, 0]) & (y[150:] <= bounds[:, 1]))), 2)
    0.9
    >>> enbpi = enbpi.update(X[150:], y[150:])
    """

    _fitted_attr = "estimators_"

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "n_bootstraps": [Interval(Integral, 2, None, closed="left")],
        "bootstrap": [StrOptions({"block", "iid"}), HasMethods(["split"])],
        "block_length": [Interval(Integral, 1, None, closed="left"), None],
        "aggregation": [StrOptions({"mean", "median"})],
        "symmetric": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        coverage: float = 0.9,
        n_bootstraps: int = 30,
        bootstrap="block",
        block_length: int | None = None,
        aggregation: str = "mean",
        symmetric: bool = True,
        random_state=None,
        n_jobs: int | None = None,
    ):
        self.estimator = estimator
        self.coverage = coverage
        self.n_bootstraps = n_bootstraps
        self.bootstrap = bootstrap
        self.block_length = block_length
        self.aggregation = aggregation
        self.symmetric = symmetric
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _indices(self, X, n, rng):
        if not isinstance(self.bootstrap, str):
            idx = [np.asarray(tr, dtype=np.intp) for tr, _ in self.bootstrap.split(X)]
            if len(idx) < 2:
                raise ValueError(
                    f"bootstrap.split gave {len(idx)} sample(s); expected >= 2."
                )
            return idx
        gen = np.random.default_rng(rng.randint(0, 2**31 - 1))
        if self.bootstrap == "iid":
            return [gen.integers(0, n, size=n) for _ in range(self.n_bootstraps)]
        length = (
            math.ceil(n ** (1 / 3)) if self.block_length is None else self.block_length
        )
        if length > n:
            raise ValueError(
                f"block_length={length} exceeds the {n} training rows; expected "
                "at most n_samples."
            )
        return [_block_bootstrap(n, length, gen) for _ in range(self.n_bootstraps)]

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the bootstrap ensemble and compute the leave-one-out residuals.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, y_numeric=True)
        n_jobs = check_n_jobs(self.n_jobs)
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"EnbPIRegressor needs n_samples >= 2, got n_samples={n}.")
        rng = check_random_state(self.random_state)
        indices = self._indices(X, n, rng)
        oob = np.ones((n, len(indices)), dtype=bool)
        for b, idx in enumerate(indices):
            oob[idx, b] = False
        never = np.flatnonzero(~oob.any(axis=1))
        if never.size:
            raise ValueError(
                f"{never.size} training row(s) (first: {never[0]}) are in every "
                "bootstrap sample, so they have no leave-one-out prediction; "
                "raise n_bootstraps."
            )
        base = LinearRegression() if self.estimator is None else self.estimator
        models = [set_random_state(clone(base), rng) for _ in indices]
        self.estimators_ = Parallel(n_jobs=n_jobs)(
            delayed(fit_estimator)(m, X[idx], y[idx]) for m, idx in zip(models, indices)
        )
        self.bootstrap_indices_ = indices
        self.oob_mask_ = oob
        loo = self._aggregate_rows(self._predict_all(X), np.arange(n))
        self.residuals_ = y - loo
        return self

    def _predict_all(self, X) -> np.ndarray:
        return np.column_stack(
            [np.asarray(m.predict(X), dtype=np.float64) for m in self.estimators_]
        )

    def _aggregate_rows(self, preds, rows) -> np.ndarray:
        """``phi_{b: rows[j] out of b} preds[j, b]`` for each j."""
        mask = self.oob_mask_[rows]
        if self.aggregation == "mean":
            return (preds * mask).sum(axis=1) / mask.sum(axis=1)
        return np.nanmedian(np.where(mask, preds, np.nan), axis=1)

    def _center(self, X) -> np.ndarray:
        preds = self._predict_all(X)
        mask = self.oob_mask_
        if self.aggregation == "mean":
            weights = (mask / mask.sum(axis=1, keepdims=True)).mean(axis=0)
            return preds @ weights
        out = np.empty(preds.shape[0])
        for j, row in enumerate(preds):
            loo = np.nanmedian(np.where(mask, row, np.nan), axis=1)
            out[j] = np.median(loo)
        return out

    def predict(self, X):
        """Ensemble center ``phi_i(f_{-i}(x))`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, reset=False)
        return self._center(X)

    def predict_interval(self, X, coverage=None):
        """EnbPI intervals from the current residual window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float or None, default=None
            Coverage in (0, 1); ``None`` is the fitted ``coverage``.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2)
        """
        check_is_fitted(self, "estimators_")
        level = self.coverage if coverage is None else coverage
        if not (isinstance(level, Real) and 0 < level < 1):
            raise ValueError(f"coverage must be a float in (0, 1), got {coverage!r}.")
        X = validate_data(self, X, reset=False)
        return enbpi_bounds(
            self._center(X), self.residuals_, float(level), symmetric=self.symmetric
        )

    def update(self, X, y):
        """Slide the residual window over observed rows; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_features)
        y : array-like of shape (n_steps,)

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "estimators_")
        X, y = validate_data(self, X, y, y_numeric=True, reset=False)
        new = y - self._center(X)
        n = self.residuals_.shape[0]
        self.residuals_ = np.concatenate([self.residuals_, new])[-n:]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

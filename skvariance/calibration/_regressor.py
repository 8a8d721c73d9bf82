"""Conformal prediction intervals and predictive distributions for regressors."""

from __future__ import annotations

import warnings
from inspect import signature

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import check_random_state

from .._kernels._conformal import RANK_TOLERANCE, grouped_cv_plus_order_statistics
from ..utils._seeds import derive_seeds, scratch_random_state, set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
)
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.validation import (
    check_groups,
    check_n_jobs,
    check_quantile_levels,
    check_sample_weight,
)
from ._classifier import row_uniforms
from .base import (
    INFINITE_INTERVAL,
    BaseConformal,
    CalibrationSizeWarning,
    ConformalCalibration,
    ScoreParameter,
    calibration_groups,
    check_prefit,
    check_shift_weights,
    safe_rows,
)
from .base import cv_plus_rank_lower as _rank_lower
from .base import cv_plus_rank_upper as _rank_upper

__all__ = ["ConformalRegressor"]

#: float64 elements of one (test chunk x n_train) block in CV+ and
#: jackknife+-after-bootstrap: 2**20 elements are 8 MB per temporary.
_CHUNK_ELEMENTS = 2**20

#: why covariate-shift weights are refused by K-fold CV+ and J+aB
_NO_WEIGHTED_GUARANTEE = (
    "covariate-shift weights (shift_weight, weight_function) with method={!r} "
    "have no finite-sample guarantee: Prinster et al. (2022) prove the weighted "
    "jackknife+ for leave-one-out models only. Use method='split', or "
    "method='cv_plus' with cv=LeaveOneOut()."
)


def _supports_return_std(estimator) -> bool:
    final = getattr(estimator, "_final_estimator", None)
    if final is not None and final != "passthrough":
        estimator = final
    try:
        return "return_std" in signature(estimator.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def _fit_one(estimator, X, y, params):
    return fit_estimator(estimator, X, y, **params)


def _center_scale(model, X, normalized, sigma_model=None):
    """Point prediction and scale (sigma, or ones) of a fitted model on X."""
    if not normalized:
        mu = np.asarray(model.predict(X), dtype=np.float64).reshape(-1)
        return mu, None
    if sigma_model is not None:
        mu = np.asarray(model.predict(X), dtype=np.float64).reshape(-1)
        sigma = np.asarray(sigma_model.predict(X), dtype=np.float64).reshape(-1)
        return mu, sigma
    mu, sigma = model.predict(X, return_std=True)
    return (
        np.asarray(mu, dtype=np.float64).reshape(-1),
        np.asarray(sigma, dtype=np.float64).reshape(-1),
    )


def _floor_sigma(sigma, floor):
    if sigma is None:
        return None
    if np.isnan(sigma).any():
        raise ValueError("the predicted standard deviation contains NaN.")
    return np.maximum(sigma, floor)


def _kth_smallest(values, ranks):
    """Row-wise ``rank``-th smallest (1-based) of ``values`` for each rank.

    Rank 0 gives ``-inf`` and a rank above the row length ``+inf``.
    """
    n = values.shape[1]
    out = np.empty((values.shape[0], len(ranks)))
    valid = sorted({r - 1 for r in ranks if 1 <= r <= n})
    part = np.partition(values, valid, axis=1) if valid else None
    for k, r in enumerate(ranks):
        if r < 1:
            out[:, k] = -np.inf
        elif r > n:
            out[:, k] = np.inf
        else:
            out[:, k] = part[:, r - 1]
    return out


def _weighted_upper(values, cal_weights, test_weights, levels):
    """Row-wise weighted conformal quantile of ``values`` at each level.

    Row ``j`` weighs its values by ``cal_weights / (W + test_weights[j])``
    and puts the rest of the mass at ``+inf``; the result is the smallest
    value whose cumulative weight reaches the level (the rank tolerance of
    :func:`~skvariance.utils.stats.conformal_rank`, so equal weights give the
    unweighted ranks). Shape (n_rows, n_levels).
    """
    n_rows, n = values.shape
    out = np.full((n_rows, len(levels)), np.inf)
    if n == 0:
        return out
    order = np.argsort(values, axis=1, kind="stable")
    sorted_values = np.take_along_axis(values, order, axis=1)
    cum = np.cumsum(cal_weights[order], axis=1)
    mass = cum[:, -1] + test_weights
    rows = np.arange(n_rows)
    for k, level in enumerate(levels):
        target = level * mass
        target -= RANK_TOLERANCE * target
        first = (cum < target[:, None]).sum(axis=1)
        # no calibration mass: unbounded whatever the test weight (as split)
        inside = (first < n) & (cum[:, -1] > 0)
        out[inside, k] = sorted_values[rows[inside], first[inside]]
    return out


def _masses(sorted_values, cum_weights, t, side, mu=None, sigma=None):
    """Calibration mass strictly beyond each ``t``, tied with it, and in total.

    ``side="above"``: the mass of the sorted scores ``> t`` and ``= t``.
    ``side="below"``: of the values ``mu + sigma * r < t`` and ``= t`` (``r``
    the sorted residuals, one ``mu``/``sigma`` per ``t``), compared exactly
    as written (as crepes does), not through ``(t - mu) / sigma``. Counts
    without weights, else the calibration weights' sums.
    """
    n = sorted_values.size
    if mu is None:
        low = np.searchsorted(sorted_values, t, side="left")  # #{< t}
        high = np.searchsorted(sorted_values, t, side="right")  # #{<= t}
    else:
        low = _count_values(sorted_values, mu, sigma, t, strict=True)
        high = _count_values(sorted_values, mu, sigma, t, strict=False)
    if cum_weights is None:
        less, upto, total = low.astype(np.float64), high.astype(np.float64), n
    else:
        cum = np.concatenate([[0.0], cum_weights])
        less, upto, total = cum[low], cum[high], cum[-1]
    at = upto - less
    beyond = total - upto if side == "above" else less
    return beyond, at, total


def _count_values(sorted_r, mu, sigma, t, *, strict):
    """``#{mu + sigma * r_i < t}`` (or ``<=``) per row, by the exact comparison.

    A search on ``(t - mu) / sigma`` then a walk to the exact boundary: the
    values are non-decreasing in ``i`` also after rounding, so the walk ends.
    """
    n = sorted_r.size
    if n == 0:
        return np.zeros(t.shape, dtype=np.intp)
    scaled = t - mu if sigma is None else (t - mu) / sigma
    k = np.searchsorted(sorted_r, scaled, side="left" if strict else "right")

    def inside(i):
        r = sorted_r[np.clip(i, 0, n - 1)]
        v = mu + r if sigma is None else mu + sigma * r
        return v < t if strict else v <= t

    while True:  # value at k still inside: move up
        up = (k < n) & inside(k)
        if not up.any():
            break
        k = k + up
    while True:  # value at k - 1 outside: move down
        down = (k > 0) & ~inside(k - 1)
        if not down.any():
            break
        k = k - down
    return k


def _conformal_fraction(beyond, at, total, weights, u, rows):
    """``(beyond + at + w) / (total + w)``, or smoothed ``(beyond + u (at + w))``.

    ``w`` is the test point's own mass: 1 without weights.
    """
    own = 1.0 if weights is None else weights
    if u is None:
        num = beyond + at + own
    else:
        num = beyond + u[rows] * (at + own)
    den = total + own
    # no mass at all (an empty group, a zero test weight): p = 1
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)


class ConformalRegressor(RegressorMixin, BaseConformal):
    """Conformal prediction intervals around any scikit-learn regressor.

    Fits the regressor and calibrates its non-conformity scores so that
    :meth:`predict_interval` covers a new response with probability at least
    ``coverage`` in finite samples, whatever the model and the distribution
    (for exchangeable data). One fit serves every coverage level, Mondrian
    groups, covariate-shift weights and the conformal predictive
    distribution (:meth:`predict_quantiles`).

    Parameters
    ----------
    estimator : regressor, default=None
        The point predictor; ``None`` uses
        :class:`~sklearn.linear_model.LinearRegression`. It is cloned, never
        modified. With ``score="normalized"`` and no ``sigma_estimator`` its
        ``predict`` must take ``return_std`` (a Gaussian process,
        :class:`~skvariance.ensemble.SeedEnsembleRegressor`, an
        inverse-variance regressor...).
    method : {"split", "cv_plus", "jackknife_plus_ab"}, default="split"
        ``"split"``: fit on a random ``1 - calibration_size`` share of the
        rows, calibrate on the rest. ``"cv_plus"``: one model per fold of
        ``cv``, out-of-fold residuals, CV+ intervals (Barber et al.).
        ``"jackknife_plus_ab"``: ``n_resamples`` bootstrap models and
        out-of-bag residuals (Kim et al.). Every method takes Mondrian
        ``groups``; covariate-shift weights need ``"split"`` or
        ``"cv_plus"`` with ``cv=LeaveOneOut()`` (the weighted jackknife+),
        the only forms with a finite-sample guarantee.
    score : {"absolute", "normalized"}, default="absolute"
        ``"absolute"``: ``|y - mu(x)|``, intervals of constant width;
        ``"normalized"``: ``|y - mu(x)| / sigma(x)``, intervals
        ``mu(x) +- q sigma(x)`` that adapt to heteroscedastic noise.
    coverage : float, default=0.9
        Default nominal coverage ``1 - alpha`` in (0, 1) of
        :meth:`predict_interval` (and used by interval scorers). A finite
        interval needs at least ``coverage / (1 - coverage)`` calibration
        points (per group, see ``min_calibration_size``); with fewer the exact
        conformal interval is ``(-inf, inf)``, returned with a
        :class:`CalibrationSizeWarning` (fitting never fails for it).
    cv : int, cross-validation generator or iterable, default=5
        Folds of ``"cv_plus"``, and of the out-of-fold residuals that train
        ``sigma_estimator``.
    calibration_size : float or int, default=0.25
        Share (float in (0, 1)) or number (int) of rows held out for
        calibration by ``method="split"``.
    sigma_estimator : regressor, default=None
        With ``score="normalized"`` and ``method="split"``: a regressor fitted
        on the proper training rows to the out-of-fold absolute residuals
        ``|y - mu(x)|``; its prediction is ``sigma(x)``. ``None`` uses the
        estimator's ``predict(X, return_std=True)``.
    weight_function : callable or object with ``predict``, default=None
        Covariate-shift weights ``w(x)``, the density ratio of test to
        training inputs, for weighted conformal prediction (Tibshirani et
        al., 2019): a callable ``X -> weights`` such as the bound method
        ``DensityRatioEstimator().fit(X_source, X_target).predict``.
        Calibration points are weighted by ``w(X_i)`` and the test point's
        own weight sits at ``+inf``. Arrays of weights can be passed instead
        as ``shift_weight`` to :meth:`fit` and :meth:`predict_interval`.
    n_resamples : int, default=30
        Bootstrap models of ``"jackknife_plus_ab"``.
    n_jobs : int, default=None
        Models of ``"cv_plus"`` and ``"jackknife_plus_ab"`` fitted in
        parallel through :class:`sklearn.utils.parallel.Parallel`; results
        do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the calibration split, the bootstrap samples and the nested
        ``random_state`` of the fitted models. For ``"jackknife_plus_ab"``,
        with ``rng = check_random_state(random_state)``: the models' seeds are
        ``derive_seeds(rng, n_resamples)``, then bootstrap sample ``b`` is
        ``rng.randint(0, n_samples, size=n_samples)``, in order.
    verbose : int, default=0
        Progress of the models of ``"cv_plus"`` and ``"jackknife_plus_ab"``:
        ``0`` prints nothing; ``1`` and more print joblib's progress
        messages. Results do not depend on it.

    Attributes
    ----------
    estimator_ : regressor
        ``"split"``: the model fitted on the proper training rows.
    estimators_ : list of regressors
        ``"cv_plus"``: one model per fold; ``"jackknife_plus_ab"``: one per
        bootstrap sample. ``"split"``: ``[estimator_]``.
    sigma_estimator_ : regressor or None
        The fitted residual model (``sigma_estimator`` given).
    calibration_indices_ : ndarray of int
        ``"split"``: rows of the training data used for calibration.
    conformity_scores_ : ndarray of shape (n_calibration,)
        Calibration (or out-of-fold / out-of-bag) scores, in row order.
    groups_ : ndarray or None
        Mondrian group labels seen at fit.
    n_excluded_ : int
        ``"jackknife_plus_ab"``: rows in every bootstrap sample (never out of
        bag), left out of the calibration with a warning; 0 otherwise.
    sigma_floor_ : float
        With ``score="normalized"``: sigma is floored at this value, a
        millionth of the mean absolute calibration residual, so that a
        zero predicted std cannot divide by zero.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    ConformalQuantileRegressor : conformalized quantile regression.
    ConformalClassifier : conformal prediction sets.

    Notes
    -----
    Split conformal: the calibration quantile is the
    ``ceil((n + 1) coverage)``-th smallest of the ``n`` calibration scores,
    so coverage is at least ``coverage`` and, without ties, at most
    ``coverage + 1 / (n + 1)`` [1]_. Mondrian calibration (``groups``) takes
    that quantile within each group, and so covers within each group [4]_.
    CV+ and jackknife+-after-bootstrap guarantee ``1 - 2 alpha`` in theory and
    about ``1 - alpha`` in practice [2]_ [3]_; with ``groups`` their order
    statistics run over the test point's group only, and the guarantee holds
    within each group (the rows of a group and the test point are
    exchangeable given the groups; for K-fold CV+ approximately, as a
    group's rows need not split into equal folds). With covariate-shift weights and
    leave-one-out models the weighted jackknife+ keeps ``1 - 2 alpha`` [7]_.
    CV+ bounds are order
    statistics of ``mu_k(x) -+ sigma_k(x) R_i``, which within a fold are a
    monotone image of the fold's sorted residuals: a numba kernel finds them by
    binary searches, in memory ``O(n_train + n_test K)`` and time
    ``O(n_test K^2 log^2 n_train)``, never forming the ``n_test x n_train``
    matrix. Jackknife+-after-bootstrap centres differ for every training row,
    so its order statistics are taken over blocks of test rows, in memory
    ``O(block x n_train)``. Weighted conformal prediction [5]_ may return an
    infinite bound where a test point's weight is large: that is the method's
    honest answer, not an error.

    :meth:`predict_quantiles` is the conformal predictive distribution of
    Vovk et al. [6]_ built on the signed residuals of the same calibration
    set; its level-``p`` quantile is ``crepes``' ``higher_percentiles``, and
    :meth:`predict_cdf` its CDF; :meth:`predict_pvalue` gives conformal
    p-values (split conformal), both with crepes' numbers.

    References
    ----------
    .. [1] Lei, J., G'Sell, M., Rinaldo, A., Tibshirani, R. J. and
       Wasserman, L. "Distribution-Free Predictive Inference for
       Regression", JASA 2018.
    .. [2] Barber, R. F., Candes, E. J., Ramdas, A. and Tibshirani, R. J.
       "Predictive inference with the jackknife+", Annals of Statistics 2021.
    .. [3] Kim, B., Xu, C. and Barber, R. F. "Predictive inference is free
       with the jackknife+-after-bootstrap", NeurIPS 2020.
    .. [4] Vovk, V., Gammerman, A. and Shafer, G. "Algorithmic Learning in a
       Random World", Springer 2005 (Mondrian conformal predictors).
    .. [5] Tibshirani, R. J., Barber, R. F., Candes, E. J. and Ramdas, A.
       "Conformal Prediction Under Covariate Shift", NeurIPS 2019.
    .. [6] Vovk, V., Shen, J., Manokhin, V. and Xie, M. "Nonparametric
       predictive distributions based on conformal prediction", Machine
       Learning 2019.
    .. [7] Prinster, D., Liu, A. and Saria, S. "JAWS: Auditing Predictive
       Uncertainty Under Covariate Shift", NeurIPS 2022.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skvariance.calibration import ConformalRegressor
    >>> X, y = make_regression(n_samples=200, n_features=3, noise=10.0, random_state=0)
    >>> reg = ConformalRegressor(Ridge(), coverage=0.9, random_state=0).fit(X, y)
    >>> reg.predict_interval(X[:2]).shape
    (2, 2)
    >>> reg.predict_interval(X[:2], coverage=[0.8, 0.9]).shape
    (2, 2, 2)
    >>> reg.predict_quantiles(X[:2], [0.1, 0.5, 0.9]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"split", "cv_plus", "jackknife_plus_ab"})],
        "score": [StrOptions({"absolute", "normalized"})],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object"],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "sigma_estimator": [HasMethods(["fit", "predict"]), None],
        "weight_function": [callable, HasMethods(["predict"]), None],
        "n_resamples": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    score = ScoreParameter(RegressorMixin.score)

    def __init__(
        self,
        estimator=None,
        *,
        method: str = "split",
        score: str = "absolute",
        coverage: float = 0.9,
        cv=5,
        calibration_size: float | int = 0.25,
        sigma_estimator=None,
        weight_function=None,
        n_resamples: int = 30,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.method = method
        self.score = score
        self.coverage = coverage
        self.cv = cv
        self.calibration_size = calibration_size
        self.sigma_estimator = sigma_estimator
        self.weight_function = weight_function
        self.n_resamples = n_resamples
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _default_estimator(self):
        return LinearRegression()

    # -- fit ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, groups=None, sample_weight=None, shift_weight=None, **fit_params
    ):
        """Fit the regressor and calibrate its scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target; NaN or infinity, or a constant ``y``, raise a
            ``ValueError``.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups: one calibration per group (for CV+ and
            jackknife+-after-bootstrap, the out-of-fold values of the test
            point's group only); :meth:`predict_interval` then needs the test
            points' groups.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to the estimator's ``fit`` (a Pipeline's final step
            included, see :mod:`skvariance.utils.metadata`). The calibration
            quantile is not weighted by it.
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights ``w(X_i)`` of the training rows; those of
            the calibration rows weight the calibration quantile. Overrides
            ``weight_function`` at fit. With ``method="cv_plus"`` every fold
            must hold one row (``cv=LeaveOneOut()``, the weighted jackknife+
            of Prinster et al., 2022); ``"jackknife_plus_ab"`` refuses
            weights.
        **fit_params : dict
            Other metadata for the estimator's ``fit`` (metadata routing
            enabled only).

        Returns
        -------
        self : ConformalRegressor
            The fitted calibrator.
        """
        check_n_jobs(self.n_jobs)
        X, y = self._validate_fit(X, y)
        n = X.shape[0]
        if groups is not None:
            groups = check_groups(groups, n)
        if np.ptp(y) == 0:
            raise ValueError(
                f"y is constant (every value is {y[0]!r}): conformal intervals "
                "would have zero width and say nothing about new data."
            )
        if shift_weight is not None:
            shift_weight = check_shift_weights(
                shift_weight, n, name="shift_weight", positive_sum=True
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(np.asarray(sample_weight), X)
        normalized = self._score_name == "normalized"
        weighted = shift_weight is not None or self.weight_function is not None
        if self.method != "split":
            if weighted and self.method == "jackknife_plus_ab":
                raise ValueError(_NO_WEIGHTED_GUARANTEE.format(self.method))
            if normalized and self.sigma_estimator is not None:
                raise ValueError(
                    "sigma_estimator is only used by method='split'; with "
                    f"method={self.method!r} use an estimator whose predict "
                    "takes return_std."
                )
        estimator = self._base_estimator()
        self._check_sigma_source(estimator)
        params = self._fit_params(estimator, sample_weight, fit_params)
        self.groups_ = None
        if self.method == "split":
            # every draw of the split happens at once (see _fit_split): the
            # stream of RandomState(random_state) without building one
            rng = scratch_random_state(self.random_state)
            self._fit_split(estimator, X, y, groups, shift_weight, params, rng)
        else:
            rng = check_random_state(self.random_state)
            self._fit_cross(estimator, X, y, params, rng, groups, shift_weight)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def conformalize(self, X_cal, y_cal, *, groups=None, shift_weight=None):
        """Calibrate an already fitted ``estimator`` on ``(X_cal, y_cal)``.

        Split conformal calibration of a model fitted elsewhere (MAPIE's
        ``prefit=True`` followed by ``conformalize``): ``estimator`` is used as
        it is -- never cloned, refitted or modified -- and every row of
        ``X_cal`` is a calibration row (no split: ``calibration_size`` is not
        used). Afterwards :meth:`predict`, :meth:`predict_interval` and
        :meth:`predict_quantiles` work as after :meth:`fit`, with the same
        guarantee provided the calibration rows were not used to fit the
        model. A later :meth:`fit` refits a clone as usual.

        Parameters
        ----------
        X_cal : array-like of shape (n_calibration, n_features)
            Calibration inputs, checked against the estimator's
            ``n_features_in_`` / ``feature_names_in_``.
        y_cal : array-like of shape (n_calibration,)
            Calibration targets.
        groups : array-like of shape (n_calibration,), default=None
            Mondrian groups of the calibration rows.
        shift_weight : array-like of shape (n_calibration,), default=None
            Covariate-shift weights of the calibration rows (overrides
            ``weight_function``).

        Returns
        -------
        self : ConformalRegressor
            Calibrated; ``estimator_`` is ``estimator`` itself.

        Raises
        ------
        ValueError
            When ``method`` is not ``"split"`` (CV+ and jackknife+ refit the
            model on folds or bootstrap samples), ``estimator`` is ``None``,
            or the data are invalid.
        sklearn.exceptions.NotFittedError
            When ``estimator`` (or, with ``score="normalized"``,
            ``sigma_estimator``) is not fitted.

        Notes
        -----
        With ``score="normalized"``, sigma comes from the fitted estimator's
        ``predict(X, return_std=True)`` or from ``sigma_estimator``, which
        must then be fitted too (a model of ``|y - mu(x)|`` fitted on data
        other than the calibration rows); it is used as it is.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skvariance.calibration import ConformalRegressor
        >>> X, y = make_regression(n_samples=300, n_features=3, noise=10.0,
        ...                        random_state=0)
        >>> model = Ridge().fit(X[:200], y[:200])  # fitted elsewhere
        >>> reg = ConformalRegressor(model, coverage=0.9)
        >>> reg = reg.conformalize(X[200:], y[200:])  # all 100 rows calibrate
        >>> reg.estimator_ is model, reg.conformity_scores_.shape
        (True, (100,))
        >>> reg.predict_interval(X[:2]).shape
        (2, 2)
        """
        return self._conformalize(X_cal, y_cal, groups, shift_weight)

    def _calibrate_prefit(self, estimator, X_cal, y_cal, groups_cal, weights):
        sigma_model = None
        if self._score_name == "normalized":
            if self.sigma_estimator is not None:
                sigma_model = check_prefit(self.sigma_estimator, "sigma_estimator")
            else:
                self._check_sigma_source(estimator)
        self._calibrate_split(estimator, sigma_model, X_cal, y_cal, groups_cal, weights)

    def _check_sigma_source(self, estimator):
        """With ``score="normalized"``: a sigma_estimator or ``return_std``."""
        if (
            self._score_name == "normalized"
            and self.sigma_estimator is None
            and not _supports_return_std(estimator)
        ):
            raise TypeError(
                f"score='normalized' needs sigma(x): estimator "
                f"{type(estimator).__name__} has no predict(X, return_std=True); "
                "give a sigma_estimator or an estimator that returns a std."
            )

    def _fit_split(self, estimator, X, y, groups, shift_weight, params, rng):
        train, cal = self._split_indices(X.shape[0], rng)
        # the last draw from rng, before any other code runs (rng may be the
        # scratch generator that weight_function or set_random_state reseed)
        seed = int(derive_seeds(rng, 1)[0])
        groups_cal = calibration_groups(groups, cal)
        X_cal = safe_rows(X, cal)
        # checked (a positive total weight) before any model is fitted
        weights = self._calibration_weights(
            X_cal, None if shift_weight is None else shift_weight[cal]
        )
        model = set_random_state(clone(estimator), seed)
        X_train, y_train = safe_rows(X, train), y.take(train)
        model.fit(X_train, y_train, **self._subset_params(X, params, train))
        sigma_model = None
        if self._score_name == "normalized" and self.sigma_estimator is not None:
            oof = cross_val_predict(
                set_random_state(clone(estimator), seed),
                X_train,
                y_train,
                cv=self.cv,
                params=self._subset_params(X, params, train),
            )
            # read as _center_scale reads predictions: a float64 vector
            oof = np.asarray(oof, dtype=np.float64).reshape(-1)
            sigma_model = set_random_state(clone(self.sigma_estimator), seed)
            sigma_model.fit(X_train, np.abs(y_train - oof))
        self._calibrate_split(
            model, sigma_model, X_cal, y.take(cal), groups_cal, weights
        )
        self.calibration_indices_ = cal

    def _calibrate_split(self, model, sigma_model, X_cal, y_cal, groups_cal, weights):
        """Calibrate the fitted ``model`` (and ``sigma_model``) on ``X_cal``."""
        self.estimator_ = model
        self.estimators_ = [model]
        self.sigma_estimator_ = sigma_model
        normalized = self._score_name == "normalized"
        mu, sigma = _center_scale(model, X_cal, normalized, sigma_model)
        residuals = y_cal - mu
        self._set_sigma_floor(residuals, normalized)
        sigma = _floor_sigma(sigma, self.sigma_floor_)
        signed = residuals if sigma is None else residuals / sigma
        self.conformity_scores_ = np.abs(signed)
        self.calibration_ = ConformalCalibration(
            self.conformity_scores_, groups_cal, weights
        )
        # signed residuals for predict_quantiles: sorted (per group) at its
        # first call rather than by every fit (intervals never need them)
        self._signed_parts = (signed, groups_cal, weights)
        self._signed_calibration = None
        self.groups_ = self.calibration_.group_labels

    def _set_sigma_floor(self, residuals, normalized):
        if normalized:
            scale = float(np.mean(np.abs(residuals))) if residuals.size else 0.0
            self.sigma_floor_ = 1e-6 * scale if scale > 0 else 1e-12
        else:
            self.sigma_floor_ = None

    def _fit_cross(self, estimator, X, y, params, rng, groups, shift_weight):
        n = X.shape[0]
        normalized = self._score_name == "normalized"
        weights = None
        if self.method == "cv_plus":
            cv = check_cv(self.cv, y, classifier=False)
            folds = [np.asarray(test) for _, test in cv.split(X, y)]
            trains = [np.setdiff1d(np.arange(n), test) for test in folds]
            seeds = derive_seeds(rng, len(folds))
            # every row is out of exactly one fold's model
            out_of = np.zeros((n, len(folds)))
            for k, test in enumerate(folds):
                out_of[test, k] = 1.0
            if not np.all(out_of.sum(axis=1) == 1):
                raise ValueError(
                    "cv must put every row in exactly one test fold for CV+."
                )
            if shift_weight is not None or self.weight_function is not None:
                if any(test.size != 1 for test in folds):
                    raise ValueError(_NO_WEIGHTED_GUARANTEE.format(self.method))
                # checked (a positive total weight) before any model is fitted
                weights = self._calibration_weights(X, shift_weight)
        else:
            seeds = derive_seeds(rng, self.n_resamples)
            trains = [rng.randint(0, n, size=n) for _ in range(self.n_resamples)]
        models = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fit_one)(
                set_random_state(clone(estimator), int(seed)),
                safe_rows(X, tr),
                y[tr],
                self._subset_params(X, params, tr),
            )
            for seed, tr in zip(seeds, trains)
        )
        n_models = len(models)
        if self.method != "cv_plus":
            in_bag = np.zeros((n_models, n), dtype=bool)
            for b, tr in enumerate(trains):
                in_bag[b, tr] = True
            out_of = (~in_bag).T.astype(np.float64)
        counts = out_of.sum(axis=1)
        keep = np.flatnonzero(counts > 0)
        self.n_excluded_ = int(n - keep.size)
        if keep.size == 0:
            raise ValueError("no row is out of bag; increase n_resamples.")
        if self.n_excluded_:
            warnings.warn(
                f"{self.n_excluded_} of {n} rows were in every bootstrap sample "
                "(never out of bag) and are left out of the calibration; "
                "increase n_resamples.",
                UserWarning,
                stacklevel=4,  # past fit and scikit-learn's _fit_context
            )
        out_of = out_of[keep] / counts[keep, None]
        mu_all, sigma_all = self._member_predictions(models, X, normalized)
        mu = np.einsum("ik,ki->i", out_of, mu_all[:, keep])
        residuals = y[keep] - mu
        self._set_sigma_floor(residuals, normalized)
        sigma = None
        if normalized:
            sigma = _floor_sigma(
                np.einsum("ik,ki->i", out_of, sigma_all[:, keep]), self.sigma_floor_
            )
        signed = residuals if sigma is None else residuals / sigma
        self.estimators_ = models
        self.sigma_estimator_ = None
        self.conformity_scores_ = np.abs(signed)
        self._signed_scores = signed
        self._out_of = np.ascontiguousarray(out_of)
        groups_cal = calibration_groups(groups, keep)
        # Mondrian group code of every calibration row (all 0 without groups)
        codes = np.zeros(keep.size, dtype=np.intp) if groups is None else groups_cal[1]
        n_groups = 1 if groups is None else len(groups_cal[0])
        self._group_rows = [np.flatnonzero(codes == g) for g in range(n_groups)]
        if self.method == "cv_plus":
            # residuals sorted within each (group, fold), for the kernel: fold
            # k of group g is ``sorted[_fold_ptrs[g, k]:_fold_ptrs[g, k + 1]]``
            fold_of = np.argmax(out_of, axis=1)
            cell = codes * n_models + fold_of
            sizes = np.bincount(cell, minlength=n_groups * n_models)
            ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            self._fold_ptrs = np.ascontiguousarray(
                ptr[
                    np.arange(n_groups)[:, None] * n_models
                    + np.arange(n_models + 1)[None, :]
                ]
            )
            self._sorted_abs = np.abs(signed)[np.lexsort((np.abs(signed), cell))]
            self._sorted_signed = signed[np.lexsort((signed, cell))]
        self._cal_weights = weights
        self.calibration_ = ConformalCalibration(np.abs(signed), groups_cal, weights)
        self.groups_ = self.calibration_.group_labels

    def _member_predictions(self, models, X, normalized):
        pairs = [_center_scale(m, X, normalized) for m in models]
        mu = np.stack([p[0] for p in pairs])
        sigma = np.stack([p[1] for p in pairs]) if normalized else None
        return mu, sigma

    # -- predict --------------------------------------------------------
    def predict(self, X):
        """Point prediction: the model's, or the mean of the CV/bootstrap models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._check_predict(X)
        if self.method == "split":
            return np.asarray(self.estimator_.predict(X), dtype=np.float64).reshape(-1)
        return np.mean([m.predict(X) for m in self.estimators_], axis=0)

    def predict_interval(self, X, coverage=None, groups=None, shift_weight=None):
        """Conformal prediction intervals at one or several coverages.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1); ``None`` uses ``self.coverage``.
            No refit is needed for a new level.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points; required when fitted with
            groups, and every label must have been seen at fit.
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points; required when fitted
            with ``shift_weight`` and no ``weight_function``.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            Lower and upper bounds; a third axis when ``coverage`` is an
            array, one entry per level in the order given.
            ``(-inf, inf)`` for a level too high for the calibration set (or
            the test point's group), with a :class:`CalibrationSizeWarning`.
        """
        X = self._check_predict(X)
        levels = self._levels(coverage)
        if self.method == "split":
            mu, sigma = self._split_center_scale(X)
            group_index = self.calibration_.group_index(groups, X.shape[0])
            self.calibration_.warn_infinite(
                levels, group_index, consequence=INFINITE_INTERVAL
            )
            weights = self._test_weights(X, shift_weight)
            q = self.calibration_.quantiles(levels, group_index, weights)
            half = q if sigma is None else q * sigma[:, None]
            # written in place: np.stack([mu - half, mu + half], axis=1)
            bounds = np.empty((mu.shape[0], 2, levels.size))
            np.subtract(mu[:, None], half, out=bounds[:, 0])
            np.add(mu[:, None], half, out=bounds[:, 1])
        else:
            group_index = self.calibration_.group_index(groups, X.shape[0])
            self.calibration_.warn_infinite(
                levels, group_index, consequence=INFINITE_INTERVAL
            )
            weights = self._test_weights(X, shift_weight)
            low = lambda n: [_rank_lower(c, n) for c in levels]  # noqa: E731
            high = lambda n: [_rank_upper(c, n) for c in levels]  # noqa: E731
            scores = self.conformity_scores_
            if weights is not None:
                bounds = self._weighted_cross_values(
                    X, group_index, weights, levels, (scores, -1), (scores, 1)
                )
            elif self.method == "cv_plus":
                bounds = self._cv_plus_statistics(
                    X,
                    group_index,
                    (self._sorted_abs, -1, low),
                    (self._sorted_abs, 1, high),
                )
            else:
                bounds = self._cross_values(
                    X,
                    group_index,
                    lambda c, s, rows: (c - scores[rows] * s, low(rows.size)),
                    lambda c, s, rows: (c + scores[rows] * s, high(rows.size)),
                )
        return bounds[:, :, 0] if np.ndim(coverage) == 0 else bounds

    def predict_quantiles(self, X, quantiles, groups=None, shift_weight=None):
        """Quantiles of the conformal predictive distribution.

        The level-``p`` quantile is ``mu(x) + sigma(x) r`` with ``r`` the
        ``ceil(p (n + 1))``-th smallest signed calibration residual
        ``(y_i - mu(x_i)) / sigma(x_i)`` (``sigma = 1`` for the absolute
        score), ``+inf`` when that rank exceeds ``n``; so, for the split
        method, ``P(y <= Q(p)) >= p``, and without ties
        ``P(y <= Q(p)) = ceil(p (n + 1)) / (n + 1) < p + 1 / (n + 1)``: the
        quantile errs upwards, so ``[Q(a / 2), Q(1 - a / 2)]`` need not cover
        ``1 - a`` (use :meth:`predict_interval`). For CV+ and
        jackknife+-after-bootstrap the same rank is taken among
        ``mu_{-i}(x) + sigma_{-i}(x) r_i``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        quantiles : float or array-like of shape (n_quantiles,)
            Strictly increasing levels in (0, 1).
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points (when fitted with groups).
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points (when fitted with
            weights and no ``weight_function``).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles)
        """
        X = self._check_predict(X)
        levels = check_quantile_levels(quantiles)
        if self.method == "split":
            mu, sigma = self._split_center_scale(X)
            signed = self._signed_split_calibration()
            group_index = signed.group_index(groups, X.shape[0])
            weights = self._test_weights(X, shift_weight)
            r = signed.quantiles(levels, group_index, weights)
            return mu[:, None] + (r if sigma is None else r * sigma[:, None])
        group_index = self.calibration_.group_index(groups, X.shape[0])
        weights = self._test_weights(X, shift_weight)
        signed = self._signed_scores
        if weights is not None:
            return self._weighted_cross_values(
                X, group_index, weights, levels, (signed, 1)
            )[:, 0]
        ranks = lambda n: [_rank_upper(p, n) for p in levels]  # noqa: E731
        if self.method == "cv_plus":
            return self._cv_plus_statistics(
                X, group_index, (self._sorted_signed, 1, ranks)
            )[:, 0]
        return self._cross_values(
            X, group_index, lambda c, s, rows: (c + signed[rows] * s, ranks(rows.size))
        )[:, 0, :]

    def predict_pvalue(
        self,
        X,
        y,
        groups=None,
        shift_weight=None,
        smoothing=True,
        uniforms=None,
        random_state=None,
    ):
        """Conformal p-value of a candidate value ``y`` for each row of X.

        With the absolute (or normalized) score ``a = |y - mu(x)| / sigma(x)``
        of the candidate and the ``n`` calibration scores ``a_i`` (of the test
        point's group), the p-value is ``(#{a_i >= a} + 1) / (n + 1)``, or,
        smoothed, ``(#{a_i > a} + u (#{a_i = a} + 1)) / (n + 1)`` with ``u``
        uniform on (0, 1): crepes' ``predict_p`` (its ``(k + 1) / (n + 1)``
        convention). Under covariate-shift weights counts become weights and
        the candidate carries its own weight ``w(x)`` (Tibshirani et al.,
        2019). ``y`` lies in :meth:`predict_interval` at coverage ``c`` exactly
        when its unsmoothed p-value exceeds ``1 - c``; for exchangeable data
        ``P(p <= a) <= a`` (equality for the smoothed p-value).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : float or array-like of shape (n_samples,)
            The candidate value: one for every row, or one per row. NaN is
            refused; infinite values are allowed.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points (when fitted with groups).
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points (when fitted with
            weights and no ``weight_function``).
        smoothing : bool, default=True
            Break ties at random (crepes' default); ``False`` gives the
            conservative p-value.
        uniforms : array-like of shape (n_samples,), default=None
            The smoothing draws ``u`` in [0, 1], e.g. to reproduce another
            library's p-values; ``None`` draws one per row from its content
            and ``random_state``, so a row gets the same draw alone or in any
            batch.
        random_state : int, RandomState instance or None, default=None
            Seed of the smoothing draws (not used with ``uniforms``).

        Returns
        -------
        p_values : ndarray of shape (n_samples,)

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skvariance.calibration import ConformalRegressor
        >>> X, y = make_regression(n_samples=200, n_features=3, noise=10.0,
        ...                        random_state=0)
        >>> reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
        >>> p = reg.predict_pvalue(X[:3], y[:3], smoothing=False)
        >>> p.shape, bool((p > 0).all() and (p <= 1).all())
        ((3,), True)
        """
        X, y, u, group_index, weights = self._check_candidates(
            X, y, groups, shift_weight, smoothing, uniforms, random_state, "pvalue"
        )
        mu, sigma = self._split_center_scale(X)
        a = np.abs(y - mu) if sigma is None else np.abs(y - mu) / sigma
        cal = self.calibration_
        p = np.empty(X.shape[0])
        for g, rows in self._rows_by_group(group_index, len(cal.sorted_scores)):
            w = None if weights is None else weights[rows]
            above, at, total = _masses(
                cal.sorted_scores[g], cal.cum_weights[g], a[rows], "above"
            )
            p[rows] = _conformal_fraction(above, at, total, w, u, rows)
        return p

    def predict_cdf(
        self,
        X,
        y,
        groups=None,
        shift_weight=None,
        smoothing=True,
        uniforms=None,
        random_state=None,
    ):
        """The conformal predictive distribution's CDF at ``y`` for each row.

        With the signed calibration residuals ``r_i = (y_i - mu(x_i)) /
        sigma(x_i)`` (of the test point's group), the CDF at ``y`` is
        ``(#{mu(x) + sigma(x) r_i <= y} + 1) / (n + 1)``, or, smoothed,
        ``(#{... < y} + u (#{... = y} + 1)) / (n + 1)``: crepes'
        ``ConformalPredictiveSystem.predict(y=...)`` (Vovk et al., 2019). Under
        covariate-shift weights counts become weights and ``y`` carries the
        test point's own weight. :meth:`predict_quantiles` inverts it: its
        level-``p`` quantile is the smallest ``y`` with ``#{... <= y} / (n +
        1) >= p``, the unsmoothed CDF minus ``1 / (n + 1)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : float or array-like of shape (n_samples,)
            Where to evaluate the CDF: one value for every row, or one per
            row. NaN is refused.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points (when fitted with groups).
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points (when fitted with
            weights and no ``weight_function``).
        smoothing : bool, default=True
            Break ties at random (crepes' default).
        uniforms : array-like of shape (n_samples,), default=None
            The smoothing draws in [0, 1]; ``None`` draws one per row from its
            content and ``random_state``.
        random_state : int, RandomState instance or None, default=None
            Seed of the smoothing draws (not used with ``uniforms``).

        Returns
        -------
        cdf : ndarray of shape (n_samples,)

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skvariance.calibration import ConformalRegressor
        >>> X, y = make_regression(n_samples=200, n_features=3, noise=10.0,
        ...                        random_state=0)
        >>> reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
        >>> median = reg.predict_quantiles(X[:2], 0.5)[:, 0]
        >>> reg.predict_cdf(X[:2], median, smoothing=False).round(3)
        array([0.529, 0.529])
        """
        X, y, u, group_index, weights = self._check_candidates(
            X, y, groups, shift_weight, smoothing, uniforms, random_state, "cdf"
        )
        mu, sigma = self._split_center_scale(X)
        cal = self._signed_split_calibration()
        cdf = np.empty(X.shape[0])
        for g, rows in self._rows_by_group(group_index, len(cal.sorted_scores)):
            w = None if weights is None else weights[rows]
            below, at, total = _masses(
                cal.sorted_scores[g],
                cal.cum_weights[g],
                y[rows],
                "below",
                mu[rows],
                None if sigma is None else sigma[rows],
            )
            cdf[rows] = _conformal_fraction(below, at, total, w, u, rows)
        return cdf

    def _check_candidates(
        self, X, y, groups, shift_weight, smoothing, uniforms, random_state, what
    ):
        """Checked X, candidates, draws, group index and test weights."""
        X = self._check_predict(X)
        if self.method != "split":
            raise ValueError(
                f"predict_{what} needs method='split' (inductive conformal "
                "prediction, as crepes); the p-values of CV+ and "
                "jackknife+-after-bootstrap are only valid up to a factor 2 "
                f"(Barber et al., 2021). Got method={self.method!r}."
            )
        n = X.shape[0]
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("y must be a float or an array of floats.") from exc
        if y.ndim == 0:
            y = np.full(n, float(y))
        elif y.shape != (n,):
            raise ValueError(
                f"y must be a float or have shape ({n},) (one value per row of "
                f"X), got shape {y.shape}."
            )
        if np.isnan(y).any():
            raise ValueError("y contains NaN.")
        if not isinstance(smoothing, (bool, np.bool_)):
            raise TypeError(f"smoothing must be a bool, got {smoothing!r}.")
        u = None
        if uniforms is not None:
            if not smoothing:
                raise ValueError("uniforms are only used with smoothing=True.")
            u = np.asarray(uniforms, dtype=np.float64)
            if u.shape != (n,) or not np.all((u >= 0) & (u <= 1)):
                raise ValueError(
                    f"uniforms must have shape ({n},) and values in [0, 1]."
                )
        group_index = self.calibration_.group_index(groups, n)
        weights = self._test_weights(X, shift_weight)
        if smoothing and u is None:
            seed = int(derive_seeds(check_random_state(random_state), 1)[0])
            u = row_uniforms(X, seed)
        return X, y, u, group_index, weights

    @staticmethod
    def _rows_by_group(group_index, n_groups):
        for g in range(n_groups):
            rows = np.flatnonzero(group_index == g)
            if rows.size:
                yield g, rows

    def _signed_split_calibration(self):
        """The signed calibration residuals sorted (per group), on first use.

        Built from what this fit left in ``_signed_parts`` (every fit resets
        the cache), so it never outlives the fit it belongs to.
        """
        if self._signed_calibration is None:
            self._signed_calibration = ConformalCalibration(*self._signed_parts)
        return self._signed_calibration

    def _split_center_scale(self, X):
        normalized = self._score_name == "normalized"
        mu, sigma = _center_scale(self.estimator_, X, normalized, self.sigma_estimator_)
        return mu, _floor_sigma(sigma, self.sigma_floor_)

    def _cv_plus_statistics(self, X, group_index, *requests):
        """CV+ order statistics without an (n_test, n_train) matrix.

        Each request is (residuals sorted within (group, fold), sign, ranks)
        with ``ranks`` a function of the calibration size ``n`` giving 1-based
        ranks; the statistics of a test row are taken over the calibration
        rows of its Mondrian group only (all rows without groups). The result
        has shape (n_test, n_requests, n_ranks). Rank 0 gives ``-inf`` and a
        rank above ``n`` gives ``+inf``.
        """
        normalized = self._score_name == "normalized"
        mu, sigma = self._member_predictions(self.estimators_, X, normalized)
        centers = np.ascontiguousarray(mu.T)
        if normalized:
            scales = np.ascontiguousarray(np.maximum(sigma.T, self.sigma_floor_))
        else:
            scales = np.ones_like(centers)
        sizes = [int(ptr[-1] - ptr[0]) for ptr in self._fold_ptrs]
        n_ranks = max(len(ranks(1)) for _, _, ranks in requests)
        out = np.empty((X.shape[0], len(requests), n_ranks))
        row_group = np.ascontiguousarray(group_index, dtype=np.int64)
        for m, (sorted_res, sign, ranks) in enumerate(requests):
            table = np.array([ranks(n) for n in sizes], dtype=np.int64)
            out[:, m, :] = grouped_cv_plus_order_statistics(
                sorted_res,
                self._fold_ptrs,
                row_group,
                centers,
                scales,
                int(sign),
                table,
                np.empty((X.shape[0], n_ranks)),
            )
        return out

    def _cross_values(self, X, group_index, *makers):
        """Order statistics of ``mu_{-i}(x) +- r_i sigma_{-i}(x)``, in chunks.

        Each maker maps (centers, scales, rows) to (values, ranks): centers and
        scales are blocks of shape (chunk, n_g) over the calibration ``rows``
        of one Mondrian group (all rows without groups). The result has shape
        (n_test, len(makers), n_ranks).
        """
        normalized = self._score_name == "normalized"
        mu, sigma = self._member_predictions(self.estimators_, X, normalized)
        n_test = X.shape[0]
        empty = np.zeros(0, dtype=np.intp)
        n_ranks = max(len(maker(np.zeros((0, 0)), 1.0, empty)[1]) for maker in makers)
        out = np.empty((n_test, len(makers), n_ranks))
        for g, cal_rows in enumerate(self._group_rows):
            test_rows = np.flatnonzero(group_index == g)
            if test_rows.size == 0:
                continue
            weights_t = self._out_of[cal_rows].T  # (n_models, n_g)
            chunk = max(1, _CHUNK_ELEMENTS // max(cal_rows.size, 1))
            for start in range(0, test_rows.size, chunk):
                block = test_rows[start : start + chunk]
                centers = mu[:, block].T @ weights_t
                scales = 1.0
                if normalized:
                    scales = np.maximum(
                        sigma[:, block].T @ weights_t, self.sigma_floor_
                    )
                for m, maker in enumerate(makers):
                    values, ranks = maker(centers, scales, cal_rows)
                    out[block, m, :] = _kth_smallest(values, ranks)
                    del values
        return out

    def _weighted_cross_values(self, X, group_index, test_weights, levels, *requests):
        """Weighted jackknife+ (JAW) bounds over blocks of test rows.

        Each request is (scores, sign): the bound of sign ``+1`` at level
        ``c`` is the smallest ``v`` among ``mu_{-i}(x) + r_i sigma_{-i}(x)``
        (calibration rows ``i`` of the test row's group) whose cumulative
        weight ``sum w_i / (W + w(x))`` reaches ``c``, ``+inf`` when none does
        (the test point's own weight sits at ``+inf``); sign ``-1`` is its
        mirror image, the largest ``v`` among ``mu_{-i}(x) - r_i
        sigma_{-i}(x)`` whose weight from above reaches ``c`` (Prinster et
        al., 2022). Result shape (n_test, n_requests, n_levels).
        """
        normalized = self._score_name == "normalized"
        mu, sigma = self._member_predictions(self.estimators_, X, normalized)
        n_test = X.shape[0]
        out = np.empty((n_test, len(requests), levels.size))
        for g, cal_rows in enumerate(self._group_rows):
            test_rows = np.flatnonzero(group_index == g)
            if test_rows.size == 0:
                continue
            weights_t = self._out_of[cal_rows].T
            w_cal = self._cal_weights[cal_rows]
            chunk = max(1, _CHUNK_ELEMENTS // max(cal_rows.size, 1))
            for start in range(0, test_rows.size, chunk):
                block = test_rows[start : start + chunk]
                centers = mu[:, block].T @ weights_t
                scales = 1.0
                if normalized:
                    scales = np.maximum(
                        sigma[:, block].T @ weights_t, self.sigma_floor_
                    )
                for m, (scores, sign) in enumerate(requests):
                    # the lower bound is minus the upper bound of the negated
                    values = sign * centers + scores[cal_rows] * scales
                    out[block, m, :] = sign * _weighted_upper(
                        values, w_cal, test_weights[block], levels
                    )
        if np.isinf(out).any():
            warnings.warn(
                CalibrationSizeWarning(
                    f"{int(np.isinf(out).any(axis=(1, 2)).sum())} of {n_test} "
                    "test points get an infinite bound: under covariate-shift "
                    "weights their own weight is too large (or their group has "
                    "no calibration point) for coverage "
                    f"{float(levels.max())}, so the exact weighted jackknife+ "
                    "answer is unbounded there. Use more calibration data or a "
                    "lower coverage."
                ),
                stacklevel=3,
            )
        return out

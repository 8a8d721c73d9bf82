"""Conformalized quantile regression (CQR) on any quantile model."""

from __future__ import annotations

from inspect import signature

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.linear_model import QuantileRegressor
from sklearn.utils import check_random_state

from ..quantile.base import quantile_parameter
from ..utils._seeds import derive_seeds, set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
)
from ..utils.crossfit import check_splits
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.validation import (
    check_groups,
    check_n_jobs,
    check_quantile_levels,
    check_sample_weight,
)
from .base import (
    INFINITE_INTERVAL,
    BaseConformal,
    ConformalCalibration,
    calibration_groups,
    check_shift_weights,
    cv_plus_order_statistics,
    cv_plus_rank_lower,
    cv_plus_rank_upper,
    safe_rows,
)

__all__ = ["ConformalQuantileRegressor"]


def _fit_one(estimator, X, y, params):
    return fit_estimator(estimator, X, y, **params)


def _predict_accepts_quantiles(estimator) -> bool:
    try:
        return "quantiles" in signature(estimator.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def _native_levels(estimator):
    """Levels of a multi-quantile model (``quantiles``/``default_quantiles``)."""
    params = estimator.get_params(deep=False)
    for name in ("quantiles", "default_quantiles"):
        levels = params.get(name)
        if levels is not None and np.ndim(levels) == 1 and len(levels) >= 2:
            return np.asarray(levels, dtype=np.float64)
    return None


def _level_parameter(estimator, explicit):
    """Name of the parameter that sets the quantile level of one model."""
    params = estimator.get_params(deep=True)
    if explicit is not None:
        if explicit not in params:
            raise ValueError(
                f"quantile_param={explicit!r} is not a parameter of "
                f"{type(estimator).__name__}."
            )
        return explicit

    # one owner for "which parameter sets the level" (the quantile family's):
    # a ValueError when a quantile parameter exists with a non-quantile loss
    param = quantile_parameter(estimator)
    if param is not None:
        return param
    raise TypeError(
        f"estimator {type(estimator).__name__} is not a quantile model: it has no "
        "predict(X, quantiles=...), no 'quantiles'/'default_quantiles' levels and "
        "no 'quantile' parameter (nor 'alpha' with loss='quantile'); pass "
        "quantile_param to name the parameter that sets the level."
    )


def _check_cv_plus_inputs(groups, shift_weight, weight_function):
    """CQR with CV+ takes no Mondrian groups and no covariate-shift weights."""
    if groups is not None:
        raise ValueError(
            "groups (Mondrian calibration) need method='split': CV+ mixes every "
            "fold's model in each bound, and no per-group form of CQR with CV+ "
            "with a proven guarantee is implemented here."
        )
    if shift_weight is not None or weight_function is not None:
        raise ValueError(
            "covariate-shift weights (shift_weight, weight_function) need "
            "method='split': weighted CV+ has no finite-sample guarantee for "
            "K-fold CV+ (Prinster et al. 2022 prove it for the jackknife+ only)."
        )


class ConformalQuantileRegressor(RegressorMixin, BaseConformal):
    """Conformalized quantile regression: calibrated quantile intervals.

    Fits a lower and an upper conditional quantile and widens (or narrows)
    both by the conformal quantile of ``max(q_lo(x) - y, y - q_hi(x))`` on a
    calibration set, so that :meth:`predict_interval` covers with
    probability at least ``coverage`` while keeping the quantile model's
    adaptive width (Romano et al., 2019). Any coverage can be asked at
    predict time without refitting: the calibration is redone on stored
    calibration predictions, with the fitted levels closest to
    ``(1 - coverage) / 2`` and ``(1 + coverage) / 2``.

    Parameters
    ----------
    estimator : quantile regressor, default=None
        One of: a model whose ``predict(X, quantiles=...)`` takes levels (a
        quantile forest, asked for ``quantile_levels``); a multi-quantile
        model with ``quantiles`` or ``default_quantiles`` levels whose
        ``predict(X)`` returns one column per level; or a single-quantile
        regressor with a ``quantile`` parameter (or ``alpha`` with
        ``loss="quantile"``/``objective="quantile"``), cloned once per level.
        ``None`` uses :class:`~sklearn.linear_model.QuantileRegressor` with
        ``alpha=0``.
    coverage : float, default=0.9
        Default nominal coverage in (0, 1). With fewer than
        ``coverage / (1 - coverage)`` calibration points (per group) the exact
        conformal interval is ``(-inf, inf)``, returned with a
        :class:`CalibrationSizeWarning`.
    method : {"split", "cv_plus"}, default="split"
        ``"split"``: fit on ``1 - calibration_size`` of the rows, calibrate on
        the rest. ``"cv_plus"``: one model (per level) per fold of ``cv``,
        every row scored by the fold model that did not see it, CV+ intervals
        (see Notes); no ``groups`` or covariate-shift weights.
    cv : int, cross-validation generator or iterable, default=5
        Folds of ``method="cv_plus"``: an int gives shuffled
        :class:`~sklearn.model_selection.KFold` folds seeded from
        ``random_state`` (:func:`skvariance.utils.crossfit.check_splits`); the
        test folds must partition the rows.
    quantile_levels : array-like of float, default=None
        Levels fitted (or requested) from the quantile model, strictly
        increasing in (0, 1); ``None`` gives ``((1 - coverage) / 2,
        (1 + coverage) / 2)``. Give the pairs of every coverage you will ask
        for (for example ``(0.025, 0.05, 0.1, 0.9, 0.95, 0.975)``) to get
        their own quantile curves from one fit. Ignored for multi-quantile
        models with fixed levels, whose levels are used.
    quantile_param : str, default=None
        The estimator's level parameter, when not found automatically.
    calibration_size : float or int, default=0.25
        Share or number of rows held out for calibration.
    weight_function : callable or object with ``predict``, default=None
        Covariate-shift weights (weighted conformal prediction), as in
        :class:`ConformalRegressor`.
    n_jobs : int, default=None
        Per-level models fitted in parallel; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the models' own seeds.
    verbose : int, default=0
        Progress of the per-level models: ``0`` prints nothing; ``1`` and more print
        joblib's progress messages. Results do not depend on it.

    Attributes
    ----------
    estimators_ : list
        ``"split"``: one model per level, or a single multi-quantile model.
        ``"cv_plus"``: one such list per fold.
    quantile_levels_ : ndarray of shape (n_levels,)
        Levels available to the calibration.
    calibration_indices_ : ndarray of int
        Rows that calibrate: the held-out rows (``"split"``), every row
        (``"cv_plus"``, :meth:`conformalize`).
    groups_ : ndarray or None
        Mondrian groups seen at fit.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    ConformalRegressor : intervals from a point predictor.

    Notes
    -----
    MAPIE's ``ConformalizedQuantileRegressor`` refits three models for every
    new confidence level; here one fit serves all of them.

    With ``method="cv_plus"`` the CQR scores [1]_ of the out-of-fold
    predictions, ``E_i = max(q_lo^{-k(i)}(x_i) - y_i, y_i - q_hi^{-k(i)}(x_i))``,
    enter Barber et al.'s CV+ [2]_: the lower bound at ``x`` is the
    ``floor(alpha (n + 1))``-th smallest of ``q_lo^{-k(i)}(x) - E_i`` and the
    upper bound the ``ceil((1 - alpha)(n + 1))``-th smallest of
    ``q_hi^{-k(i)}(x) + E_i`` over the ``n`` rows (infinite when the rank
    falls outside ``1..n``, with a :class:`CalibrationSizeWarning`). The
    CV+ argument holds for any nested family of intervals such as CQR's [3]_:
    coverage is at least ``1 - 2 alpha`` up to the K-fold term of [2]_
    (Theorem 4; at most ``sqrt(2 / n)``), and close to ``1 - alpha`` in
    practice, with no row spent on calibration only. The order statistics
    come from the same numba kernel as :class:`ConformalRegressor`'s CV+,
    without an ``n_test x n`` matrix.

    References
    ----------
    .. [1] Romano, Y., Patterson, E. and Candes, E. J. "Conformalized
       Quantile Regression", NeurIPS 2019.
    .. [2] Barber, R. F., Candes, E. J., Ramdas, A. and Tibshirani, R. J.
       "Predictive inference with the jackknife+", Annals of Statistics 2021.
    .. [3] Gupta, C., Kuchibhotla, A. K. and Ramdas, A. "Nested conformal
       prediction and quantile out-of-bag ensemble methods", Pattern
       Recognition 2022.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skvariance.calibration import ConformalQuantileRegressor
    >>> X, y = make_regression(n_samples=200, n_features=2, noise=5.0, random_state=0)
    >>> cqr = ConformalQuantileRegressor(coverage=0.8, random_state=0).fit(X, y)
    >>> cqr.predict_interval(X[:3]).shape
    (3, 2)
    >>> cqr.predict_interval(X[:3], coverage=[0.5, 0.8, 0.9]).shape
    (3, 2, 3)
    >>> cv = ConformalQuantileRegressor(method="cv_plus", cv=5, random_state=0)
    >>> cv.fit(X, y).predict_interval(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "method": [StrOptions({"split", "cv_plus"})],
        "cv": ["cv_object"],
        "quantile_levels": ["array-like", None],
        "quantile_param": [str, None],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "weight_function": [callable, HasMethods(["predict"]), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        coverage: float = 0.9,
        method: str = "split",
        cv=5,
        quantile_levels=None,
        quantile_param: str | None = None,
        calibration_size: float | int = 0.25,
        weight_function=None,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.coverage = coverage
        self.method = method
        self.cv = cv
        self.quantile_levels = quantile_levels
        self.quantile_param = quantile_param
        self.calibration_size = calibration_size
        self.weight_function = weight_function
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _default_estimator(self):
        return QuantileRegressor(alpha=0.0, solver="highs")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, groups=None, sample_weight=None, shift_weight=None, **fit_params
    ):
        """Fit the quantile model(s) and store calibration predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups: one calibration per group.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to the quantile model(s); not used by the calibration.
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the rows.
        **fit_params : dict
            Other metadata for the estimator (metadata routing enabled).

        Returns
        -------
        self : ConformalQuantileRegressor
        """
        check_n_jobs(self.n_jobs)
        X, y = self._validate_fit(X, y)
        n = X.shape[0]
        if groups is not None:
            groups = check_groups(groups, n)
        if shift_weight is not None:
            shift_weight = check_shift_weights(
                shift_weight, n, name="shift_weight", positive_sum=True
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(np.asarray(sample_weight), X)
        if self.method == "cv_plus":
            _check_cv_plus_inputs(groups, shift_weight, self.weight_function)
        estimator = self._base_estimator()
        kind, levels, name = self._model_kind(estimator)
        params = self._fit_params(estimator, sample_weight, fit_params)
        rng = check_random_state(self.random_state)
        if self.method == "cv_plus":
            self._fit_cv_plus(estimator, (kind, levels, name), X, y, params, rng)
            return self
        train, cal = self._split_indices(n, rng)
        groups_cal = calibration_groups(groups, cal)
        X_cal = safe_rows(X, cal)
        # checked (a positive total weight) before any model is fitted
        cal_weights = self._calibration_weights(
            X_cal, None if shift_weight is None else shift_weight[cal]
        )
        X_train, y_train = safe_rows(X, train), y[train]
        train_params = self._subset_params(X, params, train)
        if kind == "per_level":
            seeds = derive_seeds(rng, levels.size)
            members = [
                set_random_state(clone(estimator), int(seed)).set_params(
                    **{name: float(level)}
                )
                for seed, level in zip(seeds, levels)
            ]
            self.estimators_ = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_fit_one)(m, X_train, y_train, train_params) for m in members
            )
        else:
            seed = int(derive_seeds(rng, 1)[0])
            model = set_random_state(clone(estimator), seed)
            self.estimators_ = [model.fit(X_train, y_train, **train_params)]
            fitted_levels = getattr(model, "quantiles_", None)
            if kind == "fixed" and fitted_levels is not None:
                levels = np.asarray(fitted_levels, dtype=np.float64)
        self._kind = kind
        self.quantile_levels_ = levels
        self._calibrate_split(X_cal, y[cal], groups_cal, cal_weights)
        self.calibration_indices_ = cal
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def conformalize(self, X_cal, y_cal, *, groups=None, shift_weight=None):
        """Calibrate an already fitted quantile ``estimator`` on ``(X_cal, y_cal)``.

        Split CQR with a model fitted elsewhere (MAPIE's ``prefit=True``
        followed by ``conformalize``): ``estimator`` is used as it is -- never
        cloned, refitted or modified -- and every row of ``X_cal`` is a
        calibration row (no split: ``calibration_size`` is not used). It must
        give several levels from one fitted object: a model whose
        ``predict(X, quantiles=...)`` takes ``quantile_levels`` (a quantile
        forest), or a multi-quantile model with fitted levels
        (``quantiles_``, or its ``quantiles`` / ``default_quantiles``) such
        as :class:`~skvariance.quantile.MultiQuantileRegressor`. A
        single-quantile regressor gives one level and is refused. Afterwards
        :meth:`predict_interval` works as after :meth:`fit`, at any coverage.

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
            Covariate-shift weights of the calibration rows.

        Returns
        -------
        self : ConformalQuantileRegressor
            Calibrated; ``estimators_`` is ``[estimator]``.

        Raises
        ------
        ValueError
            When ``method`` is not ``"split"``, ``estimator`` is ``None`` or
            a single-quantile model, or the data are invalid.
        sklearn.exceptions.NotFittedError
            When ``estimator`` is not fitted.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import QuantileRegressor
        >>> from skvariance.calibration import ConformalQuantileRegressor
        >>> from skvariance.quantile import MultiQuantileRegressor
        >>> X, y = make_regression(n_samples=300, n_features=2, noise=5.0,
        ...                        random_state=0)
        >>> model = MultiQuantileRegressor(
        ...     QuantileRegressor(alpha=0.0), quantiles=[0.05, 0.95]
        ... ).fit(X[:200], y[:200])
        >>> cqr = ConformalQuantileRegressor(model, coverage=0.9)
        >>> cqr = cqr.conformalize(X[200:], y[200:])
        >>> cqr.estimators_[0] is model, cqr.predict_interval(X[:2]).shape
        (True, (2, 2))
        """
        return self._conformalize(X_cal, y_cal, groups, shift_weight)

    def _calibrate_prefit(self, estimator, X_cal, y_cal, groups_cal, weights):
        kind, levels, _ = self._model_kind(estimator)
        if kind == "per_level":
            raise ValueError(
                f"conformalize needs one fitted model of several quantile levels; "
                f"estimator {type(estimator).__name__} predicts a single level. "
                "Fit a multi-quantile model (for example MultiQuantileRegressor "
                "or a quantile forest) and pass it, or call fit(X, y)."
            )
        fitted_levels = getattr(estimator, "quantiles_", None)
        if kind == "fixed" and fitted_levels is not None:
            levels = np.asarray(fitted_levels, dtype=np.float64)
        self.estimators_ = [estimator]
        self._kind = kind
        self.quantile_levels_ = levels
        self._calibrate_split(X_cal, y_cal, groups_cal, weights)

    def _model_kind(self, estimator):
        """How the quantile model gives its levels: (kind, levels, parameter)."""
        if self.quantile_levels is None:
            half = (1.0 - self.coverage) / 2.0
            requested = np.array([half, 1.0 - half])
        else:
            requested = check_quantile_levels(
                self.quantile_levels, name="quantile_levels"
            )
            if not (requested.min() < 0.5 < requested.max()):
                raise ValueError(
                    "quantile_levels needs a level below 0.5 and one above, got "
                    f"{requested.tolist()}."
                )
        native = _native_levels(estimator)
        if native is not None:
            # fixed levels first: a multi-quantile model whose predict also
            # takes quantiles may only know the levels it was fitted at
            if not (native.min() < 0.5 < native.max()):
                raise ValueError(
                    f"the estimator's levels {native.tolist()} need one below 0.5 "
                    "and one above."
                )
            return "fixed", native, None
        if _predict_accepts_quantiles(estimator):
            return "request", requested, None
        return "per_level", requested, _level_parameter(estimator, self.quantile_param)

    def _calibrate_split(self, X_cal, y_cal, groups_cal, cal_weights):
        """Calibrate the fitted quantile model(s) ``estimators_`` on ``X_cal``."""
        self._fold_of = None
        self._cal_pred = self._base_quantiles(X_cal)
        self._y_cal = y_cal
        self._groups_cal = groups_cal
        self._cal_weights = cal_weights
        self.groups_ = None if groups_cal is None else groups_cal[0]
        # sorted scores of the (low, high) model pair of the default coverage,
        # kept for every predict call that uses that pair
        self._pair_calibrations = {}
        lo, hi = self._pair(self.coverage)
        self.calibration_ = self._calibration(lo, hi)
        self._pair_calibrations[lo, hi] = self.calibration_

    def _fit_cv_plus(self, estimator, model_kind, X, y, params, rng):
        """CQR with CV+: fold models and their out-of-fold quantile predictions."""
        kind, levels, name = model_kind
        n = X.shape[0]
        splits = check_splits(self.cv, X, y, int(derive_seeds(rng, 1)[0]))
        per_fold = levels.size if kind == "per_level" else 1
        seeds = derive_seeds(rng, len(splits) * per_fold).reshape(len(splits), -1)
        jobs = []
        for (train, _), fold_seeds in zip(splits, seeds):
            for j, seed in enumerate(fold_seeds):
                member = set_random_state(clone(estimator), int(seed))
                if kind == "per_level":
                    member.set_params(**{name: float(levels[j])})
                jobs.append((member, train))
        fitted = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fit_one)(
                m, safe_rows(X, tr), y[tr], self._subset_params(X, params, tr)
            )
            for m, tr in jobs
        )
        self.estimators_ = [
            fitted[k * per_fold : (k + 1) * per_fold] for k in range(len(splits))
        ]
        fitted_levels = getattr(fitted[0], "quantiles_", None)
        if kind == "fixed" and fitted_levels is not None:
            levels = np.asarray(fitted_levels, dtype=np.float64)
        self._kind = kind
        self.quantile_levels_ = levels
        self._cal_pred = np.empty((n, levels.size))
        self._fold_of = np.empty(n, dtype=np.intp)
        for k, (_, test) in enumerate(splits):
            self._cal_pred[test] = self._base_quantiles(
                safe_rows(X, test), self.estimators_[k]
            )
            self._fold_of[test] = k
        self._y_cal = y
        self._groups_cal = self._cal_weights = self.groups_ = None
        self.calibration_indices_ = np.arange(n)
        self._pair_calibrations = {}
        # the scores of the default pair: their count decides infinite bounds
        self.calibration_ = self._calibration(*self._pair(self.coverage))

    def _cv_plus_interval(self, X, levels):
        """CV+ CQR bounds, shape (n_samples, 2, n_levels).

        Lower: the ``floor(alpha (n + 1))``-th smallest of
        ``q_lo^{-k(i)}(x) - E_i``; upper: the ``ceil((1 - alpha)(n + 1))``-th
        smallest of ``q_hi^{-k(i)}(x) + E_i`` (Romano et al.'s scores ``E_i``
        of the out-of-fold predictions, Barber et al.'s CV+).
        """
        # (n_test, n_levels, K): every fold model at every test row
        fold_pred = np.stack(
            [self._base_quantiles(X, members) for members in self.estimators_], axis=2
        )
        n = self._y_cal.size
        fold_ptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self._fold_of, minlength=fold_pred.shape[2]))]
        ).astype(np.int64)
        ones = np.ones(fold_pred[:, 0, :].shape)
        out = np.empty((X.shape[0], 2, levels.size))
        pairs = {}
        for k, level in enumerate(levels):
            pairs.setdefault(self._pair(level), []).append(k)
        for (lo, hi), ks in pairs.items():
            scores = np.maximum(
                self._cal_pred[:, lo] - self._y_cal, self._y_cal - self._cal_pred[:, hi]
            )
            sorted_res = scores[np.lexsort((scores, self._fold_of))]
            for side, (col, sign, rank) in enumerate(
                [(lo, -1, cv_plus_rank_lower), (hi, 1, cv_plus_rank_upper)]
            ):
                out[:, side, ks] = cv_plus_order_statistics(
                    sorted_res,
                    fold_ptr,
                    np.ascontiguousarray(fold_pred[:, col, :]),
                    ones,
                    sign,
                    [rank(float(levels[k]), n) for k in ks],
                )
        return out

    def _model_quantiles(self, X):
        """The quantile model's predictions (CV+: the mean of the fold models)."""
        if self._fold_of is None:
            return self._base_quantiles(X)
        return np.mean([self._base_quantiles(X, m) for m in self.estimators_], axis=0)

    def _base_quantiles(self, X, members=None):
        """Predictions of the quantile model(s), shape (n_samples, n_levels)."""
        members = self.estimators_ if members is None else members
        if self._kind == "per_level":
            cols = [np.asarray(m.predict(X), dtype=np.float64) for m in members]
            pred = np.column_stack([c.reshape(-1) for c in cols])
        elif self._kind == "request":
            pred = members[0].predict(
                X, quantiles=[float(q) for q in self.quantile_levels_]
            )
        else:
            pred = members[0].predict(X)
        pred = np.asarray(pred, dtype=np.float64)
        if pred.ndim != 2 or pred.shape[1] != self.quantile_levels_.size:
            raise ValueError(
                f"the quantile model returned predictions of shape {pred.shape}; "
                f"expected (n_samples, {self.quantile_levels_.size})."
            )
        if np.isnan(pred).any():
            raise ValueError("the quantile model returned NaN predictions.")
        return pred

    def _pair(self, level):
        """Columns of the levels closest to (1 - level)/2 and (1 + level)/2."""
        q = self.quantile_levels_
        low_target, high_target = (1.0 - level) / 2.0, (1.0 + level) / 2.0
        below = np.flatnonzero(q < 0.5)
        above = np.flatnonzero(q > 0.5)
        lo = below[np.argmin(np.abs(q[below] - low_target))]
        hi = above[np.argmin(np.abs(q[above] - high_target))]
        return lo, hi

    def _calibration(self, lo, hi):
        """Calibration of the scores of the quantile columns ``lo`` and ``hi``."""
        scores = np.maximum(
            self._cal_pred[:, lo] - self._y_cal, self._y_cal - self._cal_pred[:, hi]
        )
        return ConformalCalibration(scores, self._groups_cal, self._cal_weights)

    def predict(self, X):
        """Midpoint of the calibrated interval at ``coverage``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._check_predict(X)
        pred = self._model_quantiles(X)
        lo, hi = self._pair(self.coverage)
        return (pred[:, lo] + pred[:, hi]) / 2.0

    def predict_quantiles(self, X):
        """Uncalibrated predictions of the quantile model at ``quantile_levels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_levels)
        """
        X = self._check_predict(X)
        return self._model_quantiles(X)

    def predict_interval(self, X, coverage=None, groups=None, shift_weight=None):
        """Conformalized quantile intervals at one or several coverages.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1); ``None`` uses ``self.coverage``.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points (when fitted with groups).
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            ``(-inf, inf)`` for a level too high for the calibration set (or
            the test point's group), with a :class:`CalibrationSizeWarning`.
        """
        X = self._check_predict(X)
        levels = self._levels(coverage)
        if self._fold_of is not None:
            if groups is not None or shift_weight is not None:
                raise ValueError(
                    "groups and shift_weight need method='split'; this "
                    "ConformalQuantileRegressor was fitted with method='cv_plus'."
                )
            self.calibration_.warn_infinite(levels, consequence=INFINITE_INTERVAL)
            out = self._cv_plus_interval(X, levels)
            return out[:, :, 0] if np.ndim(coverage) == 0 else out
        pred = self._base_quantiles(X)
        group_index = self.calibration_.group_index(groups, X.shape[0])
        # every model pair has the same calibration rows: one check, one warning
        self.calibration_.warn_infinite(
            levels, group_index, consequence=INFINITE_INTERVAL
        )
        weights = self._test_weights(X, shift_weight)
        out = np.empty((X.shape[0], 2, levels.size))
        # levels that share a model pair share its sorted scores (fit's pair is
        # never re-sorted; any other is sorted once per call)
        calibrations = dict(self._pair_calibrations)
        for k, level in enumerate(levels):
            lo, hi = self._pair(level)
            if (lo, hi) not in calibrations:
                calibrations[lo, hi] = self._calibration(lo, hi)
            calibration = calibrations[lo, hi]
            q = calibration.quantiles([level], group_index, weights)[:, 0]
            out[:, 0, k] = pred[:, lo] - q
            out[:, 1, k] = pred[:, hi] + q
        return out[:, :, 0] if np.ndim(coverage) == 0 else out

"""Feasible weighted least squares for any regressor that takes weights."""

from __future__ import annotations

import warnings

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
)
from ..utils.intervals import predict_gaussian_interval
from ..utils.metadata import sample_weight_params
from ..utils.validation import (
    check_n_jobs,
    check_sample_weight,
    num_samples,
    passthrough_tags,
    validate_passthrough,
)
from ._density_ratio import effective_sample_size
from .base import (
    build_router,
    check_splits,
    cross_fit_predict,
    derive_seed,
    fill_doc,
    fit_with_weights,
    route_fit_params,
    smooth_regressor,
)

__all__ = ["InverseVarianceRegressor", "LOG_CHI2_BIAS", "WEIGHT_POWERS"]

#: -E[log chi^2_1] = -(digamma(1/2) + log 2): for Gaussian noise
#: E[log r^2] = log sigma^2 - LOG_CHI2_BIAS.
LOG_CHI2_BIAS = 1.2703628454614782

#: The powers ``p`` of the weights :math:`(1/\\hat\\sigma^2)^p` among which
#: ``weight_power="auto"`` chooses by cross-fitted error: 0 is the unweighted
#: fit, 1 full inverse-variance weighting.
WEIGHT_POWERS = (0.0, 0.5, 1.0)

#: A warning is raised when the effective sample size of the final weights is
#: below this fraction of the (user-weighted) effective sample size.
DEGENERATE_ESS_FRACTION = 0.05


def _mean_one(weights):
    """Weights rescaled to mean 1: the one normalisation of every mean fit.

    The weights given to the mean model (every cross-fitting round, the
    candidate powers and the final refit) go through this function, so they
    carry no units of ``y``: a regularised mean model (ridge penalty, minimum
    leaf weight) sees the same problem for ``y`` and ``1000 * y``.
    """
    if weights is None:
        return None
    return weights / np.mean(weights)


class InverseVarianceRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Feasible weighted least squares for any regressor with ``sample_weight``.

    The mean model is fitted, its **cross-fitted** (out-of-fold, never
    in-sample) residuals :math:`r_i` are modelled by a variance model of
    :math:`x`, and the mean model is refitted with weights
    :math:`1/\\hat\\sigma^2(x_i)`; this is repeated ``n_iter`` times. With a
    linear mean model this is feasible generalised least squares; with any
    other regressor it is its inverse-variance weighted fit.

    Parameters
    ----------
    estimator : regressor, default=None
        The mean model; its ``fit`` (or, for a Pipeline, its final step's)
        must accept ``sample_weight``, otherwise a ``TypeError`` is raised.
        ``None`` uses :class:`~sklearn.linear_model.LinearRegression`: FWLS is
        classically a linear method, where the efficiency gain of the weights
        is exact (Aitken) and no tuning hides it; pass any flexible regressor
        for non-linear means. Cloned, never modified.
    variance_estimator : regressor, default=None
        Model of the transformed residuals as a function of ``x``. ``None``
        uses additive cubic splines (5 knots per feature,
        :class:`~sklearn.preprocessing.SplineTransformer`) with a ridge
        penalty chosen by leave-one-out (:class:`~sklearn.linear_model.RidgeCV`):
        non-linear but smooth, as the log of a squared residual is very noisy
        (variance :math:`\\pi^2/2` for Gaussian noise), deterministic, and
        fast (no OpenMP threads competing with the cross-fitting workers).
        Pass a boosted or forest model for interactions; it must accept
        ``sample_weight`` when ``fit`` is given one.
    variance_target : {"log", "absolute"}, default="log"
        What the variance model is fitted on, and the bias correction that
        turns its prediction :math:`g(x)` into a variance (see Notes):
        ``"log"``: :math:`\\log r^2`, :math:`\\hat\\sigma^2 = e^{g + 1.2704}`;
        ``"absolute"``: :math:`|r|`, :math:`\\hat\\sigma^2 = (\\pi/2) g^2`.
        There is no ``"squared"`` target (a least-squares model of
        :math:`r^2`): it predicts near-zero or negative variances where the
        noise is small, which gave held-out mean :math:`z^2` of 2 to 43
        where 1 is calibrated.
    {cv}
    n_iter : int, default=2
        Number of rounds of (cross-fitted residuals -> variance model ->
        weights); the first round uses the unweighted (or user-weighted) mean
        model, later rounds the previous round's weights. The final mean
        model is fitted once more on all rows with the last weights.
    weight_power : "auto" or float in [0, 1], default="auto"
        The mean model is fitted with weights
        :math:`(1/\\hat\\sigma^2(x_i))^p`. ``p = 1`` is feasible weighted
        least squares, ``p = 0`` the unweighted fit, values in between temper
        the weights. ``"auto"`` chooses ``p`` among ``WEIGHT_POWERS``
        ``(0, 0.5, 1)`` in every round from the cross-fitted mean fits with
        each power: among the powers whose cross-fitted squared errors are
        not above the unweighted fit's by more than two standard errors,
        the one with the smallest cross-fitted Gaussian negative
        log-likelihood under the round's variance model (the mean of
        :math:`(y_i - \\hat f_{-i}(x_i))^2/\\hat\\sigma^2(x_i)`). With a
        flexible mean model (forests, boosting) full weights can concentrate
        on a few low-noise rows and fit worse than no weights; with a linear
        mean and truly heteroscedastic noise ``p = 1`` wins. ``"auto"`` costs
        two extra cross-fits per round.
    variance_floor : float, default=1e-3
        Predicted variances below ``variance_floor`` times the mean squared
        cross-fitted residual are raised to it, so no row gets an unbounded
        weight. The absolute floor is stored in ``variance_floor_`` and
        the number of floored training rows in ``n_floored_``.
    {n_jobs}
    {random_state}

    Attributes
    ----------
    estimator_ : regressor
        The mean model refitted on all rows with ``weights_``.
    variance_estimator_ : regressor or None
        The variance model of the last round, fitted on all rows' cross-fitted
        residuals. ``None`` when those residuals are all zero (to rounding):
        ``y`` is predicted exactly, there is no noise to model, the weights
        are the user's (or uniform) and the predicted std is 0.
    weights_ : ndarray of shape (n_samples,)
        Final fitting weights: user ``sample_weight`` (or 1) times
        :math:`(1/\\hat\\sigma^2(x_i))^p`, rescaled to mean 1 (as are the
        weights of every cross-fitting round, so nothing depends on the
        units of ``y`` or of ``sample_weight``).
    weight_power_ : float
        The power :math:`p` of the final weights (``weight_power``, or the
        one chosen by ``"auto"`` in the last round).
    weight_power_scores_ : dict
        With ``weight_power="auto"``: for each candidate power of the last
        round, its cross-fitted ``"mse"`` and ``"nll"`` (see
        ``weight_power``); empty otherwise, or when there was no noise to
        model.
    effective_sample_size_ : float
        Kish's effective sample size :math:`(\\sum w)^2/\\sum w^2` of
        ``weights_``. A ``UserWarning`` is raised when it is below 5% of that
        of the user's weights (of ``n_samples`` without them): the fit then
        rests on a few rows.
    variance_bounds_ : tuple of float
        ``(low, high)``: the smallest and largest (floored) variance the
        variance model predicted for the training rows. ``predict_variance``
        clips to this range, so :math:`\\hat\\sigma(x)` never leaves the
        range the cross-fitted residuals supported, inside a gap in ``x`` or
        beyond the training range.
    residuals_ : ndarray of shape (n_samples,)
        Cross-fitted residuals of the last round.
    variance_floor_ : float
        The absolute variance floor.
    n_floored_ : int
        Training rows whose predicted variance was raised to the floor in the
        last round.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    InverseVarianceEnsembleRegressor : inverse-variance weights across models.
    statsmodels.regression.linear_model.WLS : weighted least squares, linear only.

    Notes
    -----
    For Gaussian noise :math:`r = \\sigma \\varepsilon`:
    :math:`E|r| = \\sigma\\sqrt{2/\\pi}` (so taking :math:`|r|` as
    :math:`\\sigma` is about 20% too narrow) and
    :math:`E \\log r^2 = \\log\\sigma^2 + \\psi(1/2) + \\log 2 =
    \\log\\sigma^2 - 1.2704`; the corrections above undo exactly these biases.
    They are exact for Gaussian noise only.

    Cross-fitted residuals include the out-of-sample error of the mean model
    fitted on :math:`(k-1)/k` of the rows, so :math:`\\hat\\sigma^2(x)`
    estimates the variance of :math:`y - \\hat f(x)` for a new point, slightly
    above the pure noise variance.

    ``predict(X, return_std=True)`` returns that :math:`\\hat\\sigma(x)`: the
    spread of :math:`y` around the prediction at :math:`x`, the scale a
    normalised conformal score divides by. It is bounded by what the
    residuals support: :math:`\\hat\\sigma^2(x)` is clipped to
    ``variance_bounds_``, the range of the (floored) variances the variance
    model predicted for the training rows. A flexible variance model is
    otherwise free to extrapolate without bound into a gap of the training
    ``x`` (on the Engel food-expenditure data, with no income between 2,823 and
    4,958, the unclipped spline model's :math:`\\hat\\sigma` reached 18,600
    inside the gap, nine times its largest value on any training row).

    The weights given to the mean model are rescaled to mean 1 in every
    round: with a regularised mean model (ridge penalty, boosting's
    minimum leaf weight) raw :math:`1/\\hat\\sigma^2` weights would change
    the effective penalty with the units of ``y``. With the rescaling,
    fitting ``1000 * y`` gives 1000 times the predictions and the std.

    User ``sample_weight`` multiplies the inverse-variance weights of the
    mean model and is given to the variance model as its ``sample_weight``.

    References
    ----------
    .. [1] Carroll, R. J. and Ruppert, D. "Transformation and Weighting in
       Regression", Chapman and Hall, 1988.
    .. [2] Min, Y., Wang, T., Zhou, D. and Gu, Q. "Variance-Aware Off-Policy
       Evaluation with Linear Function Approximation" / "Regularization and
       Variance-Weighted Regression Achieves Minimax Optimality in Linear
       MDPs", 2021 and 2023.

    Examples
    --------
    >>> from skvariance.datasets import make_heteroscedastic_regression
    >>> from skvariance.weighting import InverseVarianceRegressor
    >>> X, y, sigma = make_heteroscedastic_regression(300, 2, random_state=0)
    >>> reg = InverseVarianceRegressor(random_state=0).fit(X, y)
    >>> mean, std = reg.predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    >>> bool(abs(reg.predict(X, return_std=True)[1].mean() / sigma.mean() - 1) < 0.3)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "variance_estimator": [HasMethods(["fit", "predict"]), None],
        "variance_target": [StrOptions({"log", "absolute"})],
        "cv": ["cv_object"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "weight_power": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
        "variance_floor": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        variance_estimator=None,
        variance_target: str = "log",
        cv=5,
        n_iter: int = 2,
        weight_power="auto",
        variance_floor: float = 1e-3,
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.estimator = estimator
        self.variance_estimator = variance_estimator
        self.variance_target = variance_target
        self.cv = cv
        self.n_iter = n_iter
        self.weight_power = weight_power
        self.variance_floor = variance_floor
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _estimators(self):
        mean = LinearRegression() if self.estimator is None else self.estimator
        var = (
            smooth_regressor()
            if self.variance_estimator is None
            else self.variance_estimator
        )
        return mean, var

    def __sklearn_tags__(self):
        # X reaches the mean and variance models as given
        return passthrough_tags(super().__sklearn_tags__(), self._estimators())

    def get_metadata_routing(self):
        """Routing of ``fit`` metadata to the mean and the variance model.

        Returns
        -------
        routing : MetadataRouter
            ``estimator`` and ``variance_estimator`` get what they request
            for ``fit``; ``sample_weight`` is consumed here (it multiplies the
            inverse-variance weights).
        """
        mean, var = self._estimators()
        return build_router(self, estimator=mean, variance_estimator=var)

    def _transform_target(self, residuals, scale):
        if self.variance_target == "log":
            # a residual of exactly zero has log -inf; 1e-12 of the mean
            # squared residual is far below any floor and keeps it finite
            return np.log(residuals**2 + 1e-12 * scale)
        return np.abs(residuals)

    def _to_variance(self, g):
        if self.variance_target == "log":
            return np.exp(np.minimum(g + LOG_CHI2_BIAS, 700.0))
        return (np.pi / 2.0) * g**2

    @staticmethod
    def _choose_power(y, candidates, variance, user_sw):
        """The power of the weights, from the candidates' cross-fitted means.

        Returns the chosen power and, per power, its cross-fitted mean
        squared error ``"mse"`` and Gaussian negative log-likelihood under
        the round's variance model up to constants, :math:`\\text{mean}\\,
        (y - \\hat f)^2/\\hat\\sigma^2` (``"nll"``). A power is admissible
        when its squared errors exceed the unweighted fit's by at most two
        standard errors of the paired mean difference; the admissible power
        with the smallest ``"nll"`` is chosen (ties to the smaller power).
        """
        w = np.ones(len(y)) if user_sw is None else user_sw
        sq0 = (y - candidates[0.0]) ** 2
        scores, admissible = {}, []
        for p, oof in candidates.items():
            sq = (y - oof) ** 2
            diff = sq - sq0
            mean_diff = np.average(diff, weights=w)
            n_eff = w.sum() ** 2 / np.sum(w**2)
            se = np.sqrt(np.average((diff - mean_diff) ** 2, weights=w) / n_eff)
            scores[p] = {
                "nll": float(np.average(sq / variance, weights=w)),
                "mse": float(np.average(sq, weights=w)),
            }
            if mean_diff <= 2.0 * se:
                admissible.append(p)
        power = min(admissible, key=lambda p: (scores[p]["nll"], p))
        return power, scores

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the mean model with inverse-variance weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN or infinity raise a ``ValueError``.
        y : array-like of shape (n_samples,)
            Target values; a constant ``y`` raises a ``ValueError`` (there is
            no variance to model).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; they multiply the inverse-variance weights.
        **fit_params : dict
            Other metadata for ``estimator`` / ``variance_estimator``; only
            with metadata routing enabled.

        Returns
        -------
        self : InverseVarianceRegressor
            The fitted estimator.
        """
        check_n_jobs(self.n_jobs)
        X, y = validate_passthrough(self, X, y)
        user_sw = (
            None
            if sample_weight is None
            else check_sample_weight(np.asarray(sample_weight), X)
        )
        mean_model, var_model = self._estimators()
        routed = route_fit_params(self, ("estimator", "variance_estimator"), fit_params)
        ones = np.ones(len(y))
        # fail before any fitting if either model cannot take weights
        sample_weight_params(mean_model, ones, name="estimator")
        if user_sw is not None:
            sample_weight_params(var_model, ones, name="variance_estimator")

        rng = check_random_state(self.random_state)
        mean_model = set_random_state(clone(mean_model), derive_seed(rng))
        var_model = set_random_state(clone(var_model), derive_seed(rng))
        splits = check_splits(self.cv, X, y, derive_seed(rng))
        if np.ptp(y) == 0:
            raise ValueError(
                f"y is constant (every value is {y[0]!r}): there is no noise "
                "variance to model; InverseVarianceRegressor needs a varying y."
            )
        powers = WEIGHT_POWERS if self.weight_power == "auto" else (self.weight_power,)
        base = ones if user_sw is None else user_sw

        def cross_fit(weights):
            return cross_fit_predict(
                mean_model,
                X,
                y,
                splits,
                sample_weight=_mean_one(weights),
                fit_params=routed["estimator"],
                n_jobs=self.n_jobs,
            )

        # the first round fits the mean model with the user's weights only
        oof = cross_fit(user_sw)
        unweighted_oof = oof
        power, scores = 0.0, {}
        for _ in range(self.n_iter):
            residuals = y - oof
            scale = float(np.average(residuals**2, weights=user_sw))
            if not scale > np.finfo(float).eps * np.mean((y - np.mean(y)) ** 2):
                # y is predicted exactly out of fold: there is no noise to
                # model, and any weights give the same exact fit
                variance, floor, variance_model = None, 0.0, None
                power, scores = 0.0, {}
                self.n_floored_ = 0
                break
            floor = self.variance_floor * scale
            variance_model = clone(var_model)
            fit_with_weights(
                variance_model,
                X,
                self._transform_target(residuals, scale),
                user_sw,
                routed["variance_estimator"],
                name="variance_estimator",
            )
            variance = self._to_variance(variance_model.predict(X))
            self.n_floored_ = int(np.sum(~(variance >= floor)))
            variance = np.maximum(variance, floor)
            # each candidate power's cross-fitted mean; the chosen one gives
            # the next round's residuals
            candidates = {
                p: unweighted_oof if p == 0 else cross_fit(base * variance**-p)
                for p in powers
            }
            if len(powers) > 1:
                power, scores = self._choose_power(y, candidates, variance, user_sw)
            else:
                power = powers[0]
            oof = candidates[power]

        if variance is None:
            weights = base
            self.variance_bounds_ = (0.0, 0.0)
        else:
            weights = base * variance**-power
            # predicted variances stay within what the model gave the
            # training rows: no extrapolation into gaps or beyond the range
            self.variance_bounds_ = (float(variance.min()), float(variance.max()))
        self.weights_ = _mean_one(weights)
        self.weight_power_ = float(power)
        self.weight_power_scores_ = scores
        self.effective_sample_size_ = effective_sample_size(self.weights_)
        reference = effective_sample_size(base)
        if self.effective_sample_size_ < DEGENERATE_ESS_FRACTION * reference:
            warnings.warn(
                f"The inverse-variance weights are degenerate: their effective "
                f"sample size is {self.effective_sample_size_:.1f} of "
                f"{reference:.0f} rows (max/min weight ratio "
                f"{self.weights_.max() / self.weights_[self.weights_ > 0].min():.3g}); "
                "the weighted fit rests on a few rows. Consider a smaller "
                "weight_power or a smoother variance_estimator.",
                UserWarning,
                # fit -> scikit-learn's _fit_context wrapper -> the caller
                stacklevel=3,
            )
        self.residuals_ = residuals
        self.variance_floor_ = floor
        self.variance_estimator_ = variance_model
        self.estimator_ = fit_with_weights(
            clone(mean_model),
            X,
            y,
            self.weights_,
            routed["estimator"],
            name="estimator",
        )
        return self

    def predict(self, X, return_std: bool = False):
        """Mean prediction, optionally with the noise standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        return_std : bool, default=False
            Also return :math:`\\hat\\sigma(x)`, the standard deviation of
            ``y`` around the prediction at ``x`` (see Notes of the class).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The weighted mean model's prediction.
        y_std : ndarray of shape (n_samples,)
            Only when ``return_std=True``; at least ``sqrt(variance_floor_)``.
        """
        check_is_fitted(self)
        X = validate_passthrough(self, X, reset=False)
        y_pred = self.estimator_.predict(X)
        if not return_std:
            return y_pred
        return y_pred, np.sqrt(self.predict_variance(X, _validated=True))

    def predict_interval(self, X, coverage=None) -> np.ndarray:
        """Gaussian prediction interval ``mean -/+ z * std`` (model-based).

        The central interval of :math:`N(\\hat f(x), \\hat\\sigma^2(x))`,
        :math:`z` the :math:`(1 + c)/2` quantile of the standard normal
        (:func:`skvariance.utils.gaussian_interval`). Its coverage
        holds only as far as the mean and variance models are right and the
        noise is Gaussian; for a finite-sample guarantee wrap the model in
        :class:`~skvariance.calibration.ConformalRegressor` with
        ``score="normalized"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1); ``None`` means 0.9.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            Lower and upper bounds; a third axis when ``coverage`` is an
            array, one entry per level in the order given.

        Examples
        --------
        >>> from skvariance.datasets import make_heteroscedastic_regression
        >>> from skvariance.weighting import InverseVarianceRegressor
        >>> X, y, _ = make_heteroscedastic_regression(300, 1, random_state=0)
        >>> reg = InverseVarianceRegressor(random_state=0).fit(X, y)
        >>> reg.predict_interval(X[:4]).shape
        (4, 2)
        >>> reg.predict_interval(X[:4], coverage=[0.5, 0.9]).shape
        (4, 2, 2)
        """
        return predict_gaussian_interval(self, X, coverage, default=0.9)

    def predict_variance(self, X, *, _validated: bool = False):
        """Predicted noise variance :math:`\\hat\\sigma^2(x)`, floored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        variance : ndarray of shape (n_samples,)
            Bias-corrected variance-model prediction, at least
            ``variance_floor_``.
        """
        if not _validated:
            check_is_fitted(self)
            X = validate_passthrough(self, X, reset=False)
        if self.variance_estimator_ is None:
            return np.zeros(num_samples(X))
        variance = self._to_variance(self.variance_estimator_.predict(X))
        return np.clip(variance, *self.variance_bounds_)


fill_doc(InverseVarianceRegressor)

"""Feasible weighted least squares for any regressor that takes weights."""

from __future__ import annotations

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
from ..utils.metadata import sample_weight_params
from ..utils.validation import check_n_jobs, check_sample_weight
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

__all__ = ["InverseVarianceRegressor", "LOG_CHI2_BIAS"]

#: -E[log chi^2_1] = -(digamma(1/2) + log 2): for Gaussian noise
#: E[log r^2] = log sigma^2 - LOG_CHI2_BIAS.
LOG_CHI2_BIAS = 1.2703628454614782


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
    variance_target : {"log", "squared", "absolute"}, default="log"
        What the variance model is fitted on, and the bias correction that
        turns its prediction :math:`g(x)` into a variance (see Notes):
        ``"log"``: :math:`\\log r^2`, :math:`\\hat\\sigma^2 = e^{g + 1.2704}`;
        ``"squared"``: :math:`r^2`, :math:`\\hat\\sigma^2 = g`;
        ``"absolute"``: :math:`|r|`, :math:`\\hat\\sigma^2 = (\\pi/2) g^2`.
    {cv}
    n_iter : int, default=2
        Number of rounds of (cross-fitted residuals -> variance model ->
        weights); the first round uses the unweighted (or user-weighted) mean
        model, later rounds the previous round's weights. The final mean
        model is fitted once more on all rows with the last weights.
    variance_floor : float, default=1e-3
        Predicted variances below ``variance_floor`` times the mean squared
        cross-fitted residual are raised to it (zero or negative predictions
        from ``"squared"`` targets included), so no row gets an unbounded
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
        :math:`1/\\hat\\sigma^2(x_i)`.
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
    They are exact for Gaussian noise only; the ``"squared"`` target needs no
    correction for any noise but is the noisiest to fit.

    Cross-fitted residuals include the out-of-sample error of the mean model
    fitted on :math:`(k-1)/k` of the rows, so :math:`\\hat\\sigma^2(x)`
    estimates the variance of :math:`y - \\hat f(x)` for a new point, slightly
    above the pure noise variance.

    ``predict(X, return_std=True)`` returns that :math:`\\hat\\sigma(x)` (at
    least :math:`\\sqrt{\\text{variance\\_floor\\_}}`): the spread of
    :math:`y` around the prediction at :math:`x`, the scale a normalised
    conformal score divides by.

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
        "variance_target": [StrOptions({"log", "squared", "absolute"})],
        "cv": ["cv_object"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
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
        variance_floor: float = 1e-3,
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.estimator = estimator
        self.variance_estimator = variance_estimator
        self.variance_target = variance_target
        self.cv = cv
        self.n_iter = n_iter
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
        if self.variance_target == "squared":
            return residuals**2
        return np.abs(residuals)

    def _to_variance(self, g):
        if self.variance_target == "log":
            return np.exp(np.minimum(g + LOG_CHI2_BIAS, 700.0))
        if self.variance_target == "squared":
            return g
        return (np.pi / 2.0) * g**2

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the mean model with inverse-variance weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN or infinity raise a ``ValueError``.
        y : array-like of shape (n_samples,)
            Target values.
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
        X, y = validate_data(self, X, y, y_numeric=True)
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

        weights = user_sw
        for _ in range(self.n_iter):
            oof = cross_fit_predict(
                mean_model,
                X,
                y,
                splits,
                sample_weight=weights,
                fit_params=routed["estimator"],
                n_jobs=self.n_jobs,
            )
            residuals = y - oof
            scale = float(np.average(residuals**2, weights=user_sw))
            if not scale > np.finfo(float).eps * np.mean(y**2):
                # y is predicted exactly out of fold: there is no noise to
                # model, and any weights give the same exact fit
                weights, floor, variance_model = user_sw, 0.0, None
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
            weights = (ones if user_sw is None else user_sw) / variance

        # weights are rescaled to mean 1: the fit is the same for scale-free
        # estimators, and regularised ones keep their usual penalty strength
        if weights is None:
            weights = ones
        self.weights_ = weights / np.mean(weights)
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
        X = validate_data(self, X, reset=False)
        y_pred = self.estimator_.predict(X)
        if not return_std:
            return y_pred
        return y_pred, np.sqrt(self.predict_variance(X, _validated=True))

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
            X = validate_data(self, X, reset=False)
        if self.variance_estimator_ is None:
            return np.zeros(X.shape[0])
        variance = self._to_variance(self.variance_estimator_.predict(X))
        return np.maximum(variance, self.variance_floor_)


fill_doc(InverseVarianceRegressor)

"""Covariate-shift importance weights p_target(x) / p_source(x)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.metrics import roc_auc_score
from sklearn.utils import check_array, check_random_state, get_tags, indexable

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
from ..utils.validation import check_n_jobs, num_samples, validate_passthrough
from .base import (
    check_splits,
    cross_fit_predict,
    derive_seed,
    fill_doc,
    smooth_classifier,
)

__all__ = ["DensityRatioEstimator", "OverlapWarning", "effective_sample_size"]

#: 1 - P(target | x) is kept above this, so that a classifier certain of the
#: target domain gives a huge but finite ratio (use ``clip`` to bound it).
_MIN_SOURCE_PROBA = 1e-12

#: The weights are not trusted (``OverlapWarning``) when the cross-fitted
#: domain AUC reaches this (the two samples are nearly separable) ...
_MAX_DOMAIN_AUC = 0.95
#: ... or the effective sample size is below this fraction of the source ...
_MIN_ESS_FRACTION = 0.05
#: ... or ``clip`` bounds more than this fraction of the source weights.
_MAX_CLIPPED_FRACTION = 0.1


class OverlapWarning(UserWarning):
    """The samples overlap too little for the weights to be trusted.

    Raised as a warning by :class:`DensityRatioEstimator` (domain classifier
    able to tell the samples apart, effective sample size collapsed, many
    weights clipped) and by :class:`RLearner` (cross-fitted propensities at 0
    or 1 for many rows). The numbers behind it are attributes of the fitted
    estimator.
    """


def effective_sample_size(weights) -> float:
    """Kish's effective sample size :math:`(\\sum w)^2 / \\sum w^2`.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)
        Non-negative importance weights, not all zero.

    Returns
    -------
    ess : float
        Between 1 and ``n_samples``; ``n_samples`` for equal weights.

    Examples
    --------
    >>> from skvariance.weighting import effective_sample_size
    >>> effective_sample_size([1.0, 1.0, 1.0, 1.0])
    4.0
    >>> effective_sample_size([1.0, 0.0, 0.0, 0.0])
    1.0
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-d array.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("weights must be finite, non-negative and not all zero.")
    return float(w.sum() ** 2 / np.sum(w**2))


def _gaussian_kernel(X, centers, bandwidth):
    return np.exp(-cdist(X, centers, "sqeuclidean") / (2.0 * bandwidth**2))


def _ulsif_alpha(phi_source, phi_target, regularization):
    H = phi_source.T @ phi_source / phi_source.shape[0]
    h = phi_target.mean(axis=0)
    alpha = np.linalg.solve(H + regularization * np.eye(H.shape[0]), h)
    return np.maximum(alpha, 0.0)


def _stack_rows(first, second):
    """The rows of two samples, one above the other, in their own container.

    DataFrames are concatenated (columns and dtypes kept, a fresh index),
    sparse matrices stacked sparse, anything else as a NumPy array.
    """
    if hasattr(first, "iloc") and hasattr(second, "iloc"):
        import pandas as pd

        return pd.concat([first, second], ignore_index=True)
    if sparse.issparse(first) or sparse.issparse(second):
        return sparse.vstack([first, second], format="csr")
    return np.vstack([np.asarray(first), np.asarray(second)])


@fill_doc
class DensityRatioEstimator(BaseEstimator):
    """Importance weights :math:`w(x) = p_{target}(x) / p_{source}(x)`.

    Two estimators of the density ratio between the training (source) and
    the deployment (target) distribution of the features:

    - ``"classifier"`` (default): a probabilistic classifier separates the
      two samples and :math:`w(x) = (n_s / n_t) \\, P(t \\mid x) / P(s \\mid x)`;
    - ``"ulsif"``: unconstrained least-squares importance fitting, a
      closed-form fit of :math:`w(x) = \\sum_l \\alpha_l K(x, c_l)` with
      Gaussian kernels centred on target rows, minimising
      :math:`\\tfrac12 E_s[w^2] - E_t[w] + \\tfrac\\lambda2 \\|\\alpha\\|^2`.

    Parameters
    ----------
    classifier : classifier, default=None
        The domain classifier for ``method="classifier"``; it needs
        ``predict_proba`` and good calibration, since the odds become the
        ratio. ``None``: logistic regression on additive cubic splines (5
        knots per feature), a maximum-likelihood fit whose probabilities are
        calibrated when the log-ratio is additive in the features (smooth
        shifts), and fast. A plain
        :class:`~sklearn.linear_model.LogisticRegression` is exact when the
        log-ratio is linear (a Gaussian mean shift); wrap other classifiers
        (boosting, forests) in
        :class:`~sklearn.calibration.CalibratedClassifierCV`. Ignored by
        ``"ulsif"``.
    method : {"classifier", "ulsif"}, default="classifier"
        The estimator of the ratio (see above).
    clip : float, default=None
        Upper bound applied to the (normalised) weights; ``None`` leaves
        them unbounded. The number of clipped source rows is in
        ``n_clipped_``. Clipping trades bias for variance: large ratios are
        what ruins the effective sample size.
    normalize : bool, default=True
        Scale the weights so that the source rows' weights average 1 (their
        expectation under the source distribution); the factor is
        ``normalization_``. Applied before ``clip``.
    {cv}
    bandwidth : float, default=None
        uLSIF only: Gaussian kernel width in standardised units (features are
        centred and scaled by the pooled sample). ``None`` chooses among
        ``(0.25, 0.5, 1, 2)`` times the median distance to the centres by
        ``cv``-fold cross-validation of the uLSIF objective.
    regularization : float, default=None
        uLSIF only: :math:`\\lambda`. ``None`` chooses among
        ``(1e-3, 1e-2, 1e-1, 1)`` together with the bandwidth.
    n_centers : int, default=100
        uLSIF only: number of kernel centres, drawn from the target rows.
    {n_jobs}
    {random_state}

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
        The weights of the source rows, normalised and clipped. For
        ``"classifier"`` they are **cross-fitted** (each source row weighted by
        a classifier that did not see it), so they are not overfitted; use
        them, not ``predict(X_source)``, to reweight the training rows. For
        ``"ulsif"`` they are the fitted model's (regularised) values.
    effective_sample_size_ : float
        How many unweighted source rows the reweighted source sample is
        worth for estimates under the target: :math:`n_s / \\hat E_t[w]`,
        capped at :math:`n_s`, with :math:`\\hat E_t[w]` the mean of the
        **cross-fitted, unnormalised, unclipped** ratios of the *target* rows
        (``mean_target_ratio_``). Since :math:`E_s[w^2] = E_t[w]`, this is
        Kish's :math:`n (E_s w)^2 / E_s w^2` with :math:`E_s w = 1`, but read
        where the target has its mass, so it collapses when the source does
        not cover the target (it can then be below 1).
    source_weights_ess_ : float
        Kish's :math:`(\\sum w)^2 / \\sum w^2` of ``source_weights_``: the
        spread of the weights actually used (after normalisation and
        ``clip``). It does not see missing overlap: when the source covers
        none of the target every source ratio shrinks together, and this
        ratio, invariant to a common scale, can stay near ``n_source``.
    domain_auc_ : float
        Area under the ROC curve of the cross-fitted domain scores (the
        out-of-fold :math:`P(t \\mid x)` for ``"classifier"``, the out-of-fold
        ratio for ``"ulsif"``) telling target rows from source rows: about
        0.5 when the samples are alike, 1 when they do not overlap.
    mean_target_ratio_ : float
        :math:`\\hat E_t[w] = 1 + \\hat\\chi^2(p_t \\| p_s)`, the mean
        cross-fitted unnormalised ratio of the target rows.
    normalization_ : float
        The factor applied to every weight (1 when ``normalize=False``).
    n_clipped_ : int
        Source rows whose weight was clipped.
    classifier_ : classifier
        ``"classifier"`` only: the domain classifier refitted on all rows,
        used by :meth:`predict`.
    centers_, alpha_, bandwidth_, regularization_ : ndarray and floats
        ``"ulsif"`` only: the kernel centres (standardised), coefficients and
        the chosen hyperparameters.
    n_features_in_ : int
        Number of features.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X_source`` has string column
        names.

    See Also
    --------
    ImportanceResampler : resample a pool by importance weights (DSIR).
    effective_sample_size : Kish's effective sample size of any weights.

    Notes
    -----
    :meth:`predict` returns :math:`\\text{normalization\\_} \\cdot \\hat w(x)`,
    clipped at ``clip``, for any rows: training rows, calibration rows or
    test points of the source distribution. For ``"classifier"`` the
    probability of the source domain is kept above ``1e-12`` so that a
    classifier sure of the target gives a huge but finite weight. uLSIF
    weights are non-negative by construction (coefficients clipped at 0).

    Weighting fails when the target has mass where the source has almost
    none: a few rows get enormous weights, or (with a smooth classifier) all
    source rows get nearly the same tiny ratio, which normalisation turns
    into nearly equal weights that look harmless. ``domain_auc_`` and
    ``effective_sample_size_`` see both; an :class:`OverlapWarning` is
    issued when the domain AUC is at least 0.95, the effective sample size
    is below 5% of the source rows, or ``clip`` bounds more than 10% of the
    source weights. ``clip`` reduces the variance of the weighted estimates,
    not their bias: it does not make a missing overlap acceptable.

    References
    ----------
    .. [1] Shimodaira, H. "Improving predictive inference under covariate
       shift by weighting the log-likelihood function", Journal of
       Statistical Planning and Inference, 2000.
    .. [2] Kanamori, T., Hido, S. and Sugiyama, M. "A Least-squares Approach
       to Direct Importance Estimation", JMLR, 2009.
    .. [3] Bickel, S., Brückner, M. and Scheffer, T. "Discriminative Learning
       Under Covariate Shift", JMLR, 2009.
    .. [4] Segovia-Martín, J. I., Mazuelas, S. and Liu, A. "Double-Weighting
       for Covariate Shift Adaptation", ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvariance.weighting import DensityRatioEstimator
    >>> rng = np.random.RandomState(0)
    >>> X_source = rng.normal(size=(1000, 2))
    >>> X_target = rng.normal(loc=[0.5, 0.0], size=(1000, 2))
    >>> dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    >>> dre = dre.fit(X_source, X_target)
    >>> w = dre.predict([[0.0, 0.0], [1.0, 0.0]])
    >>> bool(w[1] > w[0])
    True
    >>> round(float(dre.source_weights_.mean()), 6)
    1.0
    >>> bool(500 < dre.effective_sample_size_ < 1000)
    True
    >>> bool(0.55 < dre.domain_auc_ < 0.75)
    True

    Samples that do not overlap are reported, not silently reweighted:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     far = DensityRatioEstimator(random_state=0).fit(X_source, X_target + 10)
    >>> caught[0].category.__name__
    'OverlapWarning'
    >>> round(far.domain_auc_, 2), bool(far.effective_sample_size_ < 50)
    (1.0, True)
    """

    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "method": [StrOptions({"classifier", "ulsif"})],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
        "normalize": ["boolean"],
        "cv": ["cv_object"],
        "bandwidth": [Interval(Real, 0, None, closed="neither"), None],
        "regularization": [Interval(Real, 0, None, closed="left"), None],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        classifier=None,
        *,
        method: str = "classifier",
        clip: float | None = None,
        normalize: bool = True,
        cv=5,
        bandwidth: float | None = None,
        regularization: float | None = None,
        n_centers: int = 100,
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.classifier = classifier
        self.method = method
        self.clip = clip
        self.normalize = normalize
        self.cv = cv
        self.bandwidth = bandwidth
        self.regularization = regularization
        self.n_centers = n_centers
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _validate_samples(self, X_source, X_target):
        if X_target is None:
            raise ValueError(
                "X_target is None: a density ratio needs a sample from each "
                "domain, fit(X_source, X_target)."
            )
        if np.ndim(X_source) != 2:
            raise ValueError(
                "X_source must be a 2-d array of source rows (n_source, "
                f"n_features), got an array with {np.ndim(X_source)} dimension(s)."
            )
        # names and feature count from the raw input; the values are checked
        # here only for uLSIF, which computes with them: the classifier gets
        # the samples as it would receive them (DataFrames, sparse matrices)
        validate_data(self, X_source, skip_check_array=True)
        if np.ndim(X_target) != 2:
            raise ValueError(
                "X_target must be a 2-d array of target rows (n_target, "
                f"n_features), got an array with {np.ndim(X_target)} dimension(s); "
                "fit takes two samples, fit(X_source, X_target), not (X, y)."
            )
        if self.method == "ulsif":
            X_source = check_array(X_source, input_name="X_source")
            X_target = check_array(X_target, input_name="X_target")
        else:
            X_source = self._check_for_classifier(X_source, "X_source")
            X_target = self._check_for_classifier(X_target, "X_target")
        n_target_features = (
            X_target.shape[1] if hasattr(X_target, "shape") else len(X_target[0])
        )
        if n_target_features != self.n_features_in_:
            raise ValueError(
                f"X_target has {n_target_features} features but X_source has "
                f"{self.n_features_in_}."
            )
        # the same column names as X_source, when it has names
        validate_data(self, X_target, reset=False, skip_check_array=True)
        for name, arr in (("X_source", X_source), ("X_target", X_target)):
            if num_samples(arr) < 2:
                raise ValueError(
                    f"{name} has {num_samples(arr)} row(s); each domain needs at "
                    "least 2."
                )
        return X_source, X_target

    def _check_for_classifier(self, X, name):
        """A sample as the classifier receives it, NaN named when it cannot take it.

        DataFrames and sparse matrices are passed as they are (the classifier
        checks their values); an array or list is checked here, naming the
        sample, for NaN or infinity the classifier does not accept.
        """
        if hasattr(X, "iloc") or sparse.issparse(X):
            return indexable(X)[0]
        classifier = smooth_classifier() if self.classifier is None else self.classifier
        try:
            allow_nan = get_tags(classifier).input_tags.allow_nan
        except (AttributeError, TypeError, ValueError):  # pragma: no cover
            allow_nan = False
        return check_array(
            X,
            dtype=None,
            ensure_all_finite="allow-nan" if allow_nan else True,
            input_name=name,
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X_source, X_target):
        """Estimate the ratio from a source and a target sample.

        Parameters
        ----------
        X_source : array-like of shape (n_source, n_features)
            Rows from the training (source) distribution.
        X_target : array-like of shape (n_target, n_features)
            Rows from the deployment (target) distribution; unlabelled.

        Returns
        -------
        self : DensityRatioEstimator
            The fitted estimator.
        """
        check_n_jobs(self.n_jobs)
        X_source, X_target = self._validate_samples(X_source, X_target)
        rng = check_random_state(self.random_state)
        self.n_source_, self.n_target_ = num_samples(X_source), num_samples(X_target)
        if self.method == "classifier":
            raw, target_ratio, auc = self._fit_classifier(X_source, X_target, rng)
        else:
            raw, target_ratio, auc = self._fit_ulsif(X_source, X_target, rng)
        with np.errstate(divide="ignore", over="ignore"):  # checked just below
            self.normalization_ = 1.0 / raw.mean() if self.normalize else 1.0
        if not np.isfinite(self.normalization_):
            raise ValueError(
                "The estimated ratio is zero on every source row: the samples "
                "do not overlap, no reweighting of the source can match the "
                "target."
            )
        weights = raw * self.normalization_
        self.n_clipped_ = 0 if self.clip is None else int(np.sum(weights > self.clip))
        self.source_weights_ = self._clip(weights)
        self.source_weights_ess_ = effective_sample_size(self.source_weights_)
        # E_s[w^2] = E_t[w]: the cross-fitted ratios of the target rows, not
        # normalised or clipped, see the regions the source does not cover
        self.mean_target_ratio_ = float(np.mean(target_ratio))
        self.effective_sample_size_ = float(
            min(self.n_source_, self.n_source_ / self.mean_target_ratio_)
        )
        self.domain_auc_ = auc
        self._warn_overlap()
        return self

    def _warn_overlap(self):
        reasons = []
        if self.domain_auc_ >= _MAX_DOMAIN_AUC:
            reasons.append(
                f"the domain classifier tells the samples apart (cross-fitted "
                f"AUC {self.domain_auc_:.3f} >= {_MAX_DOMAIN_AUC})"
            )
        if self.effective_sample_size_ < _MIN_ESS_FRACTION * self.n_source_:
            reasons.append(
                f"the effective sample size is {self.effective_sample_size_:.3g} "
                f"of {self.n_source_} source rows (below "
                f"{_MIN_ESS_FRACTION:.0%})"
            )
        if self.n_clipped_ > _MAX_CLIPPED_FRACTION * self.n_source_:
            reasons.append(
                f"clip={self.clip} bounds {self.n_clipped_} of {self.n_source_} "
                f"source weights (more than {_MAX_CLIPPED_FRACTION:.0%})"
            )
        if reasons:
            warnings.warn(
                "The importance weights cannot be trusted: "
                + "; ".join(reasons)
                + ". The target has mass where the source has little or none; "
                "no reweighting of the source sample can represent it.",
                OverlapWarning,
                stacklevel=4,
            )

    def _clip(self, weights):
        return weights if self.clip is None else np.minimum(weights, self.clip)

    # -- classifier ------------------------------------------------------------
    def _odds_to_ratio(self, proba_target):
        source = np.maximum(1.0 - proba_target, _MIN_SOURCE_PROBA)
        return (self.n_source_ / self.n_target_) * proba_target / source

    def _fit_classifier(self, X_source, X_target, rng):
        classifier = smooth_classifier() if self.classifier is None else self.classifier
        if not is_classifier(classifier):
            raise TypeError(
                "classifier must be a classifier with predict_proba, got "
                f"{type(classifier).__name__}."
            )
        classifier = set_random_state(clone(classifier), derive_seed(rng))
        Z = _stack_rows(X_source, X_target)
        n = self.n_source_
        domain = np.r_[np.zeros(n, int), np.ones(self.n_target_, int)]
        splits = check_splits(self.cv, Z, domain, derive_seed(rng), classifier=True)
        proba = cross_fit_predict(
            classifier,
            Z,
            domain,
            splits,
            method="predict_proba",
            n_jobs=self.n_jobs,
            name="classifier",
        )[:, 1]
        self.classifier_ = clone(classifier).fit(Z, domain)
        auc = float(roc_auc_score(domain, proba))
        return self._odds_to_ratio(proba[:n]), self._odds_to_ratio(proba[n:]), auc

    # -- uLSIF -----------------------------------------------------------------
    def _fit_ulsif(self, X_source, X_target, rng):
        pooled = np.vstack([X_source, X_target])
        self.mean_ = pooled.mean(axis=0)
        scale = pooled.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        S = (X_source - self.mean_) / self.scale_
        T = (X_target - self.mean_) / self.scale_
        n_centers = min(self.n_centers, len(T))
        self.centers_ = T[rng.choice(len(T), size=n_centers, replace=False)]
        if self.bandwidth is None:
            median = np.median(cdist(np.vstack([S, T]), self.centers_))
            bandwidths = median * np.array([0.25, 0.5, 1.0, 2.0])
        else:
            bandwidths = [float(self.bandwidth)]
        if self.regularization is None:
            lambdas = [1e-3, 1e-2, 1e-1, 1.0]
        else:
            lambdas = [float(self.regularization)]
        source_splits = check_splits(self.cv, S, np.zeros(len(S)), derive_seed(rng))
        target_splits = check_splits(self.cv, T, np.zeros(len(T)), derive_seed(rng))
        folds = list(zip(source_splits, target_splits))
        if len(bandwidths) * len(lambdas) > 1:
            scores = {}
            for bw in bandwidths:
                phi_s = _gaussian_kernel(S, self.centers_, bw)
                phi_t = _gaussian_kernel(T, self.centers_, bw)
                for lam in lambdas:
                    score = 0.0
                    for (s_tr, s_te), (t_tr, t_te) in folds:
                        alpha = _ulsif_alpha(phi_s[s_tr], phi_t[t_tr], lam)
                        score += 0.5 * np.mean((phi_s[s_te] @ alpha) ** 2) - np.mean(
                            phi_t[t_te] @ alpha
                        )
                    scores[(bw, lam)] = score
            self.bandwidth_, self.regularization_ = min(scores, key=scores.get)
        else:
            self.bandwidth_, self.regularization_ = bandwidths[0], lambdas[0]
        phi_s = _gaussian_kernel(S, self.centers_, self.bandwidth_)
        phi_t = _gaussian_kernel(T, self.centers_, self.bandwidth_)
        self.alpha_ = _ulsif_alpha(phi_s, phi_t, self.regularization_)
        # out-of-fold ratios of both samples with the chosen hyperparameters,
        # for the diagnostics (the weights are the full fit's)
        oof_s, oof_t = np.empty(len(S)), np.empty(len(T))
        for (s_tr, s_te), (t_tr, t_te) in folds:
            alpha = _ulsif_alpha(phi_s[s_tr], phi_t[t_tr], self.regularization_)
            oof_s[s_te] = phi_s[s_te] @ alpha
            oof_t[t_te] = phi_t[t_te] @ alpha
        domain = np.r_[np.zeros(len(S), int), np.ones(len(T), int)]
        auc = float(roc_auc_score(domain, np.r_[oof_s, oof_t]))
        return phi_s @ self.alpha_, oof_t, auc

    def _raw_ratio(self, X):
        if self.method == "classifier":
            return self._odds_to_ratio(self.classifier_.predict_proba(X)[:, 1])
        Z = (X - self.mean_) / self.scale_
        return _gaussian_kernel(Z, self.centers_, self.bandwidth_) @ self.alpha_

    def predict(self, X):
        """Importance weights of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of the source distribution to be reweighted (training,
            calibration or test rows).

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            :math:`\\text{normalization\\_} \\cdot \\hat w(x)`, clipped at
            ``clip``; non-negative.
        """
        check_is_fitted(self)
        if self.method == "ulsif":
            X = validate_data(self, X, reset=False)
        else:
            X = validate_passthrough(self, X, reset=False)
        return self._clip(self._raw_ratio(X) * self.normalization_)

"""Repeated-seed ensembles: one estimator fitted under many seeds."""

from __future__ import annotations

from inspect import signature

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.utils import check_array, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ..utils._seeds import derive_seeds, set_random_state, warn_if_unseeded
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from ..utils.intervals import predict_gaussian_interval
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.validation import check_n_jobs, check_sample_weight

__all__ = ["SeedEnsembleClassifier", "SeedEnsembleRegressor"]


def _fit_member(estimator, X, y, fit_params):
    return fit_estimator(estimator, X, y, **fit_params)


def _supports_return_std(estimator) -> bool:
    """Whether ``estimator.predict`` takes ``return_std`` (Pipelines: last step)."""
    final = getattr(estimator, "_final_estimator", None)
    if final is not None and final != "passthrough":
        estimator = final
    try:
        return "return_std" in signature(estimator.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signature
        return False


#: Scale of the median absolute deviation that makes it a consistent
#: estimator of the standard deviation of normal data (1 / Phi^-1(3/4)).
_MAD_TO_STD = 1.482602218505602


def _check_exclude_seeds(exclude_seeds) -> np.ndarray:
    if exclude_seeds is None:
        return np.empty(0, dtype=np.int64)
    seeds = np.asarray(exclude_seeds)
    if seeds.ndim != 1 or (seeds.size and seeds.dtype.kind not in "iu"):
        raise TypeError(
            "exclude_seeds must be None or a 1-d array-like of integer seeds, "
            f"got {exclude_seeds!r}."
        )
    return seeds.astype(np.int64)


class _BaseSeedEnsemble(MetaEstimatorMixin, BaseEstimator):
    """Shared fitting logic of the repeated-seed ensembles."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "exclude_seeds": ["array-like", None],
        "verbose": ["verbose"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.categorical = inner.input_tags.categorical
        tags.input_tags.string = inner.input_tags.string
        tags.target_tags.multi_output = inner.target_tags.multi_output
        return tags

    @staticmethod
    def _check_2d(X):
        ndim = np.ndim(X) if isinstance(X, (list, tuple)) else getattr(X, "ndim", 2)
        if ndim == 1:
            raise ValueError(
                "Expected a 2D array for X, got a 1D array instead. Reshape your "
                "data either using array.reshape(-1, 1) if your data has a single "
                "feature or array.reshape(1, -1) if it contains a single sample."
            )

    def _check_y(self, y):
        # X is handed to the members untouched (pandas columns, sparse,
        # strings for a Pipeline); y is checked here, where NaN would
        # otherwise surface as n_seeds obscure member errors.
        y_checked = check_array(
            y, ensure_2d=False, dtype=None, ensure_all_finite=True, input_name="y"
        )
        if y_checked.dtype.kind == "O" and any(
            value is None for value in np.ravel(y_checked).tolist()
        ):
            raise ValueError("Input y contains None; every sample needs a target.")
        return y_checked

    def _validate_fit_data(self, X, y):
        """Check X's shape and names and y's values; return y for the members."""
        self._check_2d(X)
        validate_data(self, X, y, skip_check_array=True)
        y_checked = self._check_y(y)
        if get_tags(self).target_tags.multi_output:
            return y
        return column_or_1d(y_checked, warn=True)

    def _member_fit_params(self, X, sample_weight, fit_params) -> dict:
        """Fit parameters for every member (see :mod:`skvariance.utils.metadata`)."""
        if sample_weight is not None:
            sample_weight = check_sample_weight(np.asarray(sample_weight), X)
        if routing_enabled():
            if sample_weight is not None:
                fit_params = {**fit_params, "sample_weight": sample_weight}
            return process_routing(self, "fit", **fit_params).estimator.fit
        return {
            **fit_params,
            **sample_weight_params(self.estimator, sample_weight),
        }

    def _fit(self, X, y, sample_weight=None, **fit_params):
        n_jobs = check_n_jobs(self.n_jobs)
        y = self._validate_fit_data(X, y)
        exclude = _check_exclude_seeds(self.exclude_seeds)
        member_params = self._member_fit_params(X, sample_weight, fit_params)
        warn_if_unseeded(self.estimator, type(self).__name__, stacklevel=4)
        seeds = derive_seeds(self.random_state, self.n_seeds, exclude=exclude)
        members = [set_random_state(clone(self.estimator), int(s)) for s in seeds]
        self.estimators_ = Parallel(n_jobs=n_jobs, verbose=self.verbose)(
            delayed(_fit_member)(member, X, y, member_params) for member in members
        )
        self.seeds_ = seeds
        return self

    def get_metadata_routing(self):
        """Routing of fit metadata to the members' ``fit``.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            Every member's ``fit`` receives what ``estimator`` requests.
        """
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def _check_predict_input(self, X):
        check_is_fitted(self)
        self._check_2d(X)
        validate_data(self, X, reset=False, skip_check_array=True)

    def predict_members(self, X) -> np.ndarray:
        """Predictions of every member.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples, passed to the members as given.

        Returns
        -------
        predictions : ndarray of shape (n_seeds, n_samples) or \
(n_seeds, n_samples, n_outputs)
            Row ``k`` is the prediction of the member fitted with ``seeds_[k]``.
        """
        self._check_predict_input(X)
        return np.stack([member.predict(X) for member in self.estimators_])


class SeedEnsembleRegressor(RegressorMixin, _BaseSeedEnsemble):
    """Average of one regressor fitted under ``n_seeds`` different seeds.

    Every member is a clone of ``estimator`` in which *every* nested
    ``random_state`` (Pipeline steps, meta-estimators, imbalanced-learn
    samplers...) is set from its own seed, derived from ``random_state``. The
    members differ only by their randomness, so their spread measures the
    seed variance of the model, and their average removes most of it.

    Parameters
    ----------
    estimator : estimator object
        The regressor to repeat. It is cloned, never modified.
    n_seeds : int, default=10
        Number of members (>= 1).
    aggregation : {"mean", "median"}, default="mean"
        How member predictions are combined by :meth:`predict`.
    n_jobs : int, default=None
        Members fitted in parallel through :class:`sklearn.utils.parallel.Parallel`
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context,
        ``-1`` all cores, ``0`` is rejected; see
        :func:`~skvariance.utils.check_n_jobs`). The result does not depend
        on ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the member seeds: ``seeds_`` is
        ``derive_seeds(random_state, n_seeds, exclude=exclude_seeds)``.
    exclude_seeds : array-like of int, default=None
        Seeds the members must not use, for example the seeds a model was
        tuned with (:class:`~skvariance.model_selection.SeedSearchCV` refits
        on seeds disjoint from its tuning seeds this way). With an int
        ``random_state`` the ensemble is reproducible: a clone fitted on the
        same data has the same ``seeds_`` and members.
    verbose : int, default=0
        Progress of the fits: ``0`` prints nothing; ``1`` and more print
        joblib's progress messages (more as ``verbose`` grows). The members
        do not depend on it.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members, in the order of ``seeds_``.
    seeds_ : ndarray of shape (n_seeds,)
        The integer seed of each member; member ``k`` equals
        ``set_random_state(clone(estimator), seeds_[k])`` fitted on the data.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    SeedEnsembleClassifier : the classification counterpart.
    sklearn.ensemble.BaggingRegressor : members differ by resampled rows, not
        only by seed, and offer no predictive variance.
    skvariance.model_selection.seed_cross_validate : how much of a score is
        seed noise.

    Notes
    -----
    With ``aggregation="mean"``, ``predict(X, return_std=True)`` uses the law
    of total variance over the seeds,

    .. math::

        \\operatorname{Var}[y \\mid x] = \\frac{1}{K} \\sum_k \\sigma_k^2(x)
        + \\frac{1}{K - 1} \\sum_k (\\mu_k(x) - \\bar\\mu(x))^2,

    where :math:`\\sigma_k^2(x)` is member ``k``'s own predictive variance when
    its ``predict`` offers ``return_std`` (Gaussian processes, Bayesian ridge)
    and zero otherwise. The second term alone is the seed (epistemic) part.
    The members are a sample of ``K`` seeds, so, as everywhere in skvariance,
    the variance between seeds uses ``ddof=1``: the sum is an unbiased
    estimate of the predictive variance of the model under a random seed
    (the variance of the ``K``-member empirical mixture is the ``ddof=0``
    version, smaller by :math:`(K - 1)/K` in its second term).

    With ``aggregation="median"`` the reported spread belongs to the median:
    both terms are replaced by robust counterparts,

    .. math::

        \\operatorname{median}_k \\sigma_k^2(x)
        + \\bigl(1.4826\\,\\operatorname{median}_k
        |\\mu_k(x) - \\operatorname{median}_j \\mu_j(x)|\\bigr)^2,

    the typical member variance plus the squared normalised median absolute
    deviation of the member predictions around the reported median. For
    normal seed effects it estimates the same variance as the mean version;
    a minority of diverged members moves neither the median nor its spread.
    With few members (``n_seeds < 5``) the MAD is a noisy estimate.
    ``return_std=True`` needs ``n_seeds >= 2``.

    If ``estimator`` has no ``random_state`` anywhere a ``UserWarning`` says so:
    all members would be the same model.

    References
    ----------
    .. [1] Egele, R. et al. "AutoDEUQ: Automated Deep Ensemble with
       Uncertainty Quantification", ICPR 2022.
    .. [2] Picard, D. "Torch.manual_seed(3407) is all you need: On the
       influence of random seeds in deep learning architectures for computer
       vision", 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from skvariance.ensemble import SeedEnsembleRegressor
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    >>> tree = DecisionTreeRegressor(max_features=2)
    >>> ens = SeedEnsembleRegressor(tree, n_seeds=5, random_state=0).fit(X, y)
    >>> ens.predict_members(X[:3]).shape
    (5, 3)
    >>> mean, std = ens.predict(X[:3], return_std=True)
    >>> bool((std >= 0).all())
    True
    """

    _parameter_constraints: dict = {
        **_BaseSeedEnsemble._parameter_constraints,
        "aggregation": [StrOptions({"mean", "median"})],
    }

    def __init__(
        self,
        estimator,
        *,
        n_seeds: int = 10,
        aggregation: str = "mean",
        n_jobs: int | None = None,
        random_state=None,
        exclude_seeds=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.aggregation = aggregation
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.exclude_seeds = exclude_seeds
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit ``n_seeds`` clones of the estimator, one per derived seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; passed to the members as given (pandas included).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; NaN or infinity raise a ``ValueError``.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to every member's ``fit``. Without metadata routing it goes
            to ``fit(sample_weight=...)``, or to a Pipeline's final step
            (``<step>__sample_weight``) when that step accepts it; a
            ``TypeError`` is raised when nothing can take it. With routing
            enabled it is routed by the estimator's request
            (``set_fit_request(sample_weight=True)``).
        **fit_params : dict
            Other fit metadata: routed by the estimator's requests when
            metadata routing is enabled, passed to every member's ``fit``
            as given otherwise.

        Returns
        -------
        self : SeedEnsembleRegressor
            The fitted ensemble.
        """
        return self._fit(X, y, sample_weight, **fit_params)

    def predict(self, X, return_std: bool = False):
        """Combined prediction, optionally with the total predictive std.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        return_std : bool, default=False
            Also return the predictive standard deviation over seeds: the law
            of total variance (``ddof=1`` between members) for
            ``aggregation="mean"``, its robust median/MAD counterpart for
            ``aggregation="median"`` (see Notes of the class). Needs
            ``n_seeds >= 2``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Mean (or median) of the member predictions.
        y_std : ndarray of the same shape
            Only when ``return_std=True``.
        """
        self._check_predict_input(X)
        if return_std and len(self.estimators_) < 2:
            raise ValueError(
                "return_std=True needs n_seeds >= 2: one member cannot show the "
                "spread between seeds."
            )
        if return_std and all(_supports_return_std(m) for m in self.estimators_):
            pairs = [m.predict(X, return_std=True) for m in self.estimators_]
            means = np.stack([np.asarray(mu, dtype=float) for mu, _ in pairs])
            within = np.stack([np.asarray(sd, dtype=float) ** 2 for _, sd in pairs])
        else:
            means = np.stack([m.predict(X) for m in self.estimators_])
            within = np.zeros_like(means, dtype=float)
        if self.aggregation == "mean":
            y_pred = means.mean(axis=0)
        else:
            y_pred = np.median(means, axis=0)
        if not return_std:
            return y_pred
        if self.aggregation == "mean":
            # law of total variance; ddof=1: the members are a sample of seeds
            variance = within.mean(axis=0) + means.var(axis=0, ddof=1)
        else:
            mad = np.median(np.abs(means - y_pred), axis=0)
            variance = np.median(within, axis=0) + (_MAD_TO_STD * mad) ** 2
        return y_pred, np.sqrt(variance)

    def predict_interval(self, X, coverage=None) -> np.ndarray:
        """Gaussian prediction interval ``mean -/+ z * std`` (model-based).

        ``mean`` and ``std`` are those of ``predict(X, return_std=True)``
        (law of total variance over the seeds, or its median/MAD version),
        :math:`z` the :math:`(1 + c)/2` quantile of the standard normal. The
        interval covers noise only as far as the members report it: with
        members without ``return_std`` it holds the seed spread alone, far
        narrower than the noise. No finite-sample guarantee; see
        :class:`~skvariance.calibration.ConformalRegressor` for one.

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
            array, one entry per level in the order given. Single-output
            ensembles only (a ``ValueError`` otherwise).

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.tree import DecisionTreeRegressor
        >>> from skvariance.ensemble import SeedEnsembleRegressor
        >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
        >>> tree = DecisionTreeRegressor(max_features=2)
        >>> ens = SeedEnsembleRegressor(tree, n_seeds=5, random_state=0).fit(X, y)
        >>> ens.predict_interval(X[:3]).shape
        (3, 2)
        """
        return predict_gaussian_interval(self, X, coverage, default=0.9)


class SeedEnsembleClassifier(ClassifierMixin, _BaseSeedEnsemble):
    """Vote of one classifier fitted under ``n_seeds`` different seeds.

    Every member is a clone of ``estimator`` with every nested
    ``random_state`` set from its own derived seed (Pipeline steps,
    meta-estimators, imbalanced-learn samplers...). Soft voting averages the
    members' ``predict_proba``; ensembles over seeds are well calibrated [1]_.

    Parameters
    ----------
    estimator : estimator object
        The classifier to repeat. It is cloned, never modified. Soft voting
        needs ``predict_proba``.
    n_seeds : int, default=10
        Number of members (>= 1).
    voting : {"soft", "hard"}, default="soft"
        ``"soft"``: argmax of the mean of the members' probabilities;
        ``"hard"``: majority of the members' labels (ties go to the class
        that comes first in ``classes_``).
    n_jobs : int, default=None
        Members fitted in parallel through :class:`sklearn.utils.parallel.Parallel`
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context,
        ``-1`` all cores, ``0`` is rejected; see
        :func:`~skvariance.utils.check_n_jobs`). The result does not depend
        on ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the member seeds: ``seeds_`` is
        ``derive_seeds(random_state, n_seeds, exclude=exclude_seeds)``.
    exclude_seeds : array-like of int, default=None
        Seeds the members must not use, for example the seeds a model was
        tuned with (:class:`~skvariance.model_selection.SeedSearchCV` refits
        on seeds disjoint from its tuning seeds this way). With an int
        ``random_state`` the ensemble is reproducible: a clone fitted on the
        same data has the same ``seeds_`` and members.
    verbose : int, default=0
        Progress of the fits: ``0`` prints nothing; ``1`` and more print
        joblib's progress messages (more as ``verbose`` grows). The members
        do not depend on it.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members, in the order of ``seeds_``.
    seeds_ : ndarray of shape (n_seeds,)
        The integer seed of each member.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    SeedEnsembleRegressor : the regression counterpart, with predictive std.
    sklearn.ensemble.VotingClassifier : votes of different estimators.

    Notes
    -----
    If ``estimator`` has no ``random_state`` anywhere a ``UserWarning`` says so:
    all members would be the same model.

    References
    ----------
    .. [1] Jordan, K. "Calibrated Chaos: Variance Between Runs of Neural
       Network Training is Harmless and Inevitable", 2023.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.ensemble import SeedEnsembleClassifier
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> tree = DecisionTreeClassifier(max_depth=3, max_features=2)
    >>> ens = SeedEnsembleClassifier(tree, n_seeds=5, random_state=0).fit(X, y)
    >>> ens.predict_proba(X[:2]).shape
    (2, 2)
    >>> ens.predict_members(X[:2]).shape
    (5, 2)
    """

    _parameter_constraints: dict = {
        **_BaseSeedEnsemble._parameter_constraints,
        "voting": [StrOptions({"soft", "hard"})],
    }

    def __init__(
        self,
        estimator,
        *,
        n_seeds: int = 10,
        voting: str = "soft",
        n_jobs: int | None = None,
        random_state=None,
        exclude_seeds=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.voting = voting
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.exclude_seeds = exclude_seeds
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags

    def _validate_fit_data(self, X, y):
        y_checked = super()._validate_fit_data(X, y)
        check_classification_targets(y_checked)
        classes = np.unique(y_checked)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y, "
                f"but y contains only one class: {classes[0]!r}."
            )
        if self.voting == "soft" and not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"voting='soft' needs predict_proba, which estimator "
                f"{type(self.estimator).__name__} does not have; use voting='hard'."
            )
        return y_checked

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit ``n_seeds`` clones of the estimator, one per derived seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; passed to the members as given (pandas included).
        y : array-like of shape (n_samples,)
            Class labels; NaN raises a ``ValueError``.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to every member's ``fit``. Without metadata routing it goes
            to ``fit(sample_weight=...)``, or to a Pipeline's final step
            (``<step>__sample_weight``) when that step accepts it; a
            ``TypeError`` is raised when nothing can take it. With routing
            enabled it is routed by the estimator's request
            (``set_fit_request(sample_weight=True)``).
        **fit_params : dict
            Other fit metadata: routed by the estimator's requests when
            metadata routing is enabled, passed to every member's ``fit``
            as given otherwise.

        Returns
        -------
        self : SeedEnsembleClassifier
            The fitted ensemble.
        """
        return self._fit(X, y, sample_weight, **fit_params)

    def _fit(self, X, y, sample_weight=None, **fit_params):
        super()._fit(X, y, sample_weight, **fit_params)
        self.classes_ = self.estimators_[0].classes_
        return self

    def _soft(self):
        return self.voting == "soft"

    @available_if(_soft)
    def predict_proba(self, X) -> np.ndarray:
        """Mean of the members' class probabilities (soft voting).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        self._check_predict_input(X)
        return np.mean([m.predict_proba(X) for m in self.estimators_], axis=0)

    def predict(self, X) -> np.ndarray:
        """Class labels by soft or hard voting.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        if self.voting == "soft":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        labels = self.predict_members(X)
        codes = np.searchsorted(self.classes_, labels)
        counts = np.zeros((labels.shape[1], self.classes_.shape[0]), dtype=np.int64)
        for row in codes:
            counts[np.arange(labels.shape[1]), row] += 1
        return self.classes_[np.argmax(counts, axis=1)]

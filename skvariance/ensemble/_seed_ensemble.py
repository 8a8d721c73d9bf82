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
from sklearn.utils import check_array, check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
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
from ..utils.validation import check_sample_weight, check_sample_weight_support

__all__ = ["SeedEnsembleClassifier", "SeedEnsembleRegressor"]


def _fit_member(estimator, X, y, fit_params):
    return estimator.fit(X, y, **fit_params)


def _supports_return_std(estimator) -> bool:
    """Whether ``estimator.predict`` takes ``return_std`` (Pipelines: last step)."""
    final = getattr(estimator, "_final_estimator", None)
    if final is not None and final != "passthrough":
        estimator = final
    try:
        return "return_std" in signature(estimator.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signature
        return False


class _BaseSeedEnsemble(MetaEstimatorMixin, BaseEstimator):
    """Shared fitting logic of the repeated-seed ensembles."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
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

    def _fit_params(self, X, sample_weight):
        if sample_weight is None:
            return {}
        check_sample_weight_support(self.estimator)
        sample_weight = np.asarray(sample_weight)
        return {"sample_weight": check_sample_weight(sample_weight, X)}

    def _fit_seeds(self, X, y, seeds, sample_weight=None):
        """Fit one member per seed in ``seeds`` (validated inputs)."""
        fit_params = self._fit_params(X, sample_weight)
        warn_if_unseeded(self.estimator, type(self).__name__, stacklevel=4)
        members = [set_random_state(clone(self.estimator), int(s)) for s in seeds]
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(member, X, y, fit_params) for member in members
        )
        self.seeds_ = np.asarray(seeds, dtype=np.int64)
        return self

    def _validate_fit_data(self, X, y):
        """Check X's shape and names and y's values; return y for the members."""
        self._check_2d(X)
        validate_data(self, X, y, skip_check_array=True)
        y_checked = self._check_y(y)
        if get_tags(self).target_tags.multi_output:
            return y
        return column_or_1d(y_checked, warn=True)

    def _fit(self, X, y, sample_weight=None):
        y = self._validate_fit_data(X, y)
        rng = check_random_state(self.random_state)
        return self._fit_seeds(X, y, derive_seeds(rng, self.n_seeds), sample_weight)

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
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context).
        The result does not depend on ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the member seeds.

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
    ``predict(X, return_std=True)`` uses the law of total variance over the
    equally weighted mixture of members,

    .. math::

        \\operatorname{Var}[y \\mid x] = \\frac{1}{K} \\sum_k \\sigma_k^2(x)
        + \\frac{1}{K} \\sum_k (\\mu_k(x) - \\bar\\mu(x))^2,

    where :math:`\\sigma_k^2(x)` is member ``k``'s own predictive variance when
    its ``predict`` offers ``return_std`` (Gaussian processes, Bayesian ridge)
    and zero otherwise. The second term alone is the seed (epistemic) part.

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
    ):
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.aggregation = aggregation
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit ``n_seeds`` clones of the estimator, one per derived seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; passed to the members as given (pandas included).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; NaN or infinity raise a ``ValueError``.
        sample_weight : array-like of shape (n_samples,), default=None
            Routed to every member's ``fit``; a ``TypeError`` is raised when
            the estimator's ``fit`` does not accept it.

        Returns
        -------
        self : SeedEnsembleRegressor
            The fitted ensemble.
        """
        return self._fit(X, y, sample_weight)

    def predict(self, X, return_std: bool = False):
        """Combined prediction, optionally with the total predictive std.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        return_std : bool, default=False
            Also return the standard deviation of the member mixture (law of
            total variance; see Notes of the class).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Mean (or median) of the member predictions.
        y_std : ndarray of the same shape
            Only when ``return_std=True``.
        """
        self._check_predict_input(X)
        if return_std and all(_supports_return_std(m) for m in self.estimators_):
            pairs = [m.predict(X, return_std=True) for m in self.estimators_]
            means = np.stack([np.asarray(mu, dtype=float) for mu, _ in pairs])
            within = np.mean(
                np.stack([np.asarray(sd, dtype=float) ** 2 for _, sd in pairs]),
                axis=0,
            )
        else:
            means = np.stack([m.predict(X) for m in self.estimators_])
            within = 0.0
        if self.aggregation == "mean":
            y_pred = means.mean(axis=0)
        else:
            y_pred = np.median(means, axis=0)
        if not return_std:
            return y_pred
        between = means.var(axis=0)
        return y_pred, np.sqrt(within + between)


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
        Members fitted in parallel through :class:`sklearn.utils.parallel.Parallel`.
        The result does not depend on ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the member seeds.

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
    ):
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.voting = voting
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags

    def _validate_fit_data(self, X, y):
        y_checked = super()._validate_fit_data(X, y)
        check_classification_targets(y_checked)
        if self.voting == "soft" and not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"voting='soft' needs predict_proba, which estimator "
                f"{type(self.estimator).__name__} does not have; use voting='hard'."
            )
        return y_checked

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit ``n_seeds`` clones of the estimator, one per derived seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; passed to the members as given (pandas included).
        y : array-like of shape (n_samples,)
            Class labels; NaN raises a ``ValueError``.
        sample_weight : array-like of shape (n_samples,), default=None
            Routed to every member's ``fit``; a ``TypeError`` is raised when
            the estimator's ``fit`` does not accept it.

        Returns
        -------
        self : SeedEnsembleClassifier
            The fitted ensemble.
        """
        return self._fit(X, y, sample_weight)

    def _fit_seeds(self, X, y, seeds, sample_weight=None):
        super()._fit_seeds(X, y, seeds, sample_weight)
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

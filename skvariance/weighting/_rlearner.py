"""The R-learner: treatment effects as an inverse-variance weighted regression."""

from __future__ import annotations

import copy
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
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
from ..utils.validation import (
    check_n_jobs,
    check_sample_weight,
    num_samples,
    passthrough_tags,
    validate_passthrough,
)
from ._density_ratio import OverlapWarning
from .base import (
    build_router,
    check_splits,
    cross_fit_predict,
    derive_seed,
    fill_doc,
    fit_with_weights,
    route_fit_params,
    smooth_classifier,
    smooth_regressor,
)

__all__ = ["RLearner"]

_MODELS = ("outcome_model", "treatment_model", "effect_model")

#: A cross-fitted propensity within this of 0 or 1 is "extreme" ...
_PROPENSITY_MARGIN = 0.01
#: ... and more than this fraction of extreme rows issues an OverlapWarning.
_MAX_EXTREME_FRACTION = 0.02


@fill_doc
def _snapshot(value):
    """A copy of fit data kept for a deferred fit (arrays, frames, matrices).

    Caller-owned arrays could change between :meth:`RLearner.fit` and the
    deferred refit; a copy keeps the refit the one ``fit`` would have done.
    Other objects (rare fit metadata) are kept as they are.
    """
    if value is None:
        return None
    if isinstance(value, np.ndarray) or sparse.issparse(value):
        return value.copy()
    if hasattr(value, "iloc") and hasattr(value, "copy"):
        return value.copy(deep=True)
    if isinstance(value, (list, tuple)):
        return copy.deepcopy(value)
    return value


class RLearner(MetaEstimatorMixin, BaseEstimator):
    """Conditional average treatment effects by the R-learner.

    With cross-fitted nuisances :math:`\\hat m(x) = E[Y \\mid X=x]` and
    :math:`\\hat e(x) = E[W \\mid X=x]`, the R-learner minimises the R-loss

    .. math::

        \\sum_i \\big[(Y_i - \\hat m(X_i)) - (W_i - \\hat e(X_i))\\,\\tau(X_i)\\big]^2
        = \\sum_i (W_i - \\hat e(X_i))^2
          \\Big[\\frac{Y_i - \\hat m(X_i)}{W_i - \\hat e(X_i)} - \\tau(X_i)\\Big]^2,

    that is, a regression of the pseudo-outcome
    :math:`(Y - \\hat m)/(W - \\hat e)` with weights :math:`(W - \\hat e)^2`,
    the inverse of the pseudo-outcome's variance. ``effect_model`` is fitted
    exactly so; any regressor accepting ``sample_weight`` can be used.

    Parameters
    ----------
    outcome_model : regressor, default=None
        Model of :math:`E[Y \\mid X]`. ``None``: additive cubic splines (5
        knots per feature) with a ridge penalty chosen by leave-one-out
        (:class:`~sklearn.linear_model.RidgeCV`): smooth, fast and
        deterministic. Pass boosted trees or forests for interactions.
    treatment_model : estimator, default=None
        Model of :math:`E[W \\mid X]`: a classifier with ``predict_proba`` for a
        binary treatment (the propensity score), a regressor for a continuous
        one. ``None``: logistic regression on cubic splines (binary) or the
        spline ridge of ``outcome_model`` (continuous).
    effect_model : regressor, default=None
        Model of :math:`\\tau(x)`, fitted on the pseudo-outcome with weights
        :math:`(W - \\hat e)^2`; must accept ``sample_weight`` (``TypeError``
        otherwise). ``None``: the spline ridge of ``outcome_model``.
    {cv}
    treatment_type : {"auto", "binary", "continuous"}, default="auto"
        ``"binary"``: the treatment takes the values 0 and 1 (or False/True)
        only, 1 meaning treated. ``"continuous"``: any real-valued treatment
        with at least two distinct values (a dose, an exposure); the effect is
        then the slope of the outcome in the treatment, assumed linear in it
        given ``x``. ``"auto"`` accepts a 0/1 or boolean treatment (binary)
        and raises a ``ValueError`` for any other coding rather than guess:
        a binary treatment coded 1/2, a categorical one coded 0/1/2 or a dose
        all need an explicit choice (recode to 0/1, or
        ``treatment_type="continuous"`` for a dose). Several discrete arms
        are not supported. Non-numeric, multi-column, NaN or constant
        treatments raise an error.
    treatment_column : int, default=None
        Where the treatment is when it is not passed to ``fit``: the index of
        the column of ``X`` that holds it. Then ``X`` includes that column in
        ``fit``, ``predict`` and ``score`` (it is dropped before the models
        see the covariates), which lets plain scikit-learn tools that only
        pass ``X`` and ``y`` (Pipelines, cross-validation without metadata
        routing) use the estimator.
    min_treatment_residual : float, default=1e-3
        Treatment residuals :math:`W - \\hat e(x)` smaller in absolute value
        are raised to this value (keeping their sign; exact zeros become
        positive), so that no pseudo-outcome divides by a near-zero number.
        In the units of the treatment. ``0`` disables the clipping (rows with a
        zero residual then get weight 0). The number of clipped rows is in
        ``n_clipped_``.
    {n_jobs}
    {random_state}

    Attributes
    ----------
    outcome_model_, treatment_model_ : estimator
        The nuisance models refitted on all rows; used by :meth:`score` only
        (the effect model is fitted on cross-fitted residuals). Both are
        fitted on first use (by :meth:`score`, by reading the attribute, or
        when the learner is pickled or copied), not by :meth:`fit`, which then
        costs only the cross-fits and the effect model; the result is the
        same model either way (see Notes).
    effect_model_ : regressor
        The fitted effect model; :meth:`predict` is its prediction.
    outcome_residuals_ : ndarray of shape (n_samples,)
        Cross-fitted :math:`Y - \\hat m(X)`.
    treatment_residuals_ : ndarray of shape (n_samples,)
        Cross-fitted :math:`W - \\hat e(X)`, after clipping.
    pseudo_outcome_ : ndarray of shape (n_samples,)
        :math:`(Y - \\hat m)/(W - \\hat e)` (0 where the residual is 0).
    weights_ : ndarray of shape (n_samples,)
        :math:`(W - \\hat e)^2` times the user's ``sample_weight``.
    treatment_type_ : str
        ``"binary"`` or ``"continuous"``.
    n_clipped_ : int
        Rows whose treatment residual was raised to ``min_treatment_residual``.
    propensity_range_ : tuple of float or None
        Binary treatment: the smallest and largest cross-fitted propensity
        :math:`\\hat e(x)`. ``None`` for a continuous treatment.
    n_extreme_propensity_ : int or None
        Binary treatment: rows whose cross-fitted propensity is within 0.01 of
        0 or 1; when they are more than 2% of the rows an
        :class:`~skvariance.weighting.OverlapWarning` is issued (poor overlap:
        there the treated and untreated hardly coexist, the R-loss gives
        those rows almost no weight and the effect is extrapolated). ``None``
        for a continuous treatment.
    n_features_in_ : int
        Columns of ``X`` seen during fit (the treatment column included when
        ``treatment_column`` is set).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    InverseVarianceRegressor : inverse-variance weights for noisy targets.

    Notes
    -----
    **Grid search.** ``fit(X, y, treatment=w)`` takes the treatment as
    sample-aligned metadata, which :class:`~sklearn.model_selection.GridSearchCV`
    indexes per split. The default :meth:`score` needs the treatment of the
    held-out rows too; scikit-learn hands it over with metadata routing
    enabled and ``set_score_request(treatment=True)`` (and
    ``set_fit_request(treatment=True)``). Without routing, put the treatment
    in a column of ``X`` and set ``treatment_column``.

    **Deferred refits.** The two nuisance models refitted on all rows serve
    :meth:`score` alone, so :meth:`fit` prepares them (seeded clones, and a
    copy of the covariates, outcomes, treatments, weights and fit metadata
    they are to be fitted on) and fits them on first use. Their result does
    not depend on when that happens: ``set_params`` or changes to the
    caller's arrays after :meth:`fit` do not reach them, and a new
    :meth:`fit` replaces them. Until then the learner holds that copy of the
    training data; pickling or copying it fits them first, so a saved
    learner holds fitted models, not training data.

    **Score.** :meth:`score` returns the R-score
    :math:`1 - L(\\hat\\tau)/L(0)` with the R-loss
    :math:`L(\\tau) = \\sum_i s_i [(Y_i - \\hat m(X_i)) - (W_i - \\hat e(X_i))
    \\tau(X_i)]^2` computed with ``outcome_model_`` and ``treatment_model_``
    (fitted on the training rows): higher is better, 0 is no better than a
    zero effect. It is honest on held-out rows; on the training rows the
    nuisances are in-sample. Compare effect models with the same nuisance
    models: the loss depends on them.

    References
    ----------
    .. [1] Nie, X. and Wager, S. "Quasi-Oracle Estimation of Heterogeneous
       Treatment Effects", Biometrika, 2021.
    .. [2] Fisher, A. and Fisher, V. "The Connection Between R-Learning and
       Inverse-Variance Weighting for Estimation of Heterogeneous Treatment
       Effects", 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from skvariance.weighting import RLearner
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(500, 2))
    >>> w = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])))
    >>> y = X[:, 0] + w * (1 + X[:, 1]) + 0.1 * rng.normal(size=500)
    >>> rl = RLearner(outcome_model=LinearRegression(),
    ...               treatment_model=LogisticRegression(),
    ...               effect_model=LinearRegression(), random_state=0)
    >>> rl = rl.fit(X, y, treatment=w)
    >>> np.round(rl.effect_model_.coef_, 1).tolist()
    [0.0, 1.0]
    """

    _parameter_constraints: dict = {
        "outcome_model": [HasMethods(["fit", "predict"]), None],
        "treatment_model": [HasMethods(["fit", "predict"]), None],
        "effect_model": [HasMethods(["fit", "predict"]), None],
        "cv": ["cv_object"],
        "treatment_type": [StrOptions({"auto", "binary", "continuous"})],
        "treatment_column": [Integral, None],
        "min_treatment_residual": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        outcome_model=None,
        treatment_model=None,
        effect_model=None,
        cv=5,
        treatment_type: str = "auto",
        treatment_column: int | None = None,
        min_treatment_residual: float = 1e-3,
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.effect_model = effect_model
        self.cv = cv
        self.treatment_type = treatment_type
        self.treatment_column = treatment_column
        self.min_treatment_residual = min_treatment_residual
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _models(self, treatment_type):
        outcome = (
            smooth_regressor() if self.outcome_model is None else self.outcome_model
        )
        if self.treatment_model is not None:
            treatment = self.treatment_model
        elif treatment_type == "binary":
            treatment = smooth_classifier()
        else:
            treatment = smooth_regressor()
        effect = smooth_regressor() if self.effect_model is None else self.effect_model
        return {
            "outcome_model": outcome,
            "treatment_model": treatment,
            "effect_model": effect,
        }

    def __sklearn_tags__(self):
        # X (without a treatment column) reaches the three models as given
        kind = self.treatment_type if self.treatment_type != "auto" else "binary"
        models = self._models(kind).values()
        return passthrough_tags(super().__sklearn_tags__(), models)

    def get_metadata_routing(self):
        """Routing of ``fit`` metadata to the three models.

        Returns
        -------
        routing : MetadataRouter
            ``treatment`` and ``sample_weight`` are consumed here; each model
            gets the other metadata it requests for ``fit``.
        """
        kind = self.treatment_type if self.treatment_type != "auto" else "binary"
        return build_router(self, **self._models(kind))

    # -- input --------------------------------------------------------------
    def _check_X(self, X, y=None, *, reset):
        """X as the models receive it; checked in full where a column is read.

        A treatment column of a NumPy array (or list) is read here, so such
        an ``X`` is validated as before (numeric, finite). A DataFrame or a
        sparse matrix, and any ``X`` when the treatment is passed apart, goes
        to the models as given (column names and dtypes kept).
        """
        if (
            self.treatment_column is not None
            and not hasattr(X, "iloc")
            and not sparse.issparse(X)
        ):
            if y is None:
                return validate_data(self, X, reset=reset)
            X, y = validate_data(self, X, y, y_numeric=True, reset=reset)
            return X, y.astype(np.float64)
        if y is None:
            return validate_passthrough(self, X, reset=reset)
        return validate_passthrough(self, X, y, reset=reset)

    def _split_treatment(self, X, treatment, *, fitting):
        """(covariates, treatment or None) from validated ``X``."""
        if self.treatment_column is None:
            if treatment is None and fitting:
                raise ValueError(
                    "RLearner.fit needs the treatment: pass treatment=... "
                    "(array of shape (n_samples,)) or set treatment_column to "
                    "the column of X that holds it."
                )
            return X, treatment
        if treatment is not None:
            raise ValueError(
                "treatment was passed while treatment_column="
                f"{self.treatment_column} also names a column of X; give one."
            )
        n_features = self.n_features_in_
        column = self.treatment_column
        if not -n_features <= column < n_features:
            raise ValueError(
                f"treatment_column={column} is out of range for X with "
                f"{n_features} columns."
            )
        if n_features < 2:
            raise ValueError(
                f"X has {n_features} feature(s); with treatment_column set it "
                "needs at least one covariate column beside the treatment."
            )
        # X as the models would receive it: a DataFrame keeps its other
        # columns' names and dtypes, a sparse matrix stays sparse
        if hasattr(X, "iloc"):
            return X.drop(columns=X.columns[column]), X.iloc[:, column].to_numpy()
        if sparse.issparse(X):
            keep = np.arange(n_features) != column % n_features
            X = X.tocsr()
            return X[:, keep], X[:, [column]].toarray().ravel()
        X = np.asarray(X)
        return np.delete(X, column, axis=1), X[:, column]

    def _check_treatment(self, treatment, n_samples, *, kind=None):
        w = np.asarray(treatment)
        if w.ndim != 1:
            raise ValueError(
                f"treatment must be 1-d (one treatment per sample), got shape "
                f"{w.shape}; several treatments are not supported."
            )
        if w.shape[0] != n_samples:
            raise ValueError(
                f"treatment has {w.shape[0]} entries but X has {n_samples} samples."
            )
        if w.dtype.kind not in "biuf":
            raise TypeError(
                f"treatment must be numeric (0/1 or real values), got dtype "
                f"{w.dtype}; encode a binary treatment as 0/1."
            )
        w = w.astype(float)
        if not np.all(np.isfinite(w)):
            raise ValueError("treatment must be finite; found NaN or infinity.")
        values = np.unique(w)
        if kind is None and values.size < 2:
            raise ValueError(
                f"treatment is constant over {n_samples} sample(s): the effect "
                "of a treatment nobody varies cannot be estimated."
            )
        is_binary = np.all(np.isin(values, [0.0, 1.0])) and (
            values.size == 2 or kind == "binary"
        )
        if kind is None:
            kind = self.treatment_type
            if kind == "auto":
                if not is_binary:
                    raise ValueError(self._auto_message(values))
                kind = "binary"
        if kind == "binary" and not is_binary:
            raise ValueError(
                "treatment_type='binary' needs a treatment of 0 and 1 only, got "
                f"{values.size} distinct values {values[:5].tolist()}; use "
                "treatment_type='continuous' for doses."
            )
        return w, kind

    @staticmethod
    def _auto_message(values):
        items = [repr(float(v)) for v in values[:5]]
        shown = "[" + ", ".join(items + ["..."] * (values.size > 5)) + "]"
        ask = (
            "Recode a binary treatment as 0/1 (1 = treated), or set "
            "treatment_type='continuous' if it is a dose whose effect is "
            "linear in it."
        )
        if values.size == 2:
            return (
                f"treatment_type='auto' accepts 0/1 only; the treatment has the "
                f"two values {shown}, and which one is the treated arm is not "
                f"guessed. {ask}"
            )
        if np.all(values == np.round(values)) and values.size <= 10:
            return (
                f"treatment_type='auto' accepts 0/1 only; the treatment has "
                f"{values.size} distinct integer values {shown}: a "
                "categorical treatment with several arms is not supported "
                "(compare two arms at a time, coded 0/1). Set "
                "treatment_type='continuous' only if it is a dose whose effect "
                "is linear in it."
            )
        return (
            f"treatment_type='auto' accepts 0/1 only; the treatment has "
            f"{values.size} distinct values {shown}. {ask}"
        )

    # -- fitting --------------------------------------------------------------
    def _clip(self, residuals):
        eps = self.min_treatment_residual
        small = np.abs(residuals) < eps
        clipped = np.where(small, np.where(residuals < 0, -eps, eps), residuals)
        return clipped, int(np.sum(small))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, sample_weight=None, **fit_params):
        """Cross-fit the nuisances, then fit the weighted effect model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates (and the treatment column when ``treatment_column``
            is set).
        y : array-like of shape (n_samples,)
            Outcomes.
        treatment : array-like of shape (n_samples,), default=None
            The treatment of every sample (see ``treatment_type``); required
            unless ``treatment_column`` is set.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to the nuisance models and multiplied into the effect
            model's weights (all models must accept it).
        **fit_params : dict
            Other metadata for the three models; only with metadata routing
            enabled.

        Returns
        -------
        self : RLearner
            The fitted learner.
        """
        check_n_jobs(self.n_jobs)
        X, y = self._check_X(X, y, reset=True)
        X_cov, w = self._split_treatment(X, treatment, fitting=True)
        w, kind = self._check_treatment(w, len(y))
        sw = None
        if sample_weight is not None:
            sw = check_sample_weight(np.asarray(sample_weight), X)
        models = self._models(kind)
        if kind == "binary" and not (
            is_classifier(models["treatment_model"])
            and hasattr(models["treatment_model"], "predict_proba")
        ):
            raise TypeError(
                "treatment_model must be a classifier with predict_proba for a "
                f"binary treatment, got {type(models['treatment_model']).__name__}."
            )
        if kind == "continuous" and is_classifier(models["treatment_model"]):
            raise TypeError(
                "treatment_model must be a regressor for a continuous treatment, "
                f"got the classifier {type(models['treatment_model']).__name__}."
            )
        ones = np.ones(len(y))
        sample_weight_params(models["effect_model"], ones, name="effect_model")
        if sw is not None:
            for name in ("outcome_model", "treatment_model"):
                sample_weight_params(models[name], ones, name=name)
        routed = route_fit_params(self, _MODELS, fit_params)

        rng = check_random_state(self.random_state)
        models = {
            k: set_random_state(clone(m), derive_seed(rng)) for k, m in models.items()
        }
        splits = check_splits(
            self.cv, X_cov, w, derive_seed(rng), classifier=kind == "binary"
        )
        common = dict(sample_weight=sw, n_jobs=self.n_jobs)
        m_hat = cross_fit_predict(
            models["outcome_model"],
            X_cov,
            y,
            splits,
            fit_params=routed["outcome_model"],
            name="outcome_model",
            **common,
        )
        if kind == "binary":
            e_hat = cross_fit_predict(
                models["treatment_model"],
                X_cov,
                w.astype(int),
                splits,
                fit_params=routed["treatment_model"],
                method="predict_proba",
                name="treatment_model",
                **common,
            )[:, 1]
        else:
            e_hat = cross_fit_predict(
                models["treatment_model"],
                X_cov,
                w,
                splits,
                fit_params=routed["treatment_model"],
                name="treatment_model",
                **common,
            )
        self._check_overlap(e_hat, kind)
        r_y = y - m_hat
        r_w, self.n_clipped_ = self._clip(w - e_hat)
        nonzero = r_w != 0
        pseudo = np.zeros_like(r_y)
        pseudo[nonzero] = r_y[nonzero] / r_w[nonzero]
        weights = r_w**2 if sw is None else sw * r_w**2
        if not weights.sum() > 0:
            raise ValueError(
                "Every treatment residual is zero: the treatment model predicts "
                "the treatment exactly, so no effect can be identified."
            )
        self.outcome_residuals_ = r_y
        self.treatment_residuals_ = r_w
        self.pseudo_outcome_ = pseudo
        self.weights_ = weights
        self.treatment_type_ = kind
        self.effect_model_ = fit_with_weights(
            models["effect_model"],
            X_cov,
            pseudo,
            weights,
            routed["effect_model"],
            name="effect_model",
        )
        w_fit = w.astype(int) if kind == "binary" else w
        # the two nuisance refits on all rows serve score() alone: fitted on
        # first use (_nuisance_model), from a snapshot taken now
        X_snap, sw_snap = _snapshot(X_cov), _snapshot(sw)
        self._nuisance_fitted = {}
        self._nuisance_pending = {
            "outcome_model": (
                clone(models["outcome_model"]),
                X_snap,
                y,  # already the learner's own float64 copy
                sw_snap,
                {k: _snapshot(v) for k, v in routed["outcome_model"].items()},
            ),
            "treatment_model": (
                clone(models["treatment_model"]),
                X_snap,
                w_fit,  # a float copy made by _check_treatment (or its int cast)
                sw_snap,
                {k: _snapshot(v) for k, v in routed["treatment_model"].items()},
            ),
        }
        return self

    # -- the nuisance refits, fitted on first use -----------------------------
    def _nuisance_model(self, name):
        fitted = self.__dict__.get("_nuisance_fitted")
        if fitted is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}_'"
            )
        if name not in fitted:
            job = self._nuisance_pending.get(name)
            if job is not None:  # (None: another thread has just fitted it)
                model, X, target, sw, params = job
                fitted.setdefault(
                    name,
                    fit_with_weights(clone(model), X, target, sw, params, name=name),
                )
                self._nuisance_pending.pop(name, None)
        return fitted[name]

    def _set_nuisance_model(self, name, model):
        self.__dict__.setdefault("_nuisance_fitted", {})[name] = model
        self.__dict__.get("_nuisance_pending", {}).pop(name, None)

    outcome_model_ = property(
        lambda self: self._nuisance_model("outcome_model"),
        lambda self, model: self._set_nuisance_model("outcome_model", model),
        doc="The outcome model refitted on all rows (fitted on first use).",
    )
    treatment_model_ = property(
        lambda self: self._nuisance_model("treatment_model"),
        lambda self, model: self._set_nuisance_model("treatment_model", model),
        doc="The treatment model refitted on all rows (fitted on first use).",
    )

    def __getstate__(self):
        # a pickled (or copied) learner holds fitted models, never the
        # snapshot of the training data kept for them
        if self.__dict__.get("_nuisance_pending"):
            for name in list(self._nuisance_pending):
                self._nuisance_model(name)
        return super().__getstate__()

    def _check_overlap(self, e_hat, kind):
        if kind != "binary":
            self.propensity_range_ = self.n_extreme_propensity_ = None
            return
        self.propensity_range_ = (float(e_hat.min()), float(e_hat.max()))
        extreme = (e_hat < _PROPENSITY_MARGIN) | (e_hat > 1.0 - _PROPENSITY_MARGIN)
        self.n_extreme_propensity_ = int(np.sum(extreme))
        if self.n_extreme_propensity_ > _MAX_EXTREME_FRACTION * len(e_hat):
            low, high = self.propensity_range_
            warnings.warn(
                f"Poor overlap: {self.n_extreme_propensity_} of {len(e_hat)} rows "
                f"have a cross-fitted propensity within {_PROPENSITY_MARGIN} of "
                f"0 or 1 (range [{low:.3g}, {high:.3g}]). There the treated and "
                "untreated hardly coexist: the R-loss gives those rows almost "
                "no weight and the effect is extrapolated from the others. "
                "Restrict the analysis to covariates where both arms occur.",
                OverlapWarning,
                stacklevel=4,
            )

    def predict(self, X):
        """Conditional average treatment effect :math:`\\hat\\tau(x)`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates, with the treatment column when ``treatment_column`` is
            set (its values are ignored).

        Returns
        -------
        effect : ndarray of shape (n_samples,)
            For a binary treatment :math:`E[Y(1) - Y(0) \\mid x]`; for a
            continuous one the change of :math:`E[Y]` per unit of treatment.
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        X_cov, _ = self._split_treatment(X, None, fitting=False)
        return self.effect_model_.predict(X_cov)

    def score(self, X, y, treatment=None, sample_weight=None):
        """R-score :math:`1 - L(\\hat\\tau)/L(0)` on the given rows.

        See Notes of the class: the R-loss with the nuisance models fitted on
        the training rows; higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates (with the treatment column when ``treatment_column``
            is set).
        y : array-like of shape (n_samples,)
            Outcomes.
        treatment : array-like of shape (n_samples,), default=None
            Treatments of these rows; required unless ``treatment_column`` is
            set.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the loss.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        X_cov, w = self._split_treatment(X, treatment, fitting=False)
        if w is None:
            raise ValueError(
                "RLearner.score needs the treatment of the scored rows: pass "
                "treatment=..., with GridSearchCV enable metadata routing and "
                "call set_score_request(treatment=True), or set treatment_column."
            )
        w, kind = self._check_treatment(w, num_samples(X), kind=self.treatment_type_)
        y = np.asarray(y, dtype=float)
        sw = (
            np.ones(len(y))
            if sample_weight is None
            else check_sample_weight(np.asarray(sample_weight), X)
        )
        if kind == "binary":
            e_hat = self.treatment_model_.predict_proba(X_cov)[:, 1]
        else:
            e_hat = self.treatment_model_.predict(X_cov)
        r_y = y - self.outcome_model_.predict(X_cov)
        r_w = w - e_hat
        loss = np.sum(sw * (r_y - r_w * self.effect_model_.predict(X_cov)) ** 2)
        baseline = np.sum(sw * r_y**2)
        if not baseline > 0:
            return 1.0 if loss == 0 else -np.inf
        return float(1.0 - loss / baseline)

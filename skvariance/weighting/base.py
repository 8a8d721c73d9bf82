"""Shared machinery of the weighting family: cross-fitting and routing.

Every estimator of :mod:`skvariance.weighting` that needs out-of-fold
predictions (residuals for a variance model, member errors for a covariance,
nuisance residuals for the R-learner, domain probabilities for density
ratios) gets them from :func:`cross_fit_predict`, which fits one clone per
fold through :class:`sklearn.utils.parallel.Parallel` (so a
``joblib.parallel_config(backend="dask")`` context runs the folds on a Dask
cluster) and gives weights to the clones by the package's one rule
(:func:`skvariance.utils.sample_weight_params`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed

from ..utils._seeds import MAX_SEED
from ..utils._sklearn_compat import _check_method_params, _safe_indexing
from ..utils.metadata import routing_enabled, sample_weight_params

__all__ = [
    "CV_DOC",
    "N_JOBS_DOC",
    "RANDOM_STATE_DOC",
    "build_router",
    "check_splits",
    "cross_fit_predict",
    "derive_seed",
    "fill_doc",
    "fit_with_weights",
    "route_fit_params",
    "smooth_classifier",
    "smooth_regressor",
]

CV_DOC = """cv : int, cross-validation generator or iterable, default=5
        How the rows are split for cross-fitting. An int ``k`` gives a
        shuffled :class:`~sklearn.model_selection.KFold` (stratified for
        classification targets) seeded from ``random_state``. The test folds
        must partition the rows: every row gets exactly one out-of-fold
        prediction."""

N_JOBS_DOC = """n_jobs : int, default=None
        Folds fitted in parallel through :class:`sklearn.utils.parallel.Parallel`
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context,
        ``-1`` all cores, ``0`` is rejected). The result does not depend on
        ``n_jobs`` or on the joblib backend."""

RANDOM_STATE_DOC = """random_state : int, RandomState instance or None, default=None
        Seeds the shuffled folds and every nested ``random_state`` of the
        cloned sub-estimators. Pass an int for reproducible output."""


def smooth_regressor():
    """The family's default non-linear regressor: additive cubic splines + RidgeCV.

    Five knots per feature, the ridge penalty chosen by efficient
    leave-one-out: smooth, milliseconds to fit, deterministic, and free of
    OpenMP threads that would fight the cross-fitting workers. Its ridge
    requests ``sample_weight`` when metadata routing is enabled.
    """
    splines = SplineTransformer(n_knots=5, degree=3)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13))
    if routing_enabled():
        splines.set_fit_request(sample_weight=False)
        ridge.set_fit_request(sample_weight=True)
    return make_pipeline(splines, ridge)


def smooth_classifier():
    """The family's default classifier: logistic regression on cubic splines.

    An additive model of the log-odds fitted by maximum likelihood, whose
    probabilities are calibrated when that model holds.
    """
    splines = SplineTransformer(n_knots=5, degree=3)
    logistic = LogisticRegression(C=1.0, max_iter=1000)
    if routing_enabled():
        splines.set_fit_request(sample_weight=False)
        logistic.set_fit_request(sample_weight=True)
    return make_pipeline(splines, logistic)


def fill_doc(cls):
    """Replace ``{cv}``, ``{n_jobs}`` and ``{random_state}`` in ``cls.__doc__``.

    Plain replacement rather than ``str.format``, so LaTeX braces in the
    docstrings need no escaping.
    """
    for key, text in (
        ("{cv}", CV_DOC),
        ("{n_jobs}", N_JOBS_DOC),
        ("{random_state}", RANDOM_STATE_DOC),
    ):
        cls.__doc__ = cls.__doc__.replace(key, text)
    return cls


def check_splits(cv, X, y, seed, *, classifier=False):
    """The (train, test) index pairs of ``cv``; their test folds must partition."""
    n_samples = len(y)
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be >= 2 folds, got {cv}.")
        if cv > n_samples:
            raise ValueError(
                f"cv={cv} folds need at least {cv} samples, got {n_samples} sample(s)."
            )
        splitter_cls = StratifiedKFold if classifier else KFold
        splitter = splitter_cls(n_splits=int(cv), shuffle=True, random_state=seed)
    else:
        splitter = check_cv(cv, y, classifier=classifier)
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y)]
    counts = np.zeros(n_samples, dtype=np.int64)
    for _, test in splits:
        counts[test] += 1
    if not np.all(counts == 1):
        raise ValueError(
            "cv must split the rows so that every row is in exactly one test "
            f"fold (cross-fitting); {int(np.sum(counts != 1))} row(s) are not. "
            "Use KFold-like splitters, not ShuffleSplit."
        )
    return splits


def fit_with_weights(estimator, X, y, sample_weight, fit_params, *, name):
    """Fit ``estimator`` with ``sample_weight`` given by the package rule."""
    params = dict(fit_params)
    params.update(sample_weight_params(estimator, sample_weight, name=name))
    return estimator.fit(X, y, **params)


def _fit_predict_fold(estimator, X, y, train, test, weights, fit_params, method, name):
    est = clone(estimator)
    params = _check_method_params(X, params=fit_params, indices=train)
    w = None if weights is None else weights[train]
    fit_with_weights(
        est, _safe_indexing(X, train), _safe_indexing(y, train), w, params, name=name
    )
    return getattr(est, method)(_safe_indexing(X, test))


def cross_fit_predict(
    estimator,
    X,
    y,
    splits,
    *,
    sample_weight=None,
    fit_params=None,
    method="predict",
    n_jobs=None,
    name="estimator",
):
    """Out-of-fold predictions of ``estimator``: one clone fitted per fold.

    Parameters
    ----------
    estimator : estimator object
        Cloned for every fold, never fitted itself.
    X : array-like of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    splits : list of (train, test) index arrays
        Test folds partitioning the rows (see :func:`check_splits`).
    sample_weight : ndarray of shape (n_samples,) or None
        Weights given to each fold's fit (its training rows).
    fit_params : dict or None
        Other fit metadata; sample-aligned values are indexed per fold.
    method : str, default="predict"
        Method called on the held-out rows (``"predict_proba"`` for
        classifiers).
    n_jobs : int or None
        Workers for :class:`sklearn.utils.parallel.Parallel`.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    oof : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Row ``i`` is predicted by the clone that did not see row ``i``.
    """
    fit_params = fit_params or {}
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict_fold)(
            estimator, X, y, train, test, sample_weight, fit_params, method, name
        )
        for train, test in splits
    )
    first = np.asarray(parts[0], dtype=float)
    oof = np.empty((len(y),) + first.shape[1:], dtype=float)
    for (_, test), part in zip(splits, parts):
        oof[test] = np.asarray(part, dtype=float)
    return oof


def build_router(owner, **children):
    """A :class:`~sklearn.utils.metadata_routing.MetadataRouter` routing ``fit``.

    ``owner`` consumes its own ``fit`` metadata (``sample_weight``); each
    child gets what it requests for its ``fit``.
    """
    router = MetadataRouter(owner=type(owner).__name__).add_self_request(owner)
    for name, child in children.items():
        router.add(
            **{name: child},
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
    return router


def route_fit_params(owner, children, params):
    """Per-child ``fit`` metadata for ``params`` (the rule of ``utils.metadata``).

    With routing enabled the params are validated and routed by
    scikit-learn. ``sample_weight`` is not among them: it is the owner's, it
    is multiplied into the weights the owner makes and given to the children
    by the package rule, so it is not routed and a child needs no request for
    it (a default child built inside ``fit`` could not be given one).
    Without routing extra metadata cannot be routed and raises a
    ``TypeError``.
    """
    if routing_enabled():
        routed = process_routing(owner, "fit", **params)
        out = {}
        for name in children:
            child = dict(getattr(routed, name).fit)
            child.pop("sample_weight", None)
            out[name] = child
        return out
    if params:
        raise TypeError(
            f"{type(owner).__name__}.fit got unexpected fit parameter(s) "
            f"{sorted(params)}; extra metadata reaches the sub-estimators only "
            "with metadata routing enabled "
            "(sklearn.set_config(enable_metadata_routing=True))."
        )
    return {name: {} for name in children}


def derive_seed(rng) -> int:
    """One integer seed drawn from a ``RandomState``."""
    return int(rng.randint(MAX_SEED))

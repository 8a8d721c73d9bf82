"""Fold construction and cross-fitting: one owner for the whole package.

Every part of skvariance that splits rows into folds or needs out-of-fold
predictions goes through this module, so that the rule is written once:

- :func:`make_splitter`: an int ``cv`` becomes a shuffled
  :class:`~sklearn.model_selection.StratifiedKFold` for classifiers on a
  binary or multiclass target and a shuffled
  :class:`~sklearn.model_selection.KFold` otherwise, seeded by the caller's
  seed; anything else goes through :func:`~sklearn.model_selection.check_cv`.
  :func:`reseed_splitter` gives each seed of a repeated experiment its own
  folds and says whether it could.
- :func:`check_splits`: the (train, test) pairs, checked to partition the
  rows (cross-fitting needs exactly one out-of-fold prediction per row).
- :func:`cross_fit_predict`: one clone fitted per fold through
  :class:`sklearn.utils.parallel.Parallel` (so a Dask backend runs the
  folds), weights given by the package rule
  (:func:`skvariance.utils.sample_weight_params`).
  :func:`cross_fit_predict_many` does the same for several estimators at
  once, every (estimator, fold) fit and the optional refits on all the rows
  in one ``Parallel`` call.
"""

from __future__ import annotations

import copy
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils.multiclass import type_of_target

from ._sklearn_compat import _check_method_params, _safe_indexing
from .metadata import sample_weight_params
from .parallel import Parallel, delayed

__all__ = [
    "check_splits",
    "cross_fit_predict",
    "cross_fit_predict_many",
    "fit_with_weights",
    "make_splitter",
    "reseed_splitter",
]


def _is_int(cv) -> bool:
    return isinstance(cv, Integral) and not isinstance(cv, bool)


def make_splitter(cv, y=None, *, classifier: bool = False, random_state=None):
    """The splitter for ``cv``: shuffled (stratified) k-fold for an int.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
        An int ``k >= 2`` gives ``k`` shuffled folds seeded by
        ``random_state``: :class:`~sklearn.model_selection.StratifiedKFold`
        when ``classifier`` is true and ``y`` is binary or multiclass,
        :class:`~sklearn.model_selection.KFold` otherwise. Anything else is
        passed to :func:`~sklearn.model_selection.check_cv` as it is.
    y : array-like or None
        The target, to decide stratification.
    classifier : bool, default=False
        Whether the estimator being split for is a classifier.
    random_state : int or None
        Seed of the shuffled folds (an int ``cv`` only).

    Returns
    -------
    splitter : cross-validation generator

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.utils.crossfit import make_splitter
    >>> make_splitter(3, np.array([0, 1, 0, 1, 0, 1]), classifier=True,
    ...               random_state=0)
    StratifiedKFold(n_splits=3, random_state=0, shuffle=True)
    >>> make_splitter(3, random_state=0)
    KFold(n_splits=3, random_state=0, shuffle=True)
    """
    if _is_int(cv):
        if cv < 2:
            raise ValueError(f"cv must be >= 2 folds, got {cv}.")
        stratify = (
            classifier
            and y is not None
            and type_of_target(y) in ("binary", "multiclass")
        )
        kind = StratifiedKFold if stratify else KFold
        return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
    return check_cv(cv, y, classifier=classifier)


def reseed_splitter(cv, y=None, *, classifier: bool = False, seed=None):
    """The splitter of one seed of a repeated experiment, and whether it is new.

    An int ``cv`` gives shuffled folds drawn from ``seed``
    (:func:`make_splitter`). A splitter object with a ``random_state`` that
    shuffles (shuffled k-fold, ``ShuffleSplit``, repeated k-fold) is copied
    and re-seeded. Anything else (``KFold()`` without shuffling,
    ``GroupKFold``, ``LeaveOneOut``, a list of splits) gives the same folds
    for every seed: it is returned as it is with ``reseeded=False`` so that
    the caller can say so (repeated seeds then do not give new splits).

    Returns
    -------
    splitter : cross-validation generator
    reseeded : bool
        Whether the folds depend on ``seed``.

    Examples
    --------
    >>> from sklearn.model_selection import KFold
    >>> from skvariance.utils.crossfit import reseed_splitter
    >>> reseed_splitter(KFold(3), seed=1)
    (KFold(n_splits=3, random_state=None, shuffle=False), False)
    >>> reseed_splitter(KFold(3, shuffle=True), seed=1)
    (KFold(n_splits=3, random_state=1, shuffle=True), True)
    """
    if _is_int(cv):
        return make_splitter(cv, y, classifier=classifier, random_state=seed), True
    if hasattr(cv, "random_state") and getattr(cv, "shuffle", True):
        splitter = copy.deepcopy(cv)
        splitter.random_state = seed
        return splitter, True
    return check_cv(cv, y, classifier=classifier), False


def check_splits(cv, X, y, seed, *, classifier: bool = False):
    """The (train, test) index pairs of ``cv``; their test folds must partition.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
        See :func:`make_splitter`.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    seed : int or None
        Seed of the shuffled folds of an int ``cv``.
    classifier : bool, default=False
        Stratify an int ``cv`` on ``y``.

    Returns
    -------
    splits : list of (train, test) ndarray pairs
    """
    n_samples = len(y)
    if _is_int(cv) and cv > n_samples:
        raise ValueError(
            f"cv={cv} folds need at least {cv} samples, got {n_samples} sample(s)."
        )
    splitter = make_splitter(cv, y, classifier=classifier, random_state=seed)
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
    verbose=0,
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
    verbose : int, default=0
        joblib's progress messages, one per fold fit.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    oof : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Row ``i`` is predicted by the clone that did not see row ``i``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skvariance.utils.crossfit import check_splits, cross_fit_predict
    >>> X = np.arange(10.0).reshape(-1, 1); y = 2 * X.ravel()
    >>> splits = check_splits(5, X, y, seed=0)
    >>> np.allclose(cross_fit_predict(LinearRegression(), X, y, splits), y)
    True
    """
    fit_params = fit_params or {}
    parts = Parallel(n_jobs=n_jobs, verbose=verbose)(
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


def _fit_task(estimator, X, y, train, test, weights, fit_params, method, name):
    """A fold's predictions, or (``test`` None) a clone fitted on all rows."""
    if test is not None:
        return _fit_predict_fold(
            estimator, X, y, train, test, weights, fit_params, method, name
        )
    return fit_with_weights(clone(estimator), X, y, weights, fit_params, name=name)


def cross_fit_predict_many(
    estimators,
    X,
    y,
    splits,
    *,
    sample_weight=None,
    fit_params=None,
    method="predict",
    refit=False,
    n_jobs=None,
    verbose=0,
    names=None,
):
    """Out-of-fold predictions of several estimators, all fits in one ``Parallel``.

    The (estimator, fold) fits of :func:`cross_fit_predict` for every
    estimator, and with ``refit=True`` one clone of each fitted on all the
    rows, are dispatched as one batch of tasks, so that ``n_jobs`` workers
    stay busy when there are fewer folds than workers.

    Parameters
    ----------
    estimators : list of estimator objects
        Cloned for every fold, never fitted themselves.
    X : array-like of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    splits : list of (train, test) index arrays
        Test folds partitioning the rows (see :func:`check_splits`).
    sample_weight : ndarray of shape (n_samples,) or None
        Weights given to every fit by the package rule
        (:func:`skvariance.utils.sample_weight_params`).
    fit_params : dict, list of dicts or None
        Other fit metadata, shared or one dict per estimator; sample-aligned
        values are indexed per fold.
    method : str, default="predict"
        Method called on the held-out rows.
    refit : bool, default=False
        Also fit one clone of each estimator on all the rows.
    n_jobs : int or None
        Workers for :class:`sklearn.utils.parallel.Parallel`.
    verbose : int, default=0
        joblib's progress messages.
    names : list of str or None
        Names of the estimators in error messages.

    Returns
    -------
    oof : list of ndarray
        One array per estimator, shaped as in :func:`cross_fit_predict`.
    refitted : list of estimators or None
        The clones fitted on all the rows (``refit=True``), else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, Ridge
    >>> from skvariance.utils.crossfit import check_splits, cross_fit_predict_many
    >>> X = np.arange(10.0).reshape(-1, 1); y = 2 * X.ravel()
    >>> splits = check_splits(5, X, y, seed=0)
    >>> oof, models = cross_fit_predict_many(
    ...     [LinearRegression(), Ridge()], X, y, splits, refit=True)
    >>> np.allclose(oof[0], y), len(models)
    (True, 2)
    """
    n_est = len(estimators)
    if fit_params is None or isinstance(fit_params, dict):
        fit_params = [fit_params or {}] * n_est
    if names is None:
        names = ["estimator"] * n_est
    tasks = [(k, train, test) for k in range(n_est) for train, test in splits]
    if refit:
        everything = np.arange(len(y))
        tasks += [(k, everything, None) for k in range(n_est)]
    results = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_fit_task)(
            estimators[k],
            X,
            y,
            train,
            test,
            sample_weight,
            fit_params[k],
            method,
            names[k],
        )
        for k, train, test in tasks
    )
    n_folds = len(splits)
    oof = []
    for k in range(n_est):
        parts = results[k * n_folds : (k + 1) * n_folds]
        first = np.asarray(parts[0], dtype=float)
        out = np.empty((len(y),) + first.shape[1:], dtype=float)
        for (_, test), part in zip(splits, parts):
            out[test] = np.asarray(part, dtype=float)
        oof.append(out)
    refitted = list(results[n_est * n_folds :]) if refit else None
    return oof, refitted

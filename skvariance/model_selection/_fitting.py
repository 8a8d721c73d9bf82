"""Fitting and scoring on CV cells: one owner for model_selection.

Every function of :mod:`skvariance.model_selection` that fits a user's
estimator on rows and scores (or predicts) other rows goes through
:func:`fit_and_score`, and routes its metadata through :func:`route_params`;
the folds come from :mod:`skvariance.utils.crossfit` (``make_splitter``,
``reseed_splitter``).
"""

from __future__ import annotations

import time
from numbers import Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)

from ..utils._sklearn_compat import _check_method_params, _safe_indexing
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.validation import check_sample_weight

__all__ = ["check_probability", "check_target", "fit_and_score", "route_params"]


def check_target(y):
    """Raise a ``ValueError`` naming ``y`` if it holds NaN or infinity."""
    check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True, input_name="y")


def check_probability(value, name):
    """``value`` as a float in (0, 1), else a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}.")
    return float(value)


def route_params(owner, names, estimators, scorers, splitter, params, groups, X=None):
    """Fit, score and split metadata of every estimator (the package rule).

    Parameters
    ----------
    owner : str
        Name of the calling function, for error messages.
    names : list of str
        Estimator names, for error messages.
    estimators : list of estimators
        Their ``fit`` requests are read (routing enabled) or their ``fit``
        signature is checked for ``sample_weight`` (routing disabled).
    scorers : list of scorer or None
        A ``None`` scorer (the estimator's own ``score``) receives no
        metadata: scikit-learn's pass-through scorer would forward a
        Pipeline's score parameters that no step requested, which
        ``Pipeline.score`` rejects.
    splitter : cross-validation generator or None
        Receives ``split`` metadata (``groups``).
    params : dict or None
        The user's metadata. ``sample_weight`` is checked (finite,
        non-negative, one per row of ``X``) before any fit.
    groups : array-like or None
        Group labels for the splitter, routing disabled only.
    X : array-like or None
        The data, to check ``sample_weight`` against.

    Returns
    -------
    fit, score : list of dict
        Per-estimator ``fit`` and scorer parameters.
    split : dict
        The splitter's ``split`` parameters.

    Notes
    -----
    Routing enabled: scikit-learn's ``process_routing`` over one router
    holding the splitter, every estimator (``fit``) and every scorer
    (``score``), as ``cross_validate`` does for one estimator. Routing
    disabled: ``sample_weight`` goes to each estimator through
    :func:`~skvariance.utils.sample_weight_params` (a Pipeline's final step,
    a ``TypeError`` naming the estimator when nothing takes it), other
    parameters to ``fit`` as given, ``groups`` to the splitter.
    """
    params = dict(params or {})
    if params.get("sample_weight") is not None and X is not None:
        params["sample_weight"] = check_sample_weight(params["sample_weight"], X)
    if routing_enabled():
        if groups is not None:
            raise ValueError(
                f"groups can only be passed to {owner} when metadata routing is "
                "disabled; with routing enabled pass groups in params and let "
                "the splitter request it."
            )
        router = MetadataRouter(owner=owner)
        if splitter is not None:
            router.add(
                splitter=splitter,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        for i, (est, scorer) in enumerate(zip(estimators, scorers)):
            router.add(
                **{f"estimator{i}": est},
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
            if scorer is not None:
                router.add(
                    **{f"scorer{i}": scorer},
                    method_mapping=MethodMapping().add(caller="fit", callee="score"),
                )
        routed = process_routing(router, "fit", **params)
        fit = [dict(routed[f"estimator{i}"].fit) for i in range(len(estimators))]
        score = [
            {} if scorer is None else dict(routed[f"scorer{i}"].score)
            for i, scorer in enumerate(scorers)
        ]
        split = dict(routed.splitter.split) if splitter is not None else {}
        return fit, score, split
    weights = params.pop("sample_weight", None)
    fit = []
    for name, est in zip(names, estimators):
        fit_params = dict(params)
        fit_params.update(
            sample_weight_params(est, weights, name=f"estimator {name!r}")
        )
        fit.append(fit_params)
    return fit, [{} for _ in estimators], {"groups": groups}


def fit_and_score(
    estimator,
    X,
    y,
    train,
    test,
    scorer=None,
    fit_params=None,
    score_params=None,
    *,
    X_test=None,
    y_test=None,
    return_times=False,
):
    """Fit ``estimator`` on rows ``train``; score or predict rows ``test``.

    Parameters
    ----------
    estimator : estimator object
        Fitted in place (pass a clone).
    X, y : array-like
        Training data, indexed by ``train`` (pandas included).
    train, test : ndarray of int
        Row indices; ``test`` indexes ``X_test, y_test`` when given, else
        ``X, y``.
    scorer : callable or None
        ``scorer(estimator, X, y, **score_params)``; a float, or a dict of
        floats for a multi-metric scorer. ``None`` returns the predictions
        on the test rows instead.
    fit_params, score_params : dict or None
        Metadata; sample-aligned values are indexed like the rows.
    X_test, y_test : array-like or None
        A separate test set.
    return_times : bool, default=False
        Also return the fit and score times in seconds.

    Returns
    -------
    result : float, dict of float or ndarray
        The score(s), or the predictions when ``scorer`` is None.
    fit_time, score_time : float
        Only with ``return_times=True``.
    """
    if X_test is None:
        X_test, y_test = X, y
    start = time.perf_counter()
    estimator.fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_check_method_params(X, fit_params or {}, train),
    )
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    X_te = _safe_indexing(X_test, test)
    if scorer is None:
        result = np.asarray(estimator.predict(X_te))
    else:
        result = scorer(
            estimator,
            X_te,
            _safe_indexing(y_test, test),
            **_check_method_params(X_test, score_params or {}, test),
        )
        if isinstance(result, dict):
            result = {name: float(value) for name, value in result.items()}
        else:
            result = float(result)
    if return_times:
        return result, fit_time, time.perf_counter() - start
    return result

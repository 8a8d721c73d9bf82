"""Giving ``sample_weight`` and other fit metadata to a user's estimator.

Every skvariance meta-estimator and function that fits a user's estimator
follows one rule, written here once:

- **Metadata routing enabled** (``sklearn.set_config(enable_metadata_routing=True)``):
  user metadata is routed by scikit-learn's machinery. Each meta-estimator
  implements ``get_metadata_routing``; the consumer must request what it
  wants (``est.set_fit_request(sample_weight=True)``), as everywhere in
  scikit-learn. Weights that a meta-estimator makes itself (inverse-variance
  weights, rebalancing weights) are passed as ``sample_weight=w`` to
  ``estimator.fit``, so inside a :class:`~sklearn.pipeline.Pipeline` the step
  that should receive them must request ``sample_weight`` too.
- **Routing disabled** (scikit-learn's default): weights go to ``fit`` as
  ``sample_weight`` when the estimator accepts it; a ``Pipeline`` (nested
  ones included) gets them as ``<final step>__sample_weight`` when its final
  step accepts them. Anything else raises a ``TypeError`` naming the
  estimator: weights are never dropped silently.
"""

from __future__ import annotations

import sklearn
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)

from ._sklearn_compat import has_fit_parameter

__all__ = [
    "accepts_sample_weight",
    "build_router",
    "cv_router",
    "route_fit_params",
    "routing_enabled",
    "sample_weight_params",
]


def routing_enabled() -> bool:
    """Whether scikit-learn's metadata routing is enabled.

    Examples
    --------
    >>> routing_enabled()
    False
    """
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def _final_step(pipeline):
    name, step = pipeline.steps[-1]
    return name, step


def accepts_sample_weight(estimator) -> bool:
    """Whether ``estimator.fit`` can be given ``sample_weight``.

    True when ``fit`` takes ``sample_weight`` itself or, for a
    :class:`~sklearn.pipeline.Pipeline`, when its final step does (nested
    Pipelines are followed). With metadata routing enabled a Pipeline is
    assumed to accept weights: scikit-learn then checks the requests.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> accepts_sample_weight(make_pipeline(StandardScaler(), LogisticRegression()))
    True
    >>> accepts_sample_weight(KNeighborsClassifier())
    False
    """
    if has_fit_parameter(estimator, "sample_weight"):
        return True
    if isinstance(estimator, Pipeline):
        if routing_enabled():
            return True
        _, step = _final_step(estimator)
        return step not in (None, "passthrough") and accepts_sample_weight(step)
    return False


def _pipeline_key(estimator) -> str:
    """``"last__sample_weight"`` (or ``"outer__inner__sample_weight"``)."""
    if has_fit_parameter(estimator, "sample_weight"):
        return "sample_weight"
    name, step = _final_step(estimator)
    return f"{name}__{_pipeline_key(step)}"


def sample_weight_params(estimator, sample_weight, *, name: str = "estimator") -> dict:
    """The ``fit`` keyword arguments that give ``sample_weight`` to ``estimator``.

    Parameters
    ----------
    estimator : estimator object
        The estimator that will be fitted.
    sample_weight : array-like of shape (n_samples,) or None
        The weights; ``None`` gives ``{}``.
    name : str, default="estimator"
        The parameter name used in the error message.

    Returns
    -------
    params : dict
        ``{"sample_weight": w}``, or ``{"<step>__sample_weight": w}`` for a
        Pipeline when metadata routing is disabled.

    Raises
    ------
    TypeError
        If the estimator cannot take weights (see the module docstring for
        the rule).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import Ridge
    >>> pipe = make_pipeline(StandardScaler(), Ridge())
    >>> sorted(sample_weight_params(pipe, np.ones(3)))
    ['ridge__sample_weight']
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> sample_weight_params(KNeighborsRegressor(), np.ones(3))
    Traceback (most recent call last):
    ...
    TypeError: estimator KNeighborsRegressor does not accept sample_weight in fit...
    """
    if sample_weight is None:
        return {}
    if not accepts_sample_weight(estimator):
        detail = ""
        if isinstance(estimator, Pipeline):
            detail = (
                f" (its final step {type(_final_step(estimator)[1]).__name__} does not)"
            )
        raise TypeError(
            f"{name} {type(estimator).__name__} does not accept sample_weight in "
            f"fit{detail}; choose an estimator, or a Pipeline whose final step, "
            "takes sample_weight, or enable metadata routing and request it "
            "with set_fit_request(sample_weight=True)."
        )
    if routing_enabled():
        return {"sample_weight": sample_weight}
    return {_pipeline_key(estimator): sample_weight}


def cv_router(owner: str, *, splitter, estimator, scorer) -> MetadataRouter:
    """The router of a function that fits and scores one estimator on CV splits.

    ``fit`` metadata goes to the splitter's ``split``, the estimator's
    ``fit`` and the scorer by their requests, as in scikit-learn's
    ``cross_validate``; pass it to
    :func:`sklearn.utils.metadata_routing.process_routing` with ``"fit"``.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.metrics import check_scoring
    >>> from sklearn.model_selection import KFold
    >>> from sklearn.utils.metadata_routing import process_routing
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     est = Ridge().set_fit_request(sample_weight=True)
    ...     est = est.set_score_request(sample_weight=False)
    ...     router = cv_router(
    ...         "demo", splitter=KFold(), estimator=est, scorer=check_scoring(est)
    ...     )
    ...     routed = process_routing(router, "fit", sample_weight=[1.0, 2.0])
    >>> routed.estimator.fit
    {'sample_weight': [1.0, 2.0]}
    """
    return (
        MetadataRouter(owner=owner)
        .add(
            splitter=splitter,
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        .add(
            estimator=estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        .add(
            scorer=scorer,
            method_mapping=MethodMapping().add(caller="fit", callee="score"),
        )
    )


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


def route_fit_params(owner, children, params, *, sample_weight_by_request=False):
    """Per-child ``fit`` metadata for ``params`` (the rule of ``utils.metadata``).

    With routing enabled the params are validated and routed by
    scikit-learn. By default ``sample_weight`` is not among them: it is the
    owner's, it is multiplied into the weights the owner makes and given to
    the children by the package rule, so it is not routed and a child needs
    no request for it (a default child built inside ``fit`` could not be
    given one). With ``sample_weight_by_request=True`` the owner consumes
    ``sample_weight`` itself (its self request, see :func:`build_router`)
    and a child gets it too only when it requests it: pass it in ``params``.
    Without routing extra metadata cannot be routed and raises a
    ``TypeError``.
    """
    if routing_enabled():
        routed = process_routing(owner, "fit", **params)
        out = {}
        for name in children:
            child = dict(getattr(routed, name).fit)
            if not sample_weight_by_request:
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

"""Discover skvariance's public estimators, displays and functions.

Mirrors :mod:`sklearn.utils.discovery`: the common tests run over
:func:`all_estimators`, so a new estimator is checked as soon as it is
exported from a public subpackage.
"""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module
from operator import itemgetter

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    RegressorMixin,
    TransformerMixin,
)

__all__ = ["all_displays", "all_estimators", "all_functions"]

# Subpackages that need an optional dependency to import are still listed;
# only private modules and tests are skipped.
_SKIP = ("._", ".tests")


def _public_modules():
    import skvariance

    yield skvariance
    for info in pkgutil.walk_packages(skvariance.__path__, prefix="skvariance."):
        name = info.name
        if any(part in name for part in _SKIP) or name.rsplit(".", 1)[-1].startswith(
            "_"
        ):
            continue
        yield import_module(name)


def _public_members(predicate):
    found = {}
    for module in _public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        for name in names:
            obj = getattr(module, name, None)
            if predicate(obj) and obj.__module__.startswith("skvariance"):
                found[name] = obj
    return sorted(found.items(), key=itemgetter(0))


def _is_sampler(cls) -> bool:
    return callable(getattr(cls, "fit_resample", None))


def all_estimators(type_filter=None):
    """List every public estimator of skvariance.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster", \
"sampler"} or list of those, default=None
        Keep only estimators of these kinds; ``None`` keeps all.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name; abstract classes excluded.

    Examples
    --------
    >>> from skvariance.utils.discovery import all_estimators
    >>> estimators = all_estimators()
    >>> all(isinstance(name, str) for name, _ in estimators)
    True
    """

    def is_estimator(obj):
        return (
            inspect.isclass(obj)
            and issubclass(obj, BaseEstimator)
            and not inspect.isabstract(obj)
            and not obj.__name__.startswith("_")
        )

    estimators = _public_members(is_estimator)
    if type_filter is None:
        return estimators
    filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
    kinds = {
        "classifier": lambda c: issubclass(c, ClassifierMixin),
        "regressor": lambda c: issubclass(c, RegressorMixin),
        "transformer": lambda c: issubclass(c, TransformerMixin),
        "cluster": lambda c: issubclass(c, ClusterMixin),
        "sampler": _is_sampler,
    }
    unknown = set(filters) - set(kinds)
    if unknown:
        raise ValueError(
            f"type_filter must be None or a subset of {sorted(kinds)}, "
            f"got {sorted(unknown)}."
        )
    return [
        (name, cls) for name, cls in estimators if any(kinds[f](cls) for f in filters)
    ]


def all_displays():
    """List every public plotting Display of skvariance.

    Returns
    -------
    displays : list of (str, type)

    Examples
    --------
    >>> from skvariance.utils.discovery import all_displays
    >>> isinstance(all_displays(), list)
    True
    """
    return _public_members(
        lambda obj: inspect.isclass(obj) and obj.__name__.endswith("Display")
    )


def all_functions():
    """List every public function of skvariance.

    Returns
    -------
    functions : list of (str, callable)

    Examples
    --------
    >>> from skvariance.utils.discovery import all_functions
    >>> "derive_seeds" in dict(all_functions())
    True
    """
    return _public_members(inspect.isfunction)

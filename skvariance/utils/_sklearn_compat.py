"""The one place where skvariance imports private scikit-learn names.

scikit-learn keeps its parameter-validation machinery, ``_fit_context`` and a
few validation helpers private. Every module of skvariance imports them from
here, so that a change in scikit-learn is mended in one file.
"""

from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import (
    _check_method_params,
    _check_n_features,
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

__all__ = [
    "BaseSearchCV",
    "HasMethods",
    "Integral",
    "Interval",
    "Options",
    "Real",
    "StrOptions",
    "_check_method_params",
    "_check_n_features",
    "_check_sample_weight",
    "_fit_context",
    "_safe_indexing",
    "check_is_fitted",
    "has_fit_parameter",
    "validate_data",
    "validate_params",
]

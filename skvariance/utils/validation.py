"""Input validation shared by every skvariance family.

Each helper raises a ``ValueError`` or ``TypeError`` whose message names the
parameter or array and says what was expected. Nothing is clipped, dropped or
silently reordered.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from ._sklearn_compat import _check_sample_weight, has_fit_parameter

__all__ = [
    "check_coverage",
    "check_estimator_method",
    "check_groups",
    "check_n_jobs",
    "check_named_estimators",
    "check_positive_int",
    "check_quantile_levels",
    "check_sample_weight",
    "check_sample_weight_support",
    "effective_n_threads",
    "num_samples",
    "passthrough_X",
    "passthrough_tags",
    "validate_passthrough",
]


def check_coverage(coverage, *, name: str = "coverage") -> np.ndarray | float:
    """Validate a coverage level (or several) strictly inside (0, 1).

    Parameters
    ----------
    coverage : float or array-like of float
        Nominal coverage ``1 - alpha``.
    name : str, default="coverage"
        Parameter name used in error messages.

    Returns
    -------
    coverage : float or ndarray of float
        A float for scalar input, a 1-d float array otherwise.

    Examples
    --------
    >>> check_coverage(0.9)
    0.9
    >>> check_coverage(1.0)
    Traceback (most recent call last):
    ...
    ValueError: coverage must be strictly between 0 and 1, got 1.0.
    """
    if np.ndim(coverage) == 0:
        if isinstance(coverage, bool) or not isinstance(coverage, Real):
            raise TypeError(
                f"{name} must be a float in (0, 1), got {type(coverage).__name__}."
            )
        value = float(coverage)
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {value}.")
        return value
    values = np.asarray(coverage, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a float or a non-empty 1-d array of floats.")
    bad = ~((values > 0.0) & (values < 1.0))
    if bad.any():
        raise ValueError(
            f"{name} must be strictly between 0 and 1, got {values[bad].tolist()}."
        )
    return values


def check_quantile_levels(quantiles, *, name: str = "quantiles") -> np.ndarray:
    """Validate quantile levels: 1-d, strictly increasing, inside (0, 1).

    Levels are not sorted or de-duplicated for the caller: a user who passes
    ``(0.9, 0.1)`` gets an error, not columns in an order they did not ask for.

    Parameters
    ----------
    quantiles : float or array-like of float
        Quantile levels.
    name : str, default="quantiles"
        Parameter name used in error messages.

    Returns
    -------
    quantiles : ndarray of shape (n_quantiles,)

    Examples
    --------
    >>> check_quantile_levels([0.05, 0.5, 0.95])
    array([0.05, 0.5 , 0.95])
    >>> check_quantile_levels([0.5, 0.1])
    Traceback (most recent call last):
    ...
    ValueError: quantiles must be strictly increasing, got [0.5, 0.1].
    """
    try:
        levels = np.atleast_1d(np.asarray(quantiles, dtype=float))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be floats in (0, 1), got {quantiles!r}.") from exc
    if levels.ndim != 1 or levels.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence of floats.")
    if not np.all((levels > 0.0) & (levels < 1.0)):
        raise ValueError(
            f"{name} must be strictly between 0 and 1, got {levels.tolist()}."
        )
    if levels.size > 1 and not np.all(np.diff(levels) > 0):
        raise ValueError(f"{name} must be strictly increasing, got {levels.tolist()}.")
    return levels


def check_sample_weight(sample_weight, X, *, name: str = "sample_weight"):
    """Validate sample weights: finite, non-negative, not all zero.

    Parameters
    ----------
    sample_weight : None, float or array-like of shape (n_samples,)
        ``None`` gives unit weights.
    X : array-like of shape (n_samples, n_features)
        The data the weights belong to.
    name : str, default="sample_weight"
        Name used in error messages.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), dtype=float64

    Examples
    --------
    >>> import numpy as np
    >>> check_sample_weight(None, np.zeros((3, 1)))
    array([1., 1., 1.])
    >>> check_sample_weight([1.0, -1.0, 2.0], np.zeros((3, 1)))
    Traceback (most recent call last):
    ...
    ValueError: sample_weight must be non-negative; found 1 negative value(s).
    """
    if sample_weight is not None and np.ndim(sample_weight) == 1:
        sw = np.asarray(sample_weight)
        if sw.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be numeric, got dtype {sw.dtype}.")
        sw = sw.astype(np.float64)
        if not np.all(np.isfinite(sw)):
            raise ValueError(f"{name} must be finite; found NaN or infinity.")
        n_negative = int(np.sum(sw < 0))
        if n_negative:
            raise ValueError(
                f"{name} must be non-negative; found {n_negative} negative value(s)."
            )
        if sw.size and sw.sum() <= 0:
            raise ValueError(f"{name} must have a positive sum; all weights are zero.")
    try:
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    if sw.sum() <= 0:
        raise ValueError(f"{name} must have a positive sum; all weights are zero.")
    return sw


def check_groups(groups, n_samples: int, *, name: str = "groups") -> np.ndarray:
    """Validate group labels (for example Mondrian calibration groups).

    Parameters
    ----------
    groups : array-like of shape (n_samples,)
        One hashable label per sample; no missing values.
    n_samples : int
        Expected length.
    name : str, default="groups"
        Name used in error messages.

    Returns
    -------
    groups : ndarray of shape (n_samples,)

    Examples
    --------
    >>> check_groups(["a", "b", "a"], 3)
    array(['a', 'b', 'a'], dtype='<U1')
    >>> check_groups([0, 1], 3)
    Traceback (most recent call last):
    ...
    ValueError: groups has 2 entries but X has 3 samples.
    """
    arr = np.asarray(groups)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got an array of shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but X has {n_samples} samples."
        )
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; every sample needs a group label.")
    if arr.dtype.kind == "O" and any(g is None for g in arr.tolist()):
        raise ValueError(f"{name} contains None; every sample needs a group label.")
    return arr


def check_estimator_method(estimator, method: str, *, name: str = "estimator"):
    """Raise a ``TypeError`` unless ``estimator`` has a callable ``method``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> check_estimator_method(LinearRegression(), "predict_proba")
    Traceback (most recent call last):
    ...
    TypeError: estimator LinearRegression has no method 'predict_proba'.
    """
    if not callable(getattr(estimator, method, None)):
        raise TypeError(f"{name} {type(estimator).__name__} has no method {method!r}.")


def check_sample_weight_support(estimator, *, name: str = "estimator"):
    """Raise a ``TypeError`` unless ``estimator.fit`` accepts ``sample_weight``.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> check_sample_weight_support(KNeighborsRegressor())
    Traceback (most recent call last):
    ...
    TypeError: estimator KNeighborsRegressor does not accept sample_weight in fit; ...
    """
    if not has_fit_parameter(estimator, "sample_weight"):
        raise TypeError(
            f"{name} {type(estimator).__name__} does not accept sample_weight in "
            "fit; choose an estimator whose fit takes sample_weight."
        )


def check_positive_int(value, *, name: str, minimum: int = 1) -> int:
    """Validate an integer parameter ``>= minimum`` (bools are rejected).

    Examples
    --------
    >>> check_positive_int(0, name="n_seeds")
    Traceback (most recent call last):
    ...
    ValueError: n_seeds must be an integer >= 1, got 0.
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_confidence_level(value, *, name: str = "confidence_level") -> float:
    """Validate a confidence level strictly between 0 and 1 (bools rejected).

    The one check of the package's ``confidence_level`` parameters: a value
    that is not a real number raises a ``TypeError``, one outside (0, 1) a
    ``ValueError``.

    Examples
    --------
    >>> check_confidence_level(0.9)
    0.9
    >>> check_confidence_level(1.5)
    Traceback (most recent call last):
    ...
    ValueError: confidence_level must be strictly between 0 and 1, got 1.5.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a float strictly between 0 and 1, got "
            f"{type(value).__name__}."
        )
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}.")
    return float(value)


def check_n_jobs(n_jobs, *, name: str = "n_jobs") -> int | None:
    """Validate ``n_jobs``; the one rule every skvariance estimator follows.

    ``n_jobs`` means what it means in scikit-learn (see its glossary):
    ``None`` is 1 unless a :func:`joblib.parallel_config` context sets
    another number; ``-1`` is every core; ``-2`` all but one, and so on;
    a positive int is that many workers. ``0`` has no meaning and is
    rejected. It sets the number of joblib workers (meta-estimators,
    functions); compiled (numba) loops use every core instead, capped by
    ``skvariance.set_config(max_threads=...)`` (see
    :func:`~skvariance.utils.validation.effective_n_threads`). Results never
    depend on ``n_jobs``.

    Examples
    --------
    >>> check_n_jobs(None) is None
    True
    >>> check_n_jobs(0)
    Traceback (most recent call last):
    ...
    ValueError: n_jobs == 0 has no meaning; use None, a positive int, ...
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral):
        raise TypeError(f"{name} must be None or an int, got {type(n_jobs).__name__}.")
    if n_jobs == 0:
        raise ValueError(
            f"{name} == 0 has no meaning; use None, a positive int, or a negative "
            "int (-1 for all cores)."
        )
    return int(n_jobs)


def effective_n_threads(n_jobs=None) -> int:
    """Threads a compiled (numba) kernel uses: the package rule.

    Every core, capped by ``skvariance.set_config(max_threads=...)``, by the
    OpenMP limit (``threadpoolctl``, ``OMP_NUM_THREADS``) and by numba's
    ``NUMBA_NUM_THREADS`` (see
    ``skvariance._config.compiled_n_threads()``). ``n_jobs`` is checked
    (:func:`check_n_jobs`) but does not change the count: as in
    scikit-learn, ``n_jobs`` governs joblib workers, while compiled loops
    use the cores. Results never depend on the number of threads.

    Examples
    --------
    >>> import skvariance
    >>> with skvariance.config_context(max_threads=1):
    ...     effective_n_threads(None), effective_n_threads(-1)
    (1, 1)
    """
    from .._config import compiled_n_threads

    check_n_jobs(n_jobs)
    return compiled_n_threads()


def check_named_estimators(estimators, *, name: str = "estimators", minimum: int = 2):
    """Names and estimators of a dict, a list of estimators or (name, estimator) pairs.

    Unnamed estimators are named after their class. Raises a ``TypeError``
    for another container or an object without ``fit``, and a ``ValueError``
    for fewer than ``minimum`` estimators or duplicate names.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression, Ridge
    >>> check_named_estimators([LinearRegression(), ("r", Ridge())])[0]
    ['LinearRegression', 'r']
    >>> check_named_estimators([Ridge(), Ridge()])
    Traceback (most recent call last):
    ...
    ValueError: estimators have duplicate names ['Ridge', 'Ridge']; ...
    """
    if isinstance(estimators, dict):
        items = list(estimators.items())
    elif isinstance(estimators, (list, tuple)):
        items = []
        for item in estimators:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                items.append(item)
            else:
                items.append((type(item).__name__, item))
    else:
        raise TypeError(
            f"{name} must be a dict name -> estimator or a list of estimators "
            f"or (name, estimator) pairs, got {type(estimators).__name__}."
        )
    if len(items) < minimum:
        raise ValueError(
            f"{name} needs at least {minimum} estimators to compare, got {len(items)}."
        )
    names = [str(key) for key, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(
            f"{name} have duplicate names {names}; pass a dict or (name, "
            "estimator) pairs with distinct names."
        )
    for key, est in items:
        if not hasattr(est, "fit"):
            raise TypeError(f"estimator {key!r} has no fit method.")
    return names, [est for _, est in items]


def validate_passthrough(estimator, X, y=None, *, reset: bool = True):
    """Check a meta-estimator's ``X`` without converting it; check ``y``.

    For meta-estimators that hand ``X`` to inner estimators as they would
    receive it (pandas DataFrames with their column names and dtypes, sparse
    matrices, lists): only the shape of ``X`` is checked (2-d, and at
    predict time the number and names of the features seen in ``fit``,
    setting or checking ``n_features_in_`` and ``feature_names_in_``). Its
    values (NaN, strings, sparsity) are the inner estimators' business, so a
    ``ColumnTransformer`` selecting columns by name or
    ``HistGradientBoostingRegressor(categorical_features="from_dtype")``
    works inside. ``y``, which the meta-estimator computes with, is checked
    numeric, finite and 1-d, with as many entries as ``X`` has rows.

    Parameters
    ----------
    estimator : estimator object
        The meta-estimator (its feature attributes are set or checked).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Returned as it is.
    y : array-like of shape (n_samples,), default=None
        The target, or ``None`` at predict time.
    reset : bool, default=True
        ``True`` in ``fit``, ``False`` afterwards.

    Returns
    -------
    X : the ``X`` given, untouched when its rows can be indexed (arrays,
        DataFrames, lists, CSR); other sparse formats become CSR, other
        array-likes arrays (:func:`sklearn.utils.indexable`)
    y : ndarray of shape (n_samples,), dtype float64
        Only when ``y`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression()
    >>> X = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    >>> X_out, y = validate_passthrough(model, X, [1, 2])
    >>> X_out is X, model.feature_names_in_.tolist(), y.dtype
    (True, ['a', 'b'], dtype('float64'))
    """
    from sklearn.utils import check_array, check_consistent_length
    from sklearn.utils.validation import column_or_1d

    from ._sklearn_compat import validate_data

    if y is None and not reset:
        return passthrough_X(estimator, X, reset=reset)
    X = _passthrough_shape(X)
    # names, feature count and "y is None" (scikit-learn's own message) first
    validate_data(estimator, X, y, reset=reset, skip_check_array=True)
    y = check_array(
        y, ensure_2d=False, dtype="numeric", ensure_all_finite=True, input_name="y"
    )
    y = column_or_1d(y, warn=True).astype(np.float64)
    check_consistent_length(X, y)
    return X, y


def _passthrough_shape(X):
    from sklearn.utils import indexable

    ndim = np.ndim(X) if isinstance(X, (list, tuple)) else getattr(X, "ndim", 2)
    if ndim != 2:
        raise ValueError(
            f"Expected a 2D array for X, got a {ndim}D array instead. Reshape "
            "your data either using array.reshape(-1, 1) if your data has a "
            "single feature or array.reshape(1, -1) if it contains a single "
            "sample."
        )
    # rows must be selectable for cross-fitting: a sparse matrix becomes CSR,
    # an object that is only convertible becomes an array; DataFrames and
    # lists stay as they are
    (X,) = indexable(X)
    return X


def passthrough_X(estimator, X, *, reset: bool = True):
    """The ``X`` part of :func:`validate_passthrough`, for meta-estimators
    that check their ``y`` themselves (classifiers' labels, for example).

    Checks that ``X`` is 2-d, makes its rows indexable (other sparse formats
    become CSR) and sets (``reset=True``) or checks ``n_features_in_`` and
    ``feature_names_in_``; the values are left to the inner estimators.

    Parameters
    ----------
    estimator : estimator object
        The meta-estimator (its feature attributes are set or checked).
    X : array-like or sparse matrix of shape (n_samples, n_features)
    reset : bool, default=True
        ``True`` in ``fit``, ``False`` afterwards.

    Returns
    -------
    X : the ``X`` given, untouched when its rows can be indexed.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression()
    >>> X = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    >>> passthrough_X(model, X) is X, model.n_features_in_
    (True, 2)
    """
    from ._sklearn_compat import _check_n_features, validate_data

    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and (reset or getattr(estimator, "feature_names_in_", None) is None)
    ):
        # what the slow path below does for a 2-d ndarray, which is its own
        # indexable and has no feature names: validate_data's name check
        # drops a stale ``feature_names_in_`` at fit and has nothing to
        # compare when the fit had no names either -- without its
        # dataframe detection and tag lookup; the n_features check is its own
        if reset and hasattr(estimator, "feature_names_in_"):
            delattr(estimator, "feature_names_in_")
        _check_n_features(estimator, X, reset=reset)
        return X
    X = _passthrough_shape(X)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    return X


def passthrough_tags(tags, estimators):
    """Set ``tags.input_tags.sparse`` from the inner estimators X is passed to.

    A meta-estimator that hands ``X`` through untouched
    (:func:`validate_passthrough`) accepts sparse input exactly when every
    inner estimator does. ``None`` entries (defaults built in ``fit``) and
    objects without tags are skipped.
    """
    from sklearn.utils import get_tags

    sparse = []
    for est in estimators:
        if est is None or not hasattr(est, "fit"):
            continue
        try:
            sparse.append(get_tags(est).input_tags.sparse)
        except (AttributeError, TypeError, ValueError):  # pragma: no cover
            sparse.append(False)
    tags.input_tags.sparse = bool(sparse) and all(sparse)
    return tags


def num_samples(X) -> int:
    """Number of rows of ``X`` (array, DataFrame, sparse matrix or list)."""
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)

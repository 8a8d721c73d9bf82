"""Shared algorithm of the conformal calibrators.

Every calibrator in this family ends in the same step: sort non-conformity
scores of a calibration set (per Mondrian group), and at predict time take
their conformal quantile at one or several coverage levels, weighted by
density ratios under covariate shift. :class:`ConformalCalibration` does that
step; :class:`BaseConformal` holds the parameter checks, the seeded
calibration split, fit-parameter routing and the predict-time checks of
groups, levels and weights.
"""

from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, check_consistent_length, column_or_1d, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)

from .._kernels._conformal import (
    conformal_quantiles,
    grouped_cv_plus_order_statistics,
    weighted_conformal_quantiles,
)
from .._kernels._groups import count_codes, lookup_codes, stable_group_order
from ..utils._sklearn_compat import (
    Integral,
    _check_method_params,
    _safe_indexing,
    check_is_fitted,
)
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.stats import conformal_rank
from ..utils.validation import check_coverage, check_groups, passthrough_X

__all__ = [
    "BaseConformal",
    "CalibrationSizeWarning",
    "ConformalCalibration",
    "check_prefit",
    "encode_groups",
    "min_calibration_size",
]


#: the sorted ``__init__`` parameter names of each conformal class (keyed by
#: the class and its ``__init__``), see ``BaseConformal._get_param_names``
_PARAM_NAMES: dict = {}


class CalibrationSizeWarning(UserWarning):
    """A calibration set (or Mondrian group) too small for the coverage asked.

    The conformal quantile of ``n`` calibration scores at coverage ``c`` is
    the score of rank ``ceil((n + 1) c)``; when that rank exceeds ``n`` the
    exact conformal answer is ``+inf``: an interval ``(-inf, inf)``, or a
    prediction set that holds the label. The conformal estimators return that
    answer and issue this warning, at the predict call that returns it,
    rather than refusing to fit: a small fold of a grid search must not stop
    the search.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor
    >>> X = np.arange(40.0).reshape(-1, 1)
    >>> y = X[:, 0] + np.sin(X[:, 0])
    >>> reg = ConformalRegressor(Ridge(), calibration_size=8, random_state=0)
    >>> reg = reg.fit(X, y)  # 8 calibration points; coverage 0.9 needs 9
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     reg.predict_interval(X[:1])
    array([[-inf,  inf]])
    >>> caught[0].category.__name__
    'CalibrationSizeWarning'
    """


def min_calibration_size(coverage: float) -> int:
    """Smallest calibration set whose conformal quantile at ``coverage`` is finite.

    The smallest ``n`` whose conformal rank
    (:func:`~skvariance.utils.stats.conformal_rank`) is at most ``n``, that is
    ``n >= coverage / (1 - coverage)`` in exact arithmetic. With fewer
    calibration points (per group) the conformal estimators return infinite
    bounds with a :class:`CalibrationSizeWarning`.

    Parameters
    ----------
    coverage : float
        Coverage level in (0, 1).

    Returns
    -------
    n : int

    Examples
    --------
    >>> from skvariance.calibration import min_calibration_size
    >>> min_calibration_size(0.9)
    9
    >>> min_calibration_size(0.95)
    19
    """
    n = max(int(np.floor(coverage / (1.0 - coverage))) - 1, 1)
    while conformal_rank(n, coverage) > n:
        n += 1
    return n


#: what an infinite conformal quantile gives a regressor (CalibrationSizeWarning)
INFINITE_INTERVAL = "the prediction intervals of its test points are (-inf, inf)"


def _as_levels(coverage) -> np.ndarray:
    return np.atleast_1d(np.asarray(coverage, dtype=np.float64))


def encode_groups(groups, rows=None):
    """Sorted unique labels of ``groups`` and each sample's index into them.

    The same as ``np.unique(groups, return_inverse=True)``; integer labels
    of a small range are counted in one pass instead of sorted. With
    ``rows``, the codes of those rows only (``codes[rows]``; the labels are
    still those of every sample), without coding the other rows.
    """
    groups = np.asarray(groups)
    if groups.dtype.kind in "iu" and groups.size:
        low_value = groups.min()
        low, high = int(low_value), int(groups.max())
        span = high - low
        if span <= 4 * groups.size and span <= np.iinfo(groups.dtype).max:
            # no overflow: the differences fit the labels' own dtype
            if low == 0 and groups.dtype == np.intp:
                offsets = groups  # already the offsets (read only)
            else:
                offsets = (groups - low_value).astype(np.intp, copy=False)
            counts = np.zeros(span + 1, dtype=np.intp)
            count_codes(np.ascontiguousarray(offsets), counts)
            present = np.flatnonzero(counts)
            lookup = np.zeros(high - low + 1, dtype=np.intp)
            lookup[present] = np.arange(present.size)
            labels = present.astype(groups.dtype) + low_value
            return labels, lookup[offsets if rows is None else offsets[rows]]
    labels, codes = np.unique(groups, return_inverse=True)
    codes = codes.reshape(-1)
    return labels, codes if rows is None else codes[rows]


def calibration_groups(groups, cal):
    """Labels of every group seen at fit and the codes of the calibration rows.

    The :func:`encode_groups` encoding (labels, codes) that
    :class:`ConformalCalibration` takes. A group with no calibration row is
    kept: its calibration is empty, its conformal quantile ``+inf`` (the
    exact answer for its test points, with a :class:`CalibrationSizeWarning`)
    rather than an "unseen group" error.
    """
    if groups is None:
        return None
    return encode_groups(groups, rows=cal)


def seen_group_index(labels, groups, n_test: int) -> np.ndarray:
    """Index into the sorted ``labels`` seen at fit of each test group (checked).

    ``groups`` is validated by :func:`~skvariance.utils.validation.check_groups`;
    a label unseen at fit raises a ``ValueError`` naming it.
    """
    groups = check_groups(groups, n_test)
    fast = _small_int_codes(labels, groups)
    if fast is not None:
        return fast
    pos = np.searchsorted(labels, groups)
    pos = np.clip(pos, 0, len(labels) - 1)
    unseen = labels[pos] != groups
    if unseen.any():
        raise ValueError(
            f"groups contains labels unseen at fit: "
            f"{np.unique(groups[unseen]).tolist()[:10]}."
        )
    return pos


#: the integer labels' code table of :func:`seen_group_index` spans at most
#: this many entries (beyond ``4 * len(labels)``)
_TABLE_SLACK = 1024


def _small_int_codes(labels, groups):
    """Codes of int64 ``groups`` through a table of ``labels``, or None.

    The same codes as ``searchsorted`` when every label of ``groups`` was seen
    at fit; ``None`` when the table does not apply (other dtypes, labels too
    spread out) or some label is unseen: the caller then takes the general
    path, which names the unseen labels.
    """
    if (
        groups.dtype != np.int64
        or labels.dtype != np.int64
        or labels.size == 0
        or groups.size == 0
    ):
        return None
    low, high = int(labels[0]), int(labels[-1])
    if high - low > 4 * labels.size + _TABLE_SLACK:
        return None
    table = np.full(high - low + 1, -1, dtype=np.intp)
    table[labels - low] = np.arange(labels.size)
    out = np.empty(groups.shape[0], dtype=np.intp)
    missing = lookup_codes(np.ascontiguousarray(groups), low, high, table, out)
    return out if missing == 0 else None


class ConformalCalibration:
    """Sorted calibration scores (per group) and their conformal quantiles.

    The scores are sorted once, here: the rows of each group are gathered
    into a contiguous slice (one stable pass over the group codes), and each
    slice is sorted.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Non-conformity scores of the calibration set (finite or ``+inf``).
    groups : ndarray of shape (n,), tuple (labels, codes) or None
        Mondrian group of each score, or its :func:`encode_groups` encoding
        (so that a caller who already encoded the groups does not do it
        twice); one calibration per group.
    weights : ndarray of shape (n,) or None
        Density-ratio weights of the calibration points (weighted conformal).
    """

    def __init__(self, scores, groups=None, weights=None):
        scores = np.asarray(scores, dtype=np.float64)
        if np.isnan(scores).any():
            raise ValueError(
                "calibration scores contain NaN: the estimator's predictions on "
                "the calibration set (or its predicted std) are not finite."
            )
        if groups is None:
            self.group_labels = None
            grouped = scores
            sizes = np.array([scores.shape[0]])
        else:
            if isinstance(groups, tuple):
                self.group_labels, codes = groups
            else:
                self.group_labels, codes = encode_groups(groups)
            # rows of each group made contiguous (stable: row order kept), by
            # a counting sort in O(n): np.argsort(codes, kind="stable")
            sizes = np.zeros(len(self.group_labels), dtype=np.intp)
            by_group = np.empty(codes.shape[0], dtype=np.intp)
            stable_group_order(
                np.ascontiguousarray(codes, dtype=np.intp), sizes, by_group
            )
            grouped = scores.take(by_group)
        ptr = np.concatenate([[0], np.cumsum(sizes)])
        self.sizes = sizes.tolist()
        slices = [slice(ptr[g], ptr[g + 1]) for g in range(len(self.sizes))]
        if weights is None:
            # only the values matter: an in-place sort of each group's slice
            grouped = grouped.copy() if grouped is scores else grouped
            for part in slices:
                grouped[part].sort()
            self.sorted_scores = [grouped[part] for part in slices]
            self.cum_weights = [None] * len(self.sizes)
            return
        w = np.asarray(weights, dtype=np.float64)
        w = w if groups is None else w[by_group]
        self.sorted_scores, self.cum_weights = [], []
        for part in slices:
            # stable: tied scores accumulate their weights in row order
            order = np.argsort(grouped[part], kind="stable")
            self.sorted_scores.append(grouped[part][order])
            self.cum_weights.append(np.cumsum(w[part][order]))

    @property
    def weighted(self) -> bool:
        return self.cum_weights[0] is not None

    def group_index(self, groups, n_test: int) -> np.ndarray:
        """Index into ``group_labels`` of each test group (checked)."""
        if self.group_labels is None:
            if groups is not None:
                raise ValueError(
                    "groups were given at predict time but the calibrator was "
                    "fitted without groups."
                )
            return np.zeros(n_test, dtype=np.intp)
        if groups is None:
            raise ValueError(
                "groups is required: the calibrator was fitted with groups "
                "(Mondrian calibration)."
            )
        return seen_group_index(self.group_labels, groups, n_test)

    def warn_infinite(self, levels, group_index=None, *, consequence) -> None:
        """Warn when a calibration set (or group) is too small for a level.

        The unweighted conformal quantile is ``+inf`` where the rank
        :func:`~skvariance.utils.stats.conformal_rank` of the level exceeds
        the number of scores; :meth:`quantiles` returns that exact answer and
        this method says so with a :class:`CalibrationSizeWarning` (once per
        call, naming every group concerned and the largest such level). Only
        groups that some test point belongs to (``group_index``) are named.
        ``consequence`` says what the infinite quantile gives the caller.
        """
        if self.weighted:
            return
        levels = [float(c) for c in np.atleast_1d(levels)]
        used = (
            range(len(self.sizes))
            if group_index is None
            else np.flatnonzero(np.bincount(group_index, minlength=len(self.sizes)))
        )
        messages = []
        for g in used:
            size = self.sizes[g]
            infinite = [c for c in levels if conformal_rank(size, c) > size]
            if not infinite:
                continue
            level = max(infinite)
            where = (
                "the calibration set"
                if self.group_labels is None
                else f"calibration group {self.group_labels[g].tolist()!r}"
            )
            messages.append(
                f"{where} has {size} samples; coverage {level} needs at least "
                f"{min_calibration_size(level)}"
            )
        if messages:
            warnings.warn(
                CalibrationSizeWarning(
                    "; ".join(messages) + f": the conformal quantile is +inf, so "
                    f"{consequence} (the exact conformal answer). Use more "
                    "calibration data, a larger calibration_size or a lower "
                    "coverage for a finite one."
                ),
                stacklevel=3,
            )

    def quantiles(self, levels, group_index, test_weights=None) -> np.ndarray:
        """Conformal quantile of the scores for every test point and level.

        Returns an array of shape (n_test, n_levels). Under weighting the
        quantile is ``+inf`` where the test point's own weight is too large
        for the level (the honest answer, see Tibshirani et al., 2019), and
        wherever the test point's group has no calibration weight (no
        calibration mass, no guarantee; for a test point of weight zero, as
        its p-value of 1).
        """
        levels = np.ascontiguousarray(levels, dtype=np.float64)
        if not self.weighted:
            # one row of quantiles per group, then one gather for all points
            table = np.empty((len(self.sorted_scores), levels.size))
            for g, scores in enumerate(self.sorted_scores):
                conformal_quantiles(scores, levels, table[g])
            return table[group_index]
        n_test = group_index.shape[0]
        out = np.empty((n_test, levels.size))
        for g, scores in enumerate(self.sorted_scores):
            rows = np.flatnonzero(group_index == g)
            if rows.size == 0:
                continue
            if scores.size == 0:  # no calibration point in this group
                out[rows] = np.inf
                continue
            w = np.ascontiguousarray(test_weights[rows], dtype=np.float64)
            out[rows] = weighted_conformal_quantiles(
                scores,
                self.cum_weights[g],
                w,
                levels,
                np.empty((rows.size, levels.size)),
            )
        infinite = np.isinf(out).any(axis=1)
        if infinite.any():
            warnings.warn(
                CalibrationSizeWarning(
                    f"{int(infinite.sum())} of {n_test} test points get an "
                    "infinite conformal quantile: under covariate-shift weights "
                    "their own weight is too large (or their group has no "
                    "calibration point or no calibration weight) for coverage "
                    f"{float(levels.max())}, so the exact weighted conformal "
                    "answer is unbounded there (Tibshirani et al., 2019). The "
                    "calibration data cover the shifted target too thinly; use "
                    "more calibration data or a lower coverage."
                ),
                stacklevel=3,
            )
        return out


def cv_plus_rank_lower(level, n):
    """1-based rank of the CV+ lower bound at coverage ``level`` (0: -inf).

    The lower bound is the ``k``-th largest of ``n`` values counted from the
    top, ``k = conformal_rank(n, level)``: the ``(n + 1 - k)``-th smallest,
    ``floor((1 - level)(n + 1))`` in exact arithmetic.
    """
    return n + 1 - conformal_rank(n, level)


def cv_plus_rank_upper(level, n):
    """1-based rank ``conformal_rank(n, level)`` of the upper bound (> n: +inf)."""
    return conformal_rank(n, level)


def cv_plus_order_statistics(sorted_res, fold_ptr, centers, scales, sign, ranks):
    """CV+ order statistics of ``centers[j, k(i)] + sign * scales[j, k(i)] * r_i``.

    For each test row ``j`` and 1-based rank, the rank-th smallest of those
    ``n`` values, found by the numba kernel without the ``(n_test, n)``
    matrix (see
    :func:`skvariance._kernels._conformal.grouped_cv_plus_order_statistics`).
    Rank 0 (or less) gives ``-inf`` and a rank above ``n`` gives ``+inf``.

    Parameters
    ----------
    sorted_res : ndarray of shape (n,)
        Calibration residuals sorted ascending within each fold.
    fold_ptr : ndarray of int64, shape (K + 1,)
        Fold ``k`` holds ``sorted_res[fold_ptr[k]:fold_ptr[k + 1]]``.
    centers, scales : ndarray of shape (n_test, K)
        The fold models' centres and (positive) scales at the test rows.
    sign : {-1, 1}
    ranks : sequence of int

    Returns
    -------
    values : ndarray of shape (n_test, n_ranks)
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    n_test = centers.shape[0]
    # the one-group case of the Mondrian kernel (which maps rank < 1 to -inf
    # and rank > n to +inf)
    return grouped_cv_plus_order_statistics(
        sorted_res,
        np.ascontiguousarray(np.asarray(fold_ptr, dtype=np.int64)[None, :]),
        np.zeros(n_test, dtype=np.int64),
        centers,
        scales,
        int(sign),
        np.ascontiguousarray(ranks[None, :]),
        np.empty((n_test, ranks.size)),
    )


def check_shift_weights(
    weights, n: int, *, name: str, positive_sum: bool = False
) -> np.ndarray:
    """Finite, non-negative density-ratio weights of the right length.

    ``positive_sum=True`` (weights of calibration rows) also rejects weights
    that are all zero: the weighted quantile would then rest on the test
    point's weight alone and mean nothing.
    """
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of non-negative floats.") from exc
    w = w.reshape(-1) if w.ndim == 2 and 1 in w.shape else w
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got {np.shape(weights)}.")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite; found NaN or infinity.")
    if (w < 0).any():
        raise ValueError(
            f"{name} must be non-negative; found {int((w < 0).sum())} negative "
            "value(s)."
        )
    if positive_sum and not w.sum() > 0:
        raise ValueError(
            f"{name} is zero for every calibration row: weighted conformal "
            "prediction needs a positive total weight on the calibration set."
        )
    return w


class ScoreParameter:
    """``score`` as both a constructor parameter and the scoring method.

    The public API names the non-conformity score ``score`` (``"absolute"``,
    ``"aps"``...), but scikit-learn's ``GridSearchCV(scoring=None)`` calls the
    estimator's ``score(X, y)`` method. This data descriptor keeps both:
    ``est.score`` (and ``Class.score``) is the scoring method of the mixin,
    while the parameter value lives in the instance ``__dict__`` and is what
    :meth:`get_params`, ``set_params``, ``clone`` and pickling see.
    """

    def __init__(self, method):
        self.method = method
        self.__doc__ = method.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.method
        return self.method.__get__(instance, owner)

    def __set__(self, instance, value):
        instance.__dict__["score"] = value


class BaseConformal(MetaEstimatorMixin, BaseEstimator, metaclass=ABCMeta):
    """Parameter checks, calibration split and predict-time checks.

    Subclasses implement ``fit`` (which sets ``calibration_``) and their
    predict methods; they call the helpers here for everything shared.
    """

    @abstractmethod
    def fit(self, X, y, **kwargs):
        """Fit the model(s) and calibrate."""

    @classmethod
    def _get_param_names(cls):
        # BaseEstimator's inspects the signature of __init__ at every call
        # (get_params: every fit's parameter validation, clone...); the
        # names of a class's __init__ are read once here
        key = (cls, cls.__init__)
        names = _PARAM_NAMES.get(key)
        if names is None:
            names = _PARAM_NAMES[key] = tuple(super()._get_param_names())
        return list(names)

    def get_params(self, deep=True):
        """Get parameters for this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of the sub-estimators.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        if "score" in params:
            # the parameter, not the method (see ScoreParameter)
            params["score"] = self.__dict__.get("score")
        return params

    @property
    def _score_name(self):
        return self.__dict__["score"]

    def _default_estimator(self):
        raise NotImplementedError

    def _base_estimator(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.string = inner.input_tags.string
        tags.input_tags.categorical = inner.input_tags.categorical
        tags.non_deterministic = False
        return tags

    # -- metadata --------------------------------------------------------
    def get_metadata_routing(self):
        """Route ``fit`` metadata (``sample_weight``...) to the estimator.

        Returns
        -------
        routing : MetadataRouter
        """
        # the calibrator consumes groups and shift_weight itself
        router = MetadataRouter(owner=self.__class__.__name__).add_self_request(self)
        router.add(
            estimator=self._base_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        return router

    def _fit_params(self, estimator, sample_weight, fit_params):
        """Fit keyword arguments for ``estimator`` (routing on or off)."""
        if routing_enabled():
            if sample_weight is not None:
                fit_params = {**fit_params, "sample_weight": sample_weight}
            return dict(process_routing(self, "fit", **fit_params).estimator.fit)
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected parameters "
                f"{sorted(fit_params)}; enable metadata routing to pass them to "
                "the estimator."
            )
        return sample_weight_params(estimator, sample_weight)

    @staticmethod
    def _subset_params(X, params, indices):
        return _check_method_params(X, params, indices)

    # -- data ------------------------------------------------------------
    def _passthrough_X(self, X, *, reset):
        """X as the estimator will receive it, with the wrapper's own checks.

        A DataFrame (feature names, categorical dtypes), a sparse matrix or
        an array is passed through unchanged: the estimator validates its
        own input (NaN, sparse, strings...). Only what the calibrator needs
        is checked here: a 2-d X, ``n_features_in_`` and ``feature_names_in_``
        set at fit and checked at predict time (scikit-learn's conventions).
        A list is made an array, as ``check_array`` would, and a sparse
        matrix other than CSR/CSC (COO, DIA...) CSR, whose rows can be taken.
        """
        if not hasattr(X, "shape"):
            X = check_array(
                X,
                accept_sparse=True,
                dtype=None,
                ensure_all_finite=False,
                ensure_2d=False,
                estimator=self,
            )
        return passthrough_X(self, X, reset=reset)

    def _validate_fit(self, X, y, *, y_numeric=True, reset=True, min_samples=2):
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        X = self._passthrough_X(X, reset=reset)
        if y_numeric and _is_clean_float_vector(y):
            # what check_array + column_or_1d return for it (a view), without
            # their dispatch: already 1-d, float64, contiguous, finite
            y = y.reshape(-1)
        else:
            y = column_or_1d(
                check_array(
                    y,
                    ensure_2d=False,
                    dtype="numeric" if y_numeric else None,
                    input_name="y",
                    estimator=self,
                ),
                warn=True,
            )
        check_consistent_length(X, y)
        if X.shape[0] < min_samples:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to fit and "
                f"calibrate; got n_samples={X.shape[0]}."
            )
        return X, y

    # -- prefit calibration ----------------------------------------------
    def _conformalize(self, X_cal, y_cal, groups, shift_weight, *, y_numeric=True):
        """``conformalize``: check the fitted estimator and the data, calibrate.

        The flow shared by the conformal estimators; each implements
        ``_calibrate_prefit(estimator, X_cal, y_cal, groups_cal, weights)``,
        the same calibration step that its ``fit`` runs on the held-out rows.
        """
        if self.method != "split":
            raise ValueError(
                "conformalize calibrates an already fitted estimator on held-out "
                f"data, which is split conformal; method={self.method!r} fits one "
                "model per fold (or bootstrap sample) and cannot use a single "
                "prefit one. Use method='split', or fit(X, y) to refit."
            )
        estimator = check_prefit(self.estimator, "estimator")
        known = self._prefit_features(estimator)
        X_cal, y_cal = self._validate_fit(
            X_cal, y_cal, y_numeric=y_numeric, reset=not known, min_samples=1
        )
        n = X_cal.shape[0]
        if groups is not None:
            groups = check_groups(groups, n)
        # checked (a positive total weight) before the estimator predicts
        weights = self._calibration_weights(X_cal, shift_weight)
        rows = np.arange(n)
        # every row calibrates (a subclass holding rows out, as RAPS tuning
        # does, sets its own calibration_indices_)
        self.calibration_indices_ = rows
        self._calibrate_prefit(
            estimator, X_cal, y_cal, calibration_groups(groups, rows), weights
        )
        return self

    def _calibrate_prefit(self, estimator, X_cal, y_cal, groups_cal, weights):
        raise NotImplementedError

    def _prefit_features(self, estimator) -> bool:
        """Take ``n_features_in_`` / ``feature_names_in_`` from a fitted estimator.

        Returns whether the estimator knows its number of features (then the
        calibration ``X`` is checked against it, as ``predict``'s is);
        otherwise the calibration ``X`` sets it. Stale values of an earlier
        fit are removed.
        """
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
            elif name in self.__dict__:
                delattr(self, name)
        return hasattr(estimator, "n_features_in_")

    def _split_indices(self, n: int, rng, stratify=None):
        """Seeded proper-training / calibration split."""
        size = self.calibration_size
        if isinstance(size, Integral):
            n_cal = int(size)
        else:
            n_cal = int(np.ceil(size * n))
        if not 1 <= n_cal < n:
            raise ValueError(
                f"cannot split {n} samples with calibration_size={size}: the "
                "calibration and the training part both need at least one row."
            )
        if stratify is None:
            cal = rng.permutation(n)[:n_cal]
        else:
            try:
                _, cal = train_test_split(
                    np.arange(n), test_size=n_cal, random_state=rng, stratify=stratify
                )
            except ValueError as exc:
                raise ValueError(
                    f"cannot split {n} samples with calibration_size={size} "
                    f"stratified by class: {exc}"
                ) from exc
        # row order (contiguous reads when indexing X, readable indices),
        # in O(n) rather than by sorting
        is_cal = np.zeros(n, dtype=bool)
        is_cal[cal] = True
        return np.flatnonzero(~is_cal), np.flatnonzero(is_cal)

    def _check_predict(self, X):
        check_is_fitted(self)
        return self._passthrough_X(X, reset=False)

    def _levels(self, coverage):
        coverage = self.coverage if coverage is None else coverage
        return _as_levels(check_coverage(coverage))

    # -- weights ---------------------------------------------------------
    def _calibration_weights(self, X_cal, shift_weight_cal):
        """Density-ratio weights of the calibration points, or None."""
        if shift_weight_cal is not None:
            return check_shift_weights(
                shift_weight_cal,
                _num_samples(X_cal),
                name="shift_weight",
                positive_sum=True,
            )
        if self.weight_function is None:
            return None
        return check_shift_weights(
            _call_weight_function(self.weight_function, X_cal),
            _num_samples(X_cal),
            name="weight_function(X_calibration)",
            positive_sum=True,
        )

    def _test_weights(self, X, shift_weight):
        if not self.calibration_.weighted:
            if shift_weight is not None:
                raise ValueError(
                    "shift_weight was given at predict time but the calibrator "
                    "was fitted without weights (no shift_weight, no "
                    "weight_function)."
                )
            return None
        n = _num_samples(X)
        if shift_weight is not None:
            return check_shift_weights(shift_weight, n, name="shift_weight")
        if self.weight_function is None:
            raise ValueError(
                "shift_weight is required: the calibrator was fitted with "
                "shift_weight and has no weight_function to compute it."
            )
        return check_shift_weights(
            _call_weight_function(self.weight_function, X),
            n,
            name="weight_function(X)",
        )


def check_sklearn_estimator(estimator, name="estimator"):
    """Raise a ``TypeError`` naming ``name`` unless it has scikit-learn's tags.

    scikit-learn's fitted check reads an estimator's tags; an object without
    ``__sklearn_tags__`` (a duck-typed model) would fail there with an
    ``AttributeError`` deep inside scikit-learn.
    """
    if not hasattr(estimator, "__sklearn_tags__"):
        raise TypeError(
            f"{name} must be a scikit-learn estimator (an object with "
            "__sklearn_tags__, e.g. a subclass of sklearn.base.BaseEstimator); "
            f"got {type(estimator).__name__}. Wrap the model in a class "
            "deriving from BaseEstimator."
        )


def check_prefit(estimator, name="estimator"):
    """``estimator``, checked to be fitted (``conformalize``'s contract).

    Raises a ``ValueError`` when it is ``None``, a ``TypeError`` when it is
    not a scikit-learn estimator (no ``__sklearn_tags__``), and scikit-learn's
    :class:`~sklearn.exceptions.NotFittedError` (a ``ValueError``) naming
    ``name`` when :func:`~sklearn.utils.validation.check_is_fitted` finds it
    unfitted.
    """
    if estimator is None:
        raise ValueError(
            f"conformalize needs an already fitted {name}, but {name} is None; "
            f"pass the fitted model as {name}, or call fit(X, y) to fit and "
            "calibrate on a split."
        )
    check_sklearn_estimator(estimator, name)
    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise NotFittedError(
            f"conformalize calibrates an already fitted {name}, but {name} "
            f"{type(estimator).__name__} is not fitted: fit it first, or call "
            "fit(X, y) instead to fit it on a split and calibrate."
        ) from exc
    return estimator


def _is_clean_float_vector(y) -> bool:
    """Whether ``y`` is a non-empty, C-contiguous, finite 1-d float64 array.

    Such a ``y`` passes ``check_array(y, ensure_2d=False, dtype="numeric")``
    and ``column_or_1d`` unchanged, so they can be skipped (any other ``y``
    goes through them, and gets their errors and warnings).
    """
    return (
        type(y) is np.ndarray
        and y.ndim == 1
        and y.dtype == np.float64
        and y.size > 0
        and y.flags.c_contiguous
        and bool(np.isfinite(y).all())
    )


def _num_samples(X) -> int:
    return X.shape[0]


def _call_weight_function(weight_function, X):
    if hasattr(weight_function, "predict"):
        try:
            return weight_function.predict(X)
        except NotFittedError as exc:
            raise NotFittedError(
                f"weight_function {type(weight_function).__name__} is not fitted. "
                "clone() (as in GridSearchCV or cross_val_score) returns "
                "estimator-valued parameters unfitted; pass the bound method of "
                "a fitted estimator instead, e.g. weight_function=dre.predict."
            ) from exc
    if callable(weight_function):
        return weight_function(X)
    raise TypeError(
        "weight_function must be a callable X -> weights or a fitted object "
        f"with predict(X), got {type(weight_function).__name__}."
    )


def safe_rows(X, indices):
    """Rows of X (array, sparse matrix or DataFrame)."""
    if type(X) is np.ndarray:
        return X.take(indices, axis=0)  # same rows, a few times faster than X[idx]
    return _safe_indexing(X, indices)

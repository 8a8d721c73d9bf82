"""SMOTE and SMOTE-NC with exact, cached neighbour graphs and fused interpolation."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_array, check_consistent_length, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from .._kernels._smote import mode_of_neighbours, smote_interpolate
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)
from ..utils.validation import check_sample_weight
from ._neighbors import class_kneighbors
from .base import (
    SMOTE_CONSTRAINTS,
    BaseOverSampler,
    fill_doc,
)

__all__ = ["SMOTE", "SMOTENC"]


def _check_class_size(n_class, k, label, name="k_neighbors"):
    # NumPy scalars print as np.int64(1) on NumPy 2: show the plain label
    label = label.item() if isinstance(label, np.generic) else label
    if n_class < k + 1:
        raise ValueError(
            f"Class {label!r} has {n_class} sample(s); SMOTE needs at least "
            f"{name} + 1 = {k + 1} samples in every class it over-samples. "
            f"Lower {name} or do not over-sample this class."
        )


def allocate_output(X, y, sample_weight, n_new):
    """Preallocate the resampled arrays, the original rows first, in order.

    Returns ``(X_out, y_out, w_out)`` with ``n_samples + n_new`` rows; the
    synthetic rows are left for the caller (and the kernels) to fill in place.
    ``w_out`` is ``None`` when ``sample_weight`` is.
    """
    n_samples = X.shape[0]
    n_total = n_samples + n_new
    X_out = np.empty((n_total, X.shape[1]), dtype=X.dtype)
    X_out[:n_samples] = X
    y_out = np.empty(n_total, dtype=y.dtype)
    y_out[:n_samples] = y
    w_out = None
    if sample_weight is not None:
        w_out = np.empty(n_total)
        w_out[:n_samples] = sample_weight
    return X_out, y_out, w_out


def _draw(rng, n_class, k, n_new):
    """Base rows, neighbour slots and steps, in imbalanced-learn's order."""
    flat = rng.randint(low=0, high=n_class * k, size=n_new)
    steps = rng.uniform(size=n_new)
    rows, cols = np.divmod(flat, k)
    return rows.astype(np.int64), cols.astype(np.int64), steps


def smote_class(
    X_class, n_new, k, rng, out, *, weights=None, nn=None, n_jobs=None, label=None
):
    """Write ``n_new`` SMOTE rows of one class into ``out``; return new weights.

    ``out`` is a preallocated ``(n_new, d)`` block (a slice of the final
    output). ``weights`` (the class rows' sample weights), when given, are
    interpolated with the same steps.
    """
    n_class = X_class.shape[0]
    if nn is None:
        _check_class_size(n_class, k, label)
        nn = class_kneighbors(X_class, k, n_jobs=n_jobs)
    rows, cols, steps = _draw(rng, n_class, nn.shape[1], n_new)
    smote_interpolate(X_class, nn, rows, cols, steps, out)
    if weights is None:
        return None
    w_base = weights[rows]
    return w_base + steps * (weights[nn[rows, cols]] - w_base)


class SMOTE(BaseOverSampler):
    """Synthetic Minority Over-sampling TEchnique, fast and exact.

    A drop-in replacement for :class:`imblearn.over_sampling.SMOTE`: same
    parameters, same draws, same output for the same neighbours, usable in
    :class:`imblearn.pipeline.Pipeline`. For each synthetic row a row
    :math:`x_i` of the class and one of its ``k_neighbors`` nearest
    neighbours :math:`x_j` in the class are drawn, and
    :math:`x_i + \\lambda (x_j - x_i)` with :math:`\\lambda \\sim U(0, 1)` is
    written straight into the preallocated output, after every original row.

    Read more in the :ref:`User Guide <resampling>`.

    Parameters
    ----------
    {sampling_strategy}

    {random_state}

    {k_neighbors}

        An object with ``kneighbors`` (such as
        :class:`~sklearn.neighbors.NearestNeighbors`) is also accepted, for
        imbalanced-learn compatibility: it is cloned, fitted on the class
        and its first neighbour column dropped, as imbalanced-learn does
        (no exact self-exclusion, no caching).

    {n_jobs}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated for each class.
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit_resample``, when they are strings.

    See Also
    --------
    SMOTENC : SMOTE for continuous and categorical features.
    SMOTER : SMOTE for rare target values in regression.
    ResampledClassifier : upsample, upweight or SMOTE inside ``fit``, with
        prior correction.

    Notes
    -----
    Differences from imbalanced-learn, all in the neighbour search:

    * the search is exact and excludes each row by its index, so exact
      duplicates are neighbours at distance 0 (imbalanced-learn drops the
      first returned neighbour, which is a duplicate rather than the row
      itself when duplicates exist); ties are broken by the lower index;
    * distances come from BLAS Gram blocks of the centred class data over
      the upper block triangle only, with the top-k selection fused in a
      numba kernel, in O(block) memory;
    * the neighbour graph of a class is cached (bounded, keyed by a hash of
      the class data), so calls with other seeds, ensemble members and refits
      on the same data skip the search.

    The output is the original ``X`` (unchanged, first, in order) followed
    by the synthetic rows class by class. ``fit_resample(X, y,
    sample_weight=w)`` also returns the weights: originals keep theirs and
    synthetic rows get the interpolation of their two parents' weights.

    References
    ----------
    .. [1] N. V. Chawla, K. W. Bowyer, L. O. Hall, W. P. Kegelmeyer, "SMOTE:
       synthetic minority over-sampling technique", Journal of Artificial
       Intelligence Research 16, 321-357, 2002.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from skvariance.resampling import SMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9, 0.1],
    ...                            random_state=0)
    >>> X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 449), (1, 449)]
    >>> bool((X_res[: len(X)] == X).all())
    True
    """

    _parameter_constraints: dict = {
        **SMOTE_CONSTRAINTS,
        "k_neighbors": [
            Interval(Integral, 1, None, closed="left"),
            HasMethods(["kneighbors"]),
        ],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors: int = 5,
        n_jobs: int | None = None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_jobs = n_jobs

    def _check_X_y(self, X, y, accept_sparse=None):
        from imblearn.utils import check_target_type

        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(self, X=X, y=y, reset=True, dtype=[np.float64, np.float32])
        return X, y, binarize_y

    def _neighbours(self, X_class, label):
        if isinstance(self.k_neighbors, Integral):
            _check_class_size(X_class.shape[0], self.k_neighbors, label)
            return class_kneighbors(X_class, self.k_neighbors, n_jobs=self.n_jobs)
        nn = clone(self.k_neighbors).fit(X_class)
        return nn.kneighbors(X_class, return_distance=False)[:, 1:]

    def _fit_resample(self, X, y, sample_weight=None):
        sw = None if sample_weight is None else check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        X_out, y_out, w_out = allocate_output(
            X, y, sw, sum(self.sampling_strategy_.values())
        )
        start = X.shape[0]
        for label, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            index = np.flatnonzero(y == label)
            X_class = X[index]
            nn = self._neighbours(X_class, label)
            stop = start + n_new
            w_new = smote_class(
                X_class,
                n_new,
                nn.shape[1],
                rng,
                X_out[start:stop],
                weights=None if sw is None else sw[index],
                nn=nn,
            )
            y_out[start:stop] = label
            if sw is not None:
                w_out[start:stop] = w_new
            start = stop
        if sw is None:
            return X_out, y_out
        return X_out, y_out, w_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


fill_doc(SMOTE)


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _restore_y(y_out, y_orig, binarize_y, classes):
    """Give ``y_out`` the container type of the user's ``y``."""
    if binarize_y:
        from sklearn.preprocessing import label_binarize

        y_out = label_binarize(y_out, classes=classes)
    if hasattr(y_orig, "iloc"):
        import pandas as pd

        if hasattr(y_orig, "columns"):
            return pd.DataFrame(y_out, columns=y_orig.columns)
        return pd.Series(y_out, name=y_orig.name)
    if isinstance(y_orig, list):
        return y_out.tolist()
    return y_out


class SMOTENC(SMOTE):
    """SMOTE for continuous and categorical features, in O(n * d) memory.

    Categorical columns are handled as integer codes, never one-hot encoded.
    The distance between two rows of a class is the squared Euclidean
    distance over the continuous columns plus :math:`m^2` per mismatching
    categorical column, where :math:`m` is the median of the class's
    continuous standard deviations [1]_. A synthetic row interpolates the
    continuous columns between a row and one of its ``k_neighbors`` nearest
    neighbours, and takes in each categorical column the most frequent value
    among those neighbours (ties broken at random, seeded).

    Read more in the :ref:`User Guide <resampling>`.

    Parameters
    ----------
    categorical_features : "auto" or array-like of int, bool or str
        Which columns are categorical: indices, a boolean mask, column names
        (pandas input), or ``"auto"`` for every pandas column of categorical,
        object, string or boolean dtype. Unknown columns are an error.
    {sampling_strategy}

    {random_state}

    {k_neighbors}

    {n_jobs}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated for each class.
    categorical_features_ : ndarray of int
        Indices of the categorical columns.
    continuous_features_ : ndarray of int
        Indices of the continuous columns.
    penalties_ : dict
        The squared-distance penalty :math:`m^2` used for each resampled class.
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit_resample``, when they are strings.

    See Also
    --------
    SMOTE : continuous features only.

    Notes
    -----
    imbalanced-learn one-hot encodes the categories with value :math:`m/2`,
    which gives :math:`m^2/2` per mismatch, and builds a dense
    ``(n_new, k, n_levels)`` array for the vote; here a mismatch costs
    :math:`m^2`, as in the paper, and the vote counts codes in place. Input
    categories may be pandas categoricals, strings or numbers; the output
    keeps the input's container, columns and dtypes. Missing values are an
    error.

    References
    ----------
    .. [1] N. V. Chawla, K. W. Bowyer, L. O. Hall, W. P. Kegelmeyer, "SMOTE:
       synthetic minority over-sampling technique", Journal of Artificial
       Intelligence Research 16, 321-357, 2002 (section 6.1, SMOTE-NC).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.resampling import SMOTENC
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.normal(size=100), rng.randint(0, 3, size=100)])
    >>> y = np.array([0] * 80 + [1] * 20)
    >>> X_res, y_res = SMOTENC(categorical_features=[1],
    ...                        random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((160, 2), [80, 80])
    >>> sorted(set(X_res[:, 1].tolist()))
    [0.0, 1.0, 2.0]
    """

    _parameter_constraints: dict = {
        **SMOTE_CONSTRAINTS,
        "categorical_features": [StrOptions({"auto"}), "array-like"],
    }

    def __init__(
        self,
        categorical_features,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors: int = 5,
        n_jobs: int | None = None,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            k_neighbors=k_neighbors,
            n_jobs=n_jobs,
        )
        self.categorical_features = categorical_features

    def _resolve_categorical(self, X, n_features):
        spec = self.categorical_features
        if isinstance(spec, str):  # "auto"
            if not _is_dataframe(X):
                raise ValueError(
                    "categorical_features='auto' needs a pandas DataFrame; pass "
                    "column indices, a boolean mask or names."
                )
            kinds = [
                dtype.name in ("category", "object", "bool", "string", "str")
                for dtype in X.dtypes
            ]
            index = np.flatnonzero(kinds)
        else:
            spec = np.asarray(spec)
            if spec.dtype.kind == "b":
                if spec.shape != (n_features,):
                    raise ValueError(
                        "categorical_features as a boolean mask must have "
                        f"{n_features} entries, got {spec.shape[0]}."
                    )
                index = np.flatnonzero(spec)
            elif spec.dtype.kind in "iu":
                bad = spec[(spec < 0) | (spec >= n_features)]
                if bad.size:
                    raise ValueError(
                        f"categorical_features has unknown columns {bad.tolist()}; "
                        f"X has {n_features} features."
                    )
                index = np.unique(spec)
            elif spec.dtype.kind in "OUS":
                names = getattr(self, "feature_names_in_", None)
                if names is None:
                    raise ValueError(
                        "categorical_features given by name needs X as a "
                        "DataFrame with string column names."
                    )
                lookup = {name: i for i, name in enumerate(names)}
                unknown = [s for s in spec.tolist() if s not in lookup]
                if unknown:
                    raise ValueError(
                        f"categorical_features has unknown columns {unknown}; "
                        f"X has columns {list(names)}."
                    )
                index = np.unique([lookup[s] for s in spec.tolist()])
            else:
                raise TypeError(
                    "categorical_features must be 'auto' or indices, a boolean "
                    f"mask or column names, got dtype {spec.dtype}."
                )
        if index.size == 0:
            raise ValueError("categorical_features selects no column; use SMOTE.")
        if index.size == n_features:
            raise ValueError(
                "SMOTENC needs at least one continuous column; every column is "
                "categorical (imbalanced-learn's SMOTEN handles that case)."
            )
        return index.astype(np.int64)

    def _columns(self, X):
        if _is_dataframe(X):
            return [X.iloc[:, j] for j in range(X.shape[1])]
        return [X[:, j] for j in range(X.shape[1])]

    def _encode(self, column, j):
        if getattr(column, "dtype", None) is not None and (
            getattr(column.dtype, "name", "") == "category"
        ):
            codes = np.asarray(column.cat.codes, dtype=np.int32)
            levels = column.cat.categories
            if (codes < 0).any():
                raise ValueError(f"categorical column {j} contains missing values.")
            return codes, levels
        values = np.asarray(column)
        if values.dtype.kind == "f" and np.isnan(values).any():
            raise ValueError(f"categorical column {j} contains missing values.")
        if values.dtype.kind == "O" and any(
            v is None or (isinstance(v, float) and v != v) for v in values.tolist()
        ):
            raise ValueError(f"categorical column {j} contains missing values.")
        try:
            levels, codes = np.unique(values, return_inverse=True)
        except TypeError as exc:
            raise TypeError(
                f"categorical column {j} mixes types that cannot be ordered."
            ) from exc
        return codes.astype(np.int32), levels

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Resample the data set.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Continuous and categorical columns.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : {ndarray, dataframe} of shape (n_samples_new, n_features)
            The original rows, then the synthetic ones; same container,
            columns and dtypes as ``X``.
        y_resampled : array-like of shape (n_samples_new,)
            The corresponding labels.
        """
        from imblearn.utils import check_sampling_strategy, check_target_type

        check_classification_targets(y)
        y_orig, x_is_list = y, isinstance(X, list)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if not _is_dataframe(X):
            X = check_array(X, dtype=None, ensure_all_finite=False)
        validate_data(self, X=X, reset=True, skip_check_array=True)
        y = column_or_1d(y)
        check_consistent_length(X, y)
        n_samples, n_features = X.shape
        cat = self._resolve_categorical(X, n_features)
        cont = np.setdiff1d(np.arange(n_features), cat)
        self.categorical_features_, self.continuous_features_ = cat, cont
        columns = self._columns(X)
        try:
            C = np.column_stack(
                [np.asarray(columns[j], dtype=np.float64) for j in cont]
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "continuous columns of X must be numeric; mark the others in "
                "categorical_features."
            ) from exc
        if not np.isfinite(C).all():
            raise ValueError("X contains NaN or infinity in continuous columns.")
        encoded = [self._encode(columns[j], j) for j in cat]
        codes = np.column_stack([c for c, _ in encoded]).astype(np.int32)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        rng = check_random_state(self.random_state)
        n_new_total = sum(self.sampling_strategy_.values())
        C_new = np.empty((n_new_total, cont.size))
        codes_new = np.empty((n_new_total, cat.size), dtype=np.int32)
        y_new = np.empty(n_new_total, dtype=y.dtype)
        self.penalties_ = {}
        start = 0
        for label, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            index = np.flatnonzero(y == label)
            _check_class_size(index.size, self.k_neighbors, label)
            C_class = np.ascontiguousarray(C[index])
            codes_class = np.ascontiguousarray(codes[index])
            penalty = float(np.median(C_class.std(axis=0)) ** 2)
            self.penalties_[label] = penalty
            nn = class_kneighbors(
                C_class,
                self.k_neighbors,
                codes=codes_class,
                penalty=penalty,
                n_jobs=self.n_jobs,
            )
            stop = start + n_new
            rows, cols, steps = _draw(rng, index.size, self.k_neighbors, n_new)
            tie_u = rng.uniform(size=(n_new, cat.size))
            smote_interpolate(C_class, nn, rows, cols, steps, C_new[start:stop])
            mode_of_neighbours(codes_class, nn, rows, tie_u, codes_new[start:stop])
            y_new[start:stop] = label
            start = stop
        X_out = self._assemble(X, columns, cont, cat, encoded, C_new, codes_new)
        if x_is_list:
            X_out = X_out.tolist()
        y_out = np.concatenate([y, y_new])
        return X_out, _restore_y(y_out, y_orig, binarize_y, np.unique(y))

    def _assemble(self, X, columns, cont, cat, encoded, C_new, codes_new):
        n_new = C_new.shape[0]
        new_cols = {}
        for pos, j in enumerate(cont):
            new_cols[j] = C_new[:, pos]
        for pos, j in enumerate(cat):
            levels = encoded[pos][1]
            new_cols[j] = (codes_new[:, pos], levels)
        if _is_dataframe(X):
            import pandas as pd

            data = {}
            for j, name in enumerate(X.columns):
                original = columns[j]
                if j in set(cont.tolist()):
                    values = np.concatenate([np.asarray(original), new_cols[j]])
                    data[name] = pd.Series(values).astype(
                        original.dtype
                        if np.dtype(original.dtype).kind == "f"
                        else np.float64
                    )
                else:
                    codes_j, levels = new_cols[j]
                    if getattr(original.dtype, "name", "") == "category":
                        all_codes = np.concatenate(
                            [np.asarray(original.cat.codes), codes_j]
                        )
                        data[name] = pd.Categorical.from_codes(
                            all_codes, dtype=original.dtype
                        )
                    else:
                        values = np.concatenate(
                            [np.asarray(original), np.asarray(levels)[codes_j]]
                        )
                        data[name] = pd.Series(values).astype(original.dtype)
            return pd.DataFrame(data, columns=X.columns)
        X_arr = np.asarray(X)
        dtype = X_arr.dtype if X_arr.dtype.kind in "fO" else np.float64
        out = np.empty((X_arr.shape[0] + n_new, X_arr.shape[1]), dtype=dtype)
        out[: X_arr.shape[0]] = X_arr
        for j, new in new_cols.items():
            if isinstance(new, tuple):
                codes_j, levels = new
                out[X_arr.shape[0] :, j] = np.asarray(levels)[codes_j]
            else:
                out[X_arr.shape[0] :, j] = new
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


fill_doc(SMOTENC)

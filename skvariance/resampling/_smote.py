"""SMOTE and SMOTE-NC with exact, cached neighbour graphs and fused interpolation."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from imblearn.over_sampling import SMOTE as _ImbSMOTE
from imblearn.utils import check_sampling_strategy
from scipy import sparse
from sklearn.base import clone
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, is_multilabel
from sklearn.utils.sparsefuncs import mean_variance_axis

from .._kernels._smote import mode_of_neighbours
from ..utils._sklearn_compat import Integral, StrOptions, validate_data
from ._neighbors import class_kneighbors
from .base import (
    SMOTE_CONSTRAINTS,
    BaseSMOTE,
    _is_dataframe,
    fill_doc,
    interpolate,
)

__all__ = ["SMOTE", "SMOTENC"]


def _check_target_type(y):
    """imbalanced-learn's ``check_target_type(y, indicate_one_vs_all=True)``.

    Called after ``check_classification_targets(y)`` (``_check_targets``),
    which has run ``type_of_target(y)`` -- a pass of ``np.unique`` over ``y``
    -- and raised for every ``y`` it refuses. Of that type
    ``check_target_type`` needs only whether ``y`` is a multilabel
    indicator, which :func:`~sklearn.utils.multiclass.is_multilabel` (the
    test ``type_of_target`` makes first) says without a second pass; the
    rest is imbalanced-learn's code, with its message.
    """
    if is_multilabel(y):
        if np.any(y.sum(axis=1) > 1):
            raise ValueError(
                "Imbalanced-learn currently supports binary, multiclass and "
                "binarized encoded multiclasss targets. Multilabel and "
                "multioutput targets are not supported."
            )
        return y.argmax(axis=1), True
    return column_or_1d(y), False


class SMOTE(BaseSMOTE, _ImbSMOTE):
    """Synthetic Minority Over-sampling TEchnique, fast and exact.

    A drop-in replacement for :class:`imblearn.over_sampling.SMOTE` -- a
    subclass of it, so :class:`imblearn.combine.SMOTEENN` and
    :class:`imblearn.combine.SMOTETomek` accept it as their ``smote`` --
    with the same parameters (plus ``n_jobs``), the same draws, the same
    output for the same neighbours, usable in
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
    Differences from imbalanced-learn in the output (each shown by a test):

    * the neighbour search is exact and excludes each row by its index, so
      exact duplicates are neighbours at distance 0 (imbalanced-learn drops
      the first returned neighbour, which is a duplicate rather than the
      row itself when duplicates exist); ties are broken by the lower index,
      on distances computed directly as :math:`\\sum_t (x_{{it}} - x_{{jt}})^2`
      (so exactly on integer data); imbalanced-learn's order of tied
      neighbours is whatever its tree or brute-force search returns;
    * with several classes to over-sample, one random stream runs across
      the classes; imbalanced-learn restarts ``random_state`` for every
      class (with an int seed each class gets the same draws, as if it were
      resampled alone). The first over-sampled class's rows are the same,
      the later classes' differ in distribution only;
    * integer and boolean columns of a DataFrame are rounded to the nearer
      value before they are cast back; imbalanced-learn truncates them
      toward zero (a synthetic count of 4.7 is 5 here, 4 there).

    On a binary problem without duplicates or tied distances among the
    neighbours, and with float columns, the output is imbalanced-learn's for
    the same ``random_state``. Other differences are in speed and memory:
    distances are filtered with BLAS Gram blocks of the centred class data
    (sparse products for sparse input) over the upper block triangle only,
    with the top-k selection fused in a numba kernel, in O(block) memory;
    the neighbour graph of a class is cached (bounded, keyed by a hash of
    the class data, controlled by :func:`skvariance.set_config`), so calls
    with other seeds, ensemble members and refits on the same data skip the
    search.

    The output is the original ``X`` (unchanged, first, in order) followed
    by the synthetic rows class by class; sparse ``X`` (CSR, CSC, or a
    DataFrame of sparse columns) gives sparse output in the same format.
    ``fit_resample(X, y, sample_weight=w)`` also returns the weights:
    originals keep theirs and synthetic rows get the interpolation of their
    two parents' weights.

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

    _parameter_constraints: dict = {**SMOTE_CONSTRAINTS}

    def __init__(
        self,
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
        )
        self.n_jobs = n_jobs

    def _check_targets(self, y):
        check_classification_targets(y)

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = _check_target_type(y)
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"],
        )
        return X, y, binarize_y

    def _fit_strategy(self, X, y):
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )

    def _groups(self, y):
        return [
            (label, np.flatnonzero(y == label), int(n_new))
            for label, n_new in self.sampling_strategy_.items()
            if n_new > 0
        ]

    def _new_targets(self, y, parents, partners, steps):
        """The parents' class, in ``y``'s dtype: ``y[parents]``.

        The synthetic rows of each class are one block, in the order of
        ``sampling_strategy_`` (``_groups``); for labels whose equal values
        are identical bits (integers, booleans, strings) the block is one
        label repeated, which skips a random gather over ``y``. Other labels
        (floats: ``-0.0 == 0.0``; objects: ``1 == 1.0 == True``) are gathered.
        """
        if y.dtype.kind not in "biuSU":
            return y[parents]
        counts = [int(n) for n in self.sampling_strategy_.values() if n > 0]
        if not counts:
            return y[parents]
        starts = np.cumsum([0] + counts[:-1])
        return np.repeat(y[parents[starts]], counts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


fill_doc(SMOTE)

#: SMOTENC's validated input: the container, the continuous block (float64,
#: dense or CSR), the categorical codes (int32) and each column's levels.
_Mixed = namedtuple("_Mixed", ["X", "C", "codes", "levels"])


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
    median_std_ : dict
        :math:`m` for each resampled class, the median of its continuous
        columns' standard deviations (as in imbalanced-learn); a mismatching
        category adds :math:`m^2` to a squared distance.
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in ``fit_resample``, when they are strings.

    See Also
    --------
    SMOTE : continuous features only.

    Notes
    -----
    imbalanced-learn one-hot encodes the categories with value
    :math:`m/\\sqrt{{2}}` (so a mismatch also costs :math:`m^2`) and builds a
    dense ``(n_new, k, n_levels)`` array for the vote; here the distance
    penalty is added per mismatching code and the vote counts codes in
    place, in O(n * d) memory. Ties of the vote are broken at random
    (seeded) among the most frequent codes, as in imbalanced-learn but with
    other draws (it permutes the tied one-hot columns with its generator),
    so the categorical columns, and from the second class on all columns
    (see :class:`SMOTE`), differ from its output in the draws only. Input
    categories may be pandas categoricals, strings or numbers; the output
    keeps the input's container, columns and dtypes:
    continuous columns of integer or boolean dtype are rounded to the
    nearer value and cast back (imbalanced-learn truncates them).
    Sparse ``X`` (CSR/CSC) gives sparse output of the same format. Missing
    values are an error, and so are strings in a continuous column, numeric
    ones such as ``"1.5"`` included (the error names the columns): convert
    them to numbers or list them in ``categorical_features``.

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
            raise ValueError(
                "SMOTE-NC is not designed to work only with numerical features: "
                "categorical_features selects no column; use SMOTE."
            )
        if index.size == n_features:
            raise ValueError(
                "SMOTE-NC is not designed to work only with categorical features: "
                f"X has n_features={n_features} and categorical_features selects "
                "all of them; it needs at least one continuous column "
                "(imbalanced-learn's SMOTEN handles that case)."
            )
        return index.astype(np.int64)

    def _columns(self, X):
        if _is_dataframe(X):
            return [X.iloc[:, j] for j in range(X.shape[1])]
        return [X[:, j] for j in range(X.shape[1])]

    def _encode(self, column, j):
        missing = (
            f"categorical column {j} of X contains NaN, infinity or None; "
            "missing values are not categories."
        )
        if isinstance(getattr(column, "dtype", None), _categorical_dtype()):
            codes = np.asarray(column.cat.codes, dtype=np.int32)
            if (codes < 0).any():
                raise ValueError(missing)
            return codes, column.cat.categories
        values = np.asarray(column)
        if values.dtype.kind in "fc" and not np.isfinite(values).all():
            raise ValueError(missing)
        if values.dtype.kind == "O":
            items = values.tolist()
            if any(
                v is None or (isinstance(v, float) and not np.isfinite(v))
                for v in items
            ):
                raise ValueError(missing)
            kinds = {type(v).__name__ for v in items if not isinstance(v, str)}
            if kinds and len(kinds) < len({type(v).__name__ for v in items}):
                raise TypeError(
                    f"categorical column {j} of X mixes strings and numbers "
                    f"({sorted(kinds)}); make its values all strings or all "
                    "numbers."
                )
        try:
            levels, codes = np.unique(values, return_inverse=True)
        except TypeError as exc:
            raise TypeError(
                f"categorical column {j} of X mixes types that cannot be ordered."
            ) from exc
        return codes.astype(np.int32), levels

    def _check_X_y(self, X, y, accept_sparse=None):
        """Validate ``X`` column by column: numbers, strings or categories.

        Everything about ``X`` is checked here, before any neighbour search
        (and by ``fit`` too): the categorical columns, that the continuous
        ones are finite numbers, that no category is missing and that each
        categorical column can be ordered.
        """
        y, binarize_y = _check_target_type(y)
        if _is_dataframe(X):
            pass
        elif sparse.issparse(X):
            X = check_array(X, accept_sparse=["csr", "csc"], dtype=None)
        else:
            X = check_array(X, dtype=None, ensure_all_finite=False)
        validate_data(self, X=X, reset=True, skip_check_array=True)
        y = np.asarray(y)
        check_consistent_length(X, y)
        n_features = X.shape[1]
        cat = self._resolve_categorical(X, n_features)
        cont = np.setdiff1d(np.arange(n_features), cat)
        self.categorical_features_, self.continuous_features_ = cat, cont
        if sparse.issparse(X):
            X_csc = X.tocsc()
            C = sparse.csr_matrix(X_csc[:, cont], dtype=np.float64)
            finite = np.isfinite(C.data).all()
            columns = [X_csc[:, [j]].toarray().ravel() for j in cat]
        else:
            columns = self._columns(X)
            # numeric strings ("1.5") would convert silently: refuse them
            texts = [j for j in cont if _holds_strings(columns[j])]
            names = getattr(self, "feature_names_in_", None)
            try:
                if texts:
                    raise TypeError
                C = np.column_stack(
                    [np.asarray(columns[j], dtype=np.float64) for j in cont]
                )
            except (TypeError, ValueError) as exc:
                bad = texts or [j for j in cont if not _converts_to_float(columns[j])]
                shown = [names[j] for j in bad] if names is not None else bad
                raise ValueError(
                    f"continuous columns of X must be numeric; column(s) "
                    f"{[str(c) if names is not None else int(c) for c in shown]} "
                    "hold strings or other non-numbers (numeric strings such "
                    "as '1.5' are not converted). Convert them to numbers or "
                    "mark them in categorical_features."
                ) from exc
            finite = np.isfinite(C).all()
            columns = [columns[j] for j in cat]
        if not finite:
            raise ValueError("Input X contains NaN or infinity in continuous columns.")
        encoded = [self._encode(column, j) for column, j in zip(columns, cat)]
        codes = np.column_stack([c for c, _ in encoded]).astype(np.int32)
        return _Mixed(X, C, codes, [lv for _, lv in encoded]), y, binarize_y

    def _fit_resample(self, X, y, sample_weight=None):
        C, codes = X.C, X.codes
        self.median_std_ = {}
        for label, index, _ in self._groups(y):
            C_class = C[index]
            if sparse.issparse(C_class):
                var = mean_variance_axis(C_class, axis=0)[1]
            else:
                var = C_class.var(axis=0)
            self.median_std_[label] = float(np.median(np.sqrt(var)))
        n_new = sum(self.sampling_strategy_.values())
        context = {
            "codes": codes,
            "codes_new": np.empty((n_new, codes.shape[1]), dtype=np.int32),
        }
        C_out, parents, partners, steps = self._smote(C, y, context)
        n = C.shape[0]
        C_new = C_out[n:]
        X_out = self._assemble(X, C_new, context["codes_new"])
        y_out = np.concatenate([y, y[parents]])
        return X_out, y_out, self._new_weights(sample_weight, parents, partners, steps)

    def _neighbours(self, X_group, index, key, context):
        codes = np.ascontiguousarray(context["codes"][index])
        penalty = self.median_std_[key] ** 2
        if isinstance(self.k_neighbors, Integral):
            return class_kneighbors(
                X_group, self.k_neighbors, codes=codes, penalty=penalty,
                n_jobs=self.n_jobs,
            )  # fmt: skip
        # an estimator sees imbalanced-learn's encoding: one-hot columns of
        # value m / sqrt(2), so that a mismatch adds m^2 to the squared distance
        from sklearn.preprocessing import OneHotEncoder

        one_hot = OneHotEncoder().fit_transform(codes) * np.sqrt(penalty / 2.0)
        Z = sparse.hstack([sparse.csr_matrix(X_group), one_hot], format="csr")
        nn = clone(self.k_neighbors).fit(Z)
        return nn.kneighbors(Z, return_distance=False)[:, 1:]

    def _generate(self, X_group, nn, rows, cols, steps, out, rng, **kwargs):
        block = interpolate(X_group, nn, rows, cols, steps, out)
        context, index = kwargs["context"], kwargs["index"]
        codes = np.ascontiguousarray(context["codes"][index])
        tie_u = rng.uniform(size=(rows.size, codes.shape[1]))
        nn = np.ascontiguousarray(nn, dtype=np.int64)
        mode_of_neighbours(
            codes, nn, rows, tie_u, context["codes_new"][kwargs["where"]]
        )
        return block

    def _assemble(self, X, C_new, codes_new):
        """The original container with the synthetic rows appended."""
        cont, cat = self.continuous_features_, self.categorical_features_
        X_in = X.X
        new_cat = [
            np.asarray(levels)[codes_new[:, pos]] for pos, levels in enumerate(X.levels)
        ]
        if _is_dataframe(X_in):
            import pandas as pd

            data = {}
            for pos, j in enumerate(cont):
                original = X_in.iloc[:, j]
                values = np.concatenate([np.asarray(original), C_new[:, pos]])
                data[j] = _cast_series(pd.Series(values), original.dtype)
            for pos, j in enumerate(cat):
                original = X_in.iloc[:, j]
                if isinstance(original.dtype, pd.CategoricalDtype):
                    all_codes = np.concatenate(
                        [np.asarray(original.cat.codes), codes_new[:, pos]]
                    )
                    data[j] = pd.Categorical.from_codes(all_codes, dtype=original.dtype)
                else:
                    values = np.concatenate([np.asarray(original), new_cat[pos]])
                    data[j] = pd.Series(values).astype(original.dtype)
            frame = pd.DataFrame({j: data[j] for j in range(X_in.shape[1])})
            frame.columns = X_in.columns
            return frame
        n_new = C_new.shape[0]
        if sparse.issparse(X_in):
            cat_block = sparse.csr_matrix(np.column_stack(new_cat).astype(X_in.dtype))
            block = sparse.hstack([C_new, cat_block], format="csr")
            order = np.argsort(np.concatenate([cont, cat]))
            block = block[:, order].astype(X_in.dtype)
            return sparse.vstack([X_in, block], format=X_in.format)
        out = np.empty((X_in.shape[0] + n_new, X_in.shape[1]), dtype=X_in.dtype)
        out[: X_in.shape[0]] = X_in
        new = out[X_in.shape[0] :]
        for pos, j in enumerate(cont):
            new[:, j] = _cast_values(C_new[:, pos], X_in.dtype)
        for pos, j in enumerate(cat):
            new[:, j] = new_cat[pos]
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


fill_doc(SMOTENC)


def _categorical_dtype():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return ()
    return pd.CategoricalDtype


def _holds_strings(column):
    """Whether a column holds text (str or bytes values)."""
    values = np.asarray(column)
    if values.dtype.kind in "US":
        return True
    if values.dtype.kind == "O":
        return any(isinstance(v, (str, bytes)) for v in values.tolist())
    return False


def _converts_to_float(column):
    try:
        np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _cast_values(values, dtype):
    """Interpolated floats as ``dtype``; integers and booleans rounded."""
    if dtype.kind in "iub":
        return np.rint(values).astype(dtype)
    return values


def _cast_series(series, dtype):
    kind = getattr(dtype, "kind", "O")
    if kind in "iub" and series.dtype.kind == "f":
        series = series.round()
    return series.astype(dtype)

"""The SMOTE algorithm shared by SMOTE, SMOTENC and SMOTER.

As in imbalanced-learn, every sampler of :mod:`skvariance.resampling` builds
its ``_parameter_constraints`` from the dicts here and its docstring from the
fragments, so one parameter is described and validated the same way
everywhere; and :class:`BaseSMOTE` owns the one SMOTE loop, following
imbalanced-learn's ``fit_resample`` -> ``_fit_resample`` flow:

1. ``fit_resample`` checks the target type (``_check_targets``), validates
   ``X`` and ``y`` (``_check_X_y``), ``n_jobs`` and ``sample_weight``, and
   sets ``sampling_strategy_`` (``_fit_strategy``) -- all before any
   neighbour search;
2. ``_fit_resample`` calls :meth:`BaseSMOTE._smote`, the per-group loop:
   neighbour search (exact, cached, :func:`._neighbors.class_kneighbors`),
   the draws, and the synthetic rows written into one preallocated output
   (dense) or stacked in the input's sparse format; the targets and weights
   of the new rows come from their two parents and the step;
3. ``fit_resample`` gives the output the containers of the user's ``X`` and
   ``y`` (list, DataFrame -- also of sparse columns --, Series).

Subclasses say what a group is (a class, a tail of the target), how the
target of a synthetic row is made, and, for SMOTE-NC, how the neighbours and
the categorical columns are found.
"""

from __future__ import annotations

from contextlib import contextmanager
from numbers import Integral

import numba
import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from scipy import sparse
from sklearn.base import clone
from sklearn.utils import check_random_state

from .._kernels._smote import (
    smote_interpolate,
    smote_interpolate_csr,
    smote_interpolate_csr_count,
)
from ..utils._sklearn_compat import HasMethods, Interval, _fit_context
from ..utils.validation import check_n_jobs, check_sample_weight, effective_n_threads
from ._neighbors import class_kneighbors

__all__ = [
    "BaseOverSampler",
    "BaseSMOTE",
    "K_NEIGHBORS_DOC",
    "N_JOBS_DOC",
    "RANDOM_STATE_DOC",
    "SAMPLING_STRATEGY_DOC",
    "SMOTE_CONSTRAINTS",
    "fill_doc",
]

#: Constraints shared by SMOTE, SMOTENC (and, without ``sampling_strategy``,
#: SMOTER).
SMOTE_CONSTRAINTS: dict = {
    **BaseOverSampler._parameter_constraints,
    "k_neighbors": [
        Interval(Integral, 1, None, closed="left"),
        HasMethods(["kneighbors"]),
    ],
    "n_jobs": [Integral, None],
}

SAMPLING_STRATEGY_DOC = BaseOverSampler._sampling_strategy_docstring

RANDOM_STATE_DOC = """random_state : int, RandomState instance or None, default=None
        Seeds the one ``RandomState`` drawn from in each ``fit_resample``
        (base rows, neighbours, steps and tie-breaks are all drawn from it,
        with NumPy, and passed to the compiled kernels). Pass an int for
        reproducible output; the result does not depend on ``n_jobs``."""

K_NEIGHBORS_DOC = """k_neighbors : int or estimator, default=5
        Number of nearest neighbours, within the group and excluding the row
        itself, among which the partner of each synthetic row is drawn. The
        search is exact; ties are broken by the lower row index. Every
        resampled group needs at least ``k_neighbors + 1`` rows.

        An object with ``kneighbors`` (such as
        :class:`~sklearn.neighbors.NearestNeighbors`) is also accepted, for
        imbalanced-learn compatibility: it is cloned, fitted on the group
        and its first neighbour column dropped, as imbalanced-learn does
        (no exact self-exclusion, no caching)."""

N_JOBS_DOC = """n_jobs : int, default=None
        Checked as everywhere in the package
        (:func:`skvariance.utils.check_n_jobs`: ``0`` is an error) and kept
        for imbalanced-learn compatibility, but without effect: the
        neighbour search and the interpolation are compiled loops, which
        use every core, capped by ``skvariance.set_config(max_threads=...)``
        (the package rule, see :ref:`threads`), as scikit-learn's compiled
        loops do whatever ``n_jobs`` says. The output does not depend on
        the number of threads."""


def fill_doc(cls):
    """Put the shared parameter fragments into ``cls``'s docstring; returns it.

    Placeholders a docstring does not use are ignored, so every sampler of the
    family calls this the same way.
    """
    cls.__doc__ = cls.__doc__.format(
        sampling_strategy=SAMPLING_STRATEGY_DOC,
        random_state=RANDOM_STATE_DOC,
        k_neighbors=K_NEIGHBORS_DOC,
        n_jobs=N_JOBS_DOC,
    )
    return cls


def draw(rng, n_group, k, n_new):
    """Base rows, neighbour slots and steps, in imbalanced-learn's order."""
    flat = rng.randint(low=0, high=n_group * k, size=n_new)
    steps = rng.uniform(size=n_new)
    rows, cols = np.divmod(flat, k)
    return rows.astype(np.int64), cols.astype(np.int64), steps


def _kernel_indices(nn):
    """The neighbour table as one array type: C-contiguous, writable int32.

    numba compiles a kernel once per argument type, and a cached graph is a
    read-only, possibly sliced view: without this, every layout and flag
    combination compiled its own copy of the interpolation kernels. The copy
    is n_group x k integers, small beside the rows it indexes; int64 is kept
    only beyond 2**31 rows.
    """
    big = nn.dtype.itemsize > 4 and nn.size and nn.max() > np.iinfo(np.int32).max
    dtype = np.int64 if big else np.int32
    if nn.dtype == dtype and nn.flags.c_contiguous and nn.flags.writeable:
        return nn
    return np.array(nn, dtype=dtype, order="C")


def interpolate(X, nn, rows, cols, steps, out=None):
    """SMOTE rows ``X[r] + s (X[nn[r, c]] - X[r])``: into ``out`` or returned.

    Dense ``X`` is written into the preallocated block ``out`` by the
    compiled kernel; sparse ``X`` (CSR) gives a new CSR block of the same
    values (zeros not stored), built by two kernels: count, then fill.
    """
    nn = _kernel_indices(nn)
    if sparse.issparse(X):
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        counts = np.empty(rows.size, dtype=np.int64)
        smote_interpolate_csr_count(
            X.indptr, X.indices, X.data, nn, rows, cols, steps, counts
        )
        indptr = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=X.indices.dtype)
        data = np.empty(indptr[-1], dtype=X.dtype)
        smote_interpolate_csr(
            X.indptr, X.indices, X.data, nn, rows, cols, steps, indptr, indices, data
        )
        return sparse.csr_matrix((data, indices, indptr), shape=(rows.size, X.shape[1]))
    smote_interpolate(X, nn, rows, cols, steps, out)
    return out


def _stack_csr(blocks, dtype):
    """Stack CSR blocks of one width row-wise by concatenating their arrays.

    What :func:`scipy.sparse.vstack` computes, without its per-block
    conversions: here it is several times faster on millions of non-zeros.
    """
    nnz = sum(b.nnz for b in blocks)
    index_dtype = np.int32 if nnz < np.iinfo(np.int32).max else np.int64
    indptr = [np.zeros(1, dtype=index_dtype)]
    offset = 0
    for b in blocks:
        indptr.append((b.indptr[1:] + offset).astype(index_dtype, copy=False))
        offset += b.nnz
    return sparse.csr_matrix(
        (
            np.concatenate([b.data for b in blocks]).astype(dtype, copy=False),
            np.concatenate([b.indices for b in blocks]).astype(index_dtype, copy=False),
            np.concatenate(indptr),
        ),
        shape=(sum(b.shape[0] for b in blocks), blocks[0].shape[1]),
    )


@contextmanager
def numba_threads(n_jobs):
    """Run the parallel kernels on ``effective_n_threads(n_jobs)`` threads."""
    n = min(effective_n_threads(n_jobs), numba.config.NUMBA_NUM_THREADS)
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def restore_containers(X_res, y_res, X_orig, y_orig):
    """Give the resampled arrays the containers of the user's ``X`` and ``y``.

    Lists stay lists; a DataFrame keeps its columns and dtypes (sparse
    columns stay sparse); a Series keeps its name; ``y`` gets ``X``'s index
    when both are pandas objects.
    """
    if _is_dataframe(X_orig) and not _is_dataframe(X_res):
        import pandas as pd

        if sparse.issparse(X_res):
            X_res = pd.DataFrame.sparse.from_spmatrix(X_res, columns=X_orig.columns)
        else:
            X_res = pd.DataFrame(X_res, columns=X_orig.columns)
        dtypes = X_orig.dtypes
        for name in X_res.columns:
            kind = getattr(dtypes[name], "kind", "O")
            if kind in "iub" and X_res[name].dtype.kind == "f":
                X_res[name] = np.rint(X_res[name])
        X_res = X_res.astype(dtypes)
    elif isinstance(X_orig, list):
        X_res = X_res.tolist()
    if hasattr(y_orig, "iloc"):
        import pandas as pd

        if hasattr(y_orig, "columns"):
            y_res = pd.DataFrame(y_res, columns=y_orig.columns)
        else:
            dtype = y_orig.dtype
            # an interpolated (SMOTER) target stays float; labels keep theirs
            if getattr(dtype, "kind", "O") in "iub" and y_res.dtype.kind == "f":
                dtype = None
            y_res = pd.Series(y_res, name=y_orig.name, dtype=dtype)
        if _is_dataframe(X_res):
            y_res.index = X_res.index
    elif isinstance(y_orig, list):
        y_res = y_res.tolist()
    return X_res, y_res


class BaseSMOTE:
    """The SMOTE loop shared by SMOTE, SMOTENC and SMOTER (a mixin).

    Subclasses implement ``_check_targets``, ``_check_X_y``,
    ``_fit_strategy`` (sets ``sampling_strategy_``), ``_groups`` (the row
    groups to over-sample and how many rows each gets) and ``_new_targets``;
    they may override ``_neighbours`` and ``_generate`` (SMOTE-NC) and
    ``_fit_resample``. Parameters used here: ``k_neighbors``, ``n_jobs``,
    ``random_state``.
    """

    # -- the public flow ---------------------------------------------------
    def _validate_inputs(self, X, y, sample_weight=None):
        """Every check of ``fit``/``fit_resample``, before any real work."""
        self._check_targets(y)
        check_n_jobs(self.n_jobs)
        X, y, binarize_y = self._check_X_y(X, y)
        sw = None
        if sample_weight is not None:
            sw = check_sample_weight(sample_weight, np.empty((y.shape[0], 0)))
        self._fit_strategy(X, y)
        return X, y, binarize_y, sw

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Validate the data and set ``sampling_strategy_``; nothing is sampled.

        Use :meth:`fit_resample` to resample.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target.
        **params : dict
            Ignored; for imbalanced-learn compatibility.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self._validate_inputs(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, *, sample_weight=None):
        """Over-sample the data set.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Training data (finite). Sparse input (CSR, CSC or a DataFrame of
            sparse columns) gives sparse output in the same format.
        y : array-like of shape (n_samples,)
            Target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; when given they are resampled too: the
            original rows keep theirs, a synthetic row gets the
            interpolation of its two parents' weights with the same step.

        Returns
        -------
        X_resampled : {ndarray, dataframe, sparse matrix, list} of shape (n_samples_new, n_features)
            The original rows, first and in order, then the synthetic ones;
            same container as ``X``.
        y_resampled : {ndarray, series, list} of shape (n_samples_new,)
            The corresponding targets.
        sample_weight_resampled : ndarray of shape (n_samples_new,)
            Only when ``sample_weight`` is given.
        """  # noqa: E501
        X_orig, y_orig = X, y
        X, y, binarize_y, sw = self._validate_inputs(X, y, sample_weight)
        X_res, y_res, w_res = self._fit_resample(X, y, sample_weight=sw)
        if binarize_y:
            from sklearn.preprocessing import label_binarize

            y_res = label_binarize(y_res, classes=np.unique(y))
        X_res, y_res = restore_containers(X_res, y_res, X_orig, y_orig)
        if sw is None:
            return X_res, y_res
        return X_res, y_res, w_res

    def _fit_resample(self, X, y, sample_weight=None):
        X_out, parents, partners, steps = self._smote(X, y)
        y_out = np.concatenate([y, self._new_targets(y, parents, partners, steps)])
        return X_out, y_out, self._new_weights(sample_weight, parents, partners, steps)

    # -- the loop ----------------------------------------------------------
    def _smote(self, X, y, context=None):
        """Over-sample every group of ``X``; return the output and the parents.

        Returns ``(X_out, parents, partners, steps)``: ``X_out`` holds the
        rows of ``X`` then the synthetic rows (dense: one preallocated array;
        sparse: stacked in ``X``'s format); synthetic row ``i`` lies at step
        ``steps[i]`` from row ``parents[i]`` toward row ``partners[i]`` of
        ``X``.
        """
        groups = self._groups(y)
        k = self.k_neighbors
        if isinstance(k, Integral):  # checked for every group before any search
            for key, index, _ in groups:
                if index.size < k + 1:
                    raise ValueError(self._too_small_message(key, index.size, k))
        rng = check_random_state(self.random_state)
        n, n_new = X.shape[0], sum(n_group for _, _, n_group in groups)
        is_sparse = sparse.issparse(X)
        X_work = X.tocsr() if is_sparse else X
        if is_sparse:
            blocks = [X]
        else:
            X_out = np.empty((n + n_new, X.shape[1]), dtype=X.dtype)
            X_out[:n] = X
        parents = np.empty(n_new, dtype=np.int64)
        partners = np.empty(n_new, dtype=np.int64)
        steps = np.empty(n_new)
        start = 0
        with numba_threads(self.n_jobs):
            for key, index, n_group in groups:
                X_group = X_work[index]
                if not is_sparse:
                    X_group = np.ascontiguousarray(X_group)
                nn = self._neighbours(X_group, index, key, context)
                rows, cols, step = draw(rng, index.size, nn.shape[1], n_group)
                stop = start + n_group
                block = self._generate(
                    X_group,
                    nn,
                    rows,
                    cols,
                    step,
                    None if is_sparse else X_out[n + start : n + stop],
                    rng,
                    index=index,
                    key=key,
                    context=context,
                    where=slice(start, stop),
                )
                if is_sparse:
                    blocks.append(block)
                parents[start:stop] = index[rows]
                partners[start:stop] = index[nn[rows, cols]]
                steps[start:stop] = step
                start = stop
        if is_sparse:
            X_out = _stack_csr([X_work] + blocks[1:], X.dtype).asformat(X.format)
        return X_out, parents, partners, steps

    # -- hooks -------------------------------------------------------------
    def _neighbours(self, X_group, index, key, context):
        """The ``(n_group, k)`` neighbour table of one group."""
        if isinstance(self.k_neighbors, Integral):
            return class_kneighbors(X_group, self.k_neighbors, n_jobs=self.n_jobs)
        nn = clone(self.k_neighbors).fit(X_group)
        return nn.kneighbors(X_group, return_distance=False)[:, 1:]

    def _generate(self, X_group, nn, rows, cols, steps, out, rng, **kwargs):
        """Write the synthetic rows of one group into ``out`` (or return them)."""
        return interpolate(X_group, nn, rows, cols, steps, out)

    @staticmethod
    def _new_weights(sample_weight, parents, partners, steps):
        if sample_weight is None:
            return None
        w_base = sample_weight[parents]
        w_new = w_base + steps * (sample_weight[partners] - w_base)
        return np.concatenate([sample_weight, w_new])

    def _too_small_message(self, key, n_group, k):
        key = key.item() if isinstance(key, np.generic) else key
        return (
            f"Class {key!r} has {n_group} sample(s); SMOTE needs at least "
            f"k_neighbors + 1 = {k + 1} samples in every class it over-samples. "
            "Lower k_neighbors or do not over-sample this class."
        )

"""SMOTE / SMOTENC and their kernels: tests written against surviving mutants.

References come from NumPy by hand (segments, modes, counts), never from
the sampler's own state.
"""

import re

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skvariance.resampling import SMOTE, SMOTENC


def _object_data(column, n_rare=15, seed=0):
    """Continuous columns 0 and 2 around the categorical column 1."""
    rng = np.random.RandomState(seed)
    n = len(column)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = column
    X[:, 2] = rng.normal(size=n)
    y = np.r_[np.zeros(n - n_rare, dtype=int), np.ones(n_rare, dtype=int)]
    return X, y


def _categories(n=60, seed=0):
    return list(np.random.RandomState(seed).choice(["a", "b", "c"], size=n))


MISSING = (
    "categorical column 1 of X contains NaN, infinity or None; missing values "
    "are not categories."
)


def _bad(value, n=60):
    column = _categories(n)
    column[7] = value
    return column


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_smotenc_missing_values_in_an_object_column(value):
    X, y = _object_data(_bad(value))
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


def test_smotenc_missing_values_in_float_and_pandas_columns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    X[:, 1] = rng.randint(0, 3, size=60)
    X[7, 1] = np.nan
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)
    frame = pd.DataFrame(
        {
            "x0": X[:, 0],
            "colour": pd.Categorical(_bad(None), categories=["a", "b", "c"]),
            "x2": X[:, 2],
        }
    )
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(frame, y)


@pytest.mark.parametrize(
    "levels", [[10, 20, 30], [1, 2.5, 4], [1.5, 2.5, 3.5]], ids=["int", "mix", "float"]
)
def test_smotenc_object_column_of_numbers_is_a_category(levels):
    rng = np.random.RandomState(1)
    column = [levels[i] for i in rng.randint(0, 3, size=60)]
    X, y = _object_data(column)
    X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [45, 45])
    assert X_res[:60].tolist() == X.tolist()
    assert set(X_res[60:, 1].tolist()) <= set(levels)


def test_smotenc_mixed_strings_and_numbers_message():
    X, y = _object_data(_bad(3))
    expected = (
        "categorical column 1 of X mixes strings and numbers (['int']); make its "
        "values all strings or all numbers."
    )
    with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


def test_smotenc_unorderable_category_message():
    column = [1, 2, 3] * 20
    column[4] = 2j
    X, y = _object_data(column)
    expected = "categorical column 1 of X mixes types that cannot be ordered."
    with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_smotenc_sparse_float32_keeps_its_dtype(fmt):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    X[:, 1] = rng.randint(0, 3, size=60)
    X[np.abs(X) < 0.4] = 0.0
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(
        sparse.csr_matrix(X).asformat(fmt), y
    )
    dense = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    assert X_res.format == fmt
    assert X_res.dtype == np.float32 and dense[0].dtype == np.float32
    np.testing.assert_array_equal(X_res.toarray(), dense[0])


def _unsorted_csr(X):
    """CSR of ``X`` with every row's column indices stored in reverse order."""
    csr = sparse.csr_matrix(X)
    indices, data = csr.indices.copy(), csr.data.copy()
    for start, stop in zip(csr.indptr[:-1], csr.indptr[1:]):
        indices[start:stop] = indices[start:stop][::-1]
        data[start:stop] = data[start:stop][::-1]
    out = sparse.csr_matrix((data, indices, csr.indptr.copy()), shape=X.shape)
    out.has_sorted_indices = False
    return out


def test_smote_on_unsorted_csr_equals_dense():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 6))
    X[np.abs(X) < 0.6] = 0.0
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    X_unsorted = _unsorted_csr(X)
    assert not X_unsorted.has_sorted_indices
    bounds = zip(X_unsorted.indptr[:-1], X_unsorted.indptr[1:])
    assert any(np.any(np.diff(X_unsorted.indices[a:b]) < 0) for a, b in bounds)
    dense = SMOTE(random_state=0).fit_resample(X, y)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X_unsorted, y)
    np.testing.assert_array_equal(y_res, dense[1])
    np.testing.assert_allclose(X_res.toarray(), dense[0], rtol=1e-12, atol=1e-12)
    # every synthetic row is stored once per column, as a CSR matrix should be
    new = sparse.csr_matrix(X_res)[80:]
    for start, stop in zip(new.indptr[:-1], new.indptr[1:]):
        cols = new.indices[start:stop]
        assert np.unique(cols).size == cols.size

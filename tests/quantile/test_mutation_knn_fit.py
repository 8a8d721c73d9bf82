"""Mutation tests of the body of KNNQuantileRegressor.fit.

References by hand: the error messages spelled out in full, which check
runs first, and neighbour quantiles from NumPy on brute-force neighbours.
"""

import re

import numpy as np
import pytest

from skvariance.quantile import KNNQuantileRegressor


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n)
    return X, y


def test_too_many_neighbours_message():
    X, y = _data()
    msg = (
        "n_neighbors=13 exceeds the number of training samples, n_samples=12; "
        "pass a smaller n_neighbors or n_neighbors='auto'."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        KNNQuantileRegressor(n_neighbors=13).fit(X, y)


def test_non_numeric_target_is_refused_before_the_neighbour_count():
    # y is checked as numeric by the input validation, before n_neighbors
    X, _ = _data()
    y = np.array(["a"] * 12, dtype=object)
    with pytest.raises(ValueError, match="^could not convert string to float"):
        KNNQuantileRegressor(n_neighbors=13).fit(X, y)


def test_metric_and_neighbour_count_reach_the_index():
    # neighbours by Manhattan distance, found by a brute-force NumPy loop
    X, y = _data(n=40, seed=1)
    query = _data(n=15, seed=2)[0]
    levels = [0.25, 0.5, 0.75]
    knn = KNNQuantileRegressor(n_neighbors=7, quantiles=levels, metric="manhattan")
    pred = knn.fit(X, y).predict(query)
    dist = np.abs(query[:, None, :] - X[None, :, :]).sum(axis=2)
    idx = np.argsort(dist, axis=1, kind="stable")[:, :7]
    expected = np.quantile(y[idx], levels, axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(pred, expected)
    assert knn.n_neighbors_ == 7

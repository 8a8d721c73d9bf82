"""KNNQuantileRegressor against quantiles of brute-force neighbours."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from skvariance.quantile import KNNQuantileRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = X[:, 0] + rng.normal(size=150)
    return X, y


def _neighbours(X, y, X_query, k):
    _, idx = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X_query)
    return idx


def test_uniform_matches_numpy_inverted_cdf(data):
    X, y = data
    levels = [0.05, 0.3, 0.5, 0.95]
    knn = KNNQuantileRegressor(n_neighbors=11, quantiles=levels).fit(X, y)
    idx = _neighbours(X, y, X[:40], 11)
    expected = np.quantile(y[idx], levels, axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(knn.predict(X[:40]), expected)
    # any other level, without refitting
    expected = np.quantile(y[idx], [0.2], axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(knn.predict(X[:40], quantiles=[0.2]), expected)


def test_sample_weight_and_distance_weights(data):
    X, y = data
    w = np.random.default_rng(1).integers(1, 5, size=y.size).astype(float)
    knn = KNNQuantileRegressor(n_neighbors=9, weights="distance")
    query = X[75:] + 0.01
    pred = knn.fit(X, y, sample_weight=w).predict(query)
    dist, idx = NearestNeighbors(n_neighbors=9).fit(X).kneighbors(query)
    for i in range(pred.shape[0]):
        weights = w[idx[i]] / dist[i]
        expected = np.quantile(
            y[idx[i]], knn.quantiles_, method="inverted_cdf", weights=weights
        )
        np.testing.assert_array_equal(pred[i], expected)


def test_exact_match_takes_all_distance_weight(data):
    X, y = data
    knn = KNNQuantileRegressor(n_neighbors=5, weights="distance").fit(X, y)
    np.testing.assert_array_equal(knn.predict(X[:3]), np.repeat(y[:3, None], 3, 1))


def test_predictions_never_cross(data):
    X, y = data
    pred = KNNQuantileRegressor(quantiles=np.linspace(0.01, 0.99, 30)).fit(X, y)
    assert np.all(np.diff(pred.predict(X), axis=1) >= 0)


def test_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="training samples, n_samples=150"):
        KNNQuantileRegressor(n_neighbors=200).fit(X, y)
    with pytest.raises(ValueError, match="strictly increasing"):
        KNNQuantileRegressor(quantiles=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        KNNQuantileRegressor().fit(X, y).predict(X, quantiles=[1.0])
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KNNQuantileRegressor().fit(X_nan, y)
    w = np.zeros(y.size)
    w[0] = 1.0
    with pytest.raises(ValueError, match="sample_weight 0"):
        KNNQuantileRegressor(n_neighbors=3).fit(X, y, sample_weight=w).predict(X)


def test_default_is_twenty_neighbours(data):
    X, y = data
    knn = KNNQuantileRegressor(quantiles=[0.5]).fit(X, y)
    idx = _neighbours(X, y, X[:30], 20)
    expected = np.quantile(y[idx], [0.5], axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(knn.predict(X[:30]), expected)


def test_distance_weights_row_by_row_and_small_weights(data):
    X, y = data
    # row 0 is a training point (all weight on it), row 1 is not
    query = np.vstack([X[3], X[3] + 0.05])
    knn = KNNQuantileRegressor(n_neighbors=9, quantiles=[0.3, 0.7], weights="distance")
    pred = knn.fit(X, y).predict(query)
    np.testing.assert_array_equal(pred[0], [y[3], y[3]])
    dist, idx = NearestNeighbors(n_neighbors=9).fit(X).kneighbors(query[1:])
    v, w = y[idx[0]], 1.0 / dist[0]
    order = np.argsort(v)
    cdf = np.cumsum(w[order]) / w.sum()
    expected = [v[order][np.searchsorted(cdf, q)] for q in (0.3, 0.7)]
    np.testing.assert_array_equal(pred[1], expected)
    # tiny positive sample weights are weights, not an error
    small = KNNQuantileRegressor(n_neighbors=9, quantiles=[0.3, 0.7])
    small.fit(X, y, sample_weight=np.full(y.size, 0.01))
    plain = KNNQuantileRegressor(n_neighbors=9, quantiles=[0.3, 0.7]).fit(X, y)
    np.testing.assert_array_equal(small.predict(query), plain.predict(query))
    with pytest.raises(ValueError, match="KNNQuantileRegressor is expecting 3"):
        plain.predict(X[:3, :2])
    zero = np.zeros(y.size)
    zero[50:] = 1.0
    with pytest.raises(
        ValueError,
        match=r"^every neighbour of some query point has sample_weight 0; increase "
        r"n_neighbors or drop zero-weight training rows\.$",
    ):
        KNNQuantileRegressor(n_neighbors=3).fit(X, y, sample_weight=zero).predict(X[:5])

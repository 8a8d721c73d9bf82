"""predict_interval of the quantile family: the predicted quantile columns."""

import numpy as np
import pytest
from sklearn.linear_model import QuantileRegressor
from sklearn.neighbors import NearestNeighbors

from skvariance.quantile import KNNQuantileRegressor, MultiQuantileRegressor

from ._helpers import ShiftedOracle


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, 2))
    y = X[:, 0] + (0.2 + X[:, 1] ** 2) * rng.normal(size=120)
    return X, y


@pytest.fixture(scope="module")
def per_level(data):
    model = QuantileRegressor(alpha=0.0, solver="highs")
    return MultiQuantileRegressor(model, quantiles=[0.05, 0.25, 0.5, 0.75, 0.95]).fit(
        *data
    )


def test_per_level_interval_is_predict_columns(per_level, data):
    X = data[0][:20]
    q = per_level.predict(X)
    np.testing.assert_array_equal(per_level.predict_interval(X, 0.9), q[:, [0, 4]])
    np.testing.assert_array_equal(per_level.predict_interval(X, 0.5), q[:, [1, 3]])
    # None: the outermost symmetric pair (0.05, 0.95)
    np.testing.assert_array_equal(per_level.predict_interval(X), q[:, [0, 4]])
    several = per_level.predict_interval(X, [0.5, 0.9])
    assert several.shape == (20, 2, 2)
    np.testing.assert_array_equal(several[:, :, 0], q[:, [1, 3]])
    assert np.all(several[:, 0] <= several[:, 1])


def test_per_level_unfitted_coverage_names_the_available_ones(per_level, data):
    with pytest.raises(ValueError, match=r"offers coverages \[0.5, 0.9\]"):
        per_level.predict_interval(data[0], 0.8)
    with pytest.raises(ValueError, match="coverage must be strictly between"):
        per_level.predict_interval(data[0], 1.0)


def test_no_symmetric_pair_needs_an_explicit_coverage(data):
    model = MultiQuantileRegressor(
        QuantileRegressor(alpha=0.0, solver="highs"), quantiles=[0.1, 0.5, 0.8]
    ).fit(*data)
    with pytest.raises(ValueError, match="pass coverage explicitly"):
        model.predict_interval(data[0])
    with pytest.raises(ValueError, match=r"offers coverages \[\]"):
        model.predict_interval(data[0], 0.8)


def test_native_model_answers_any_coverage(data):
    X = data[0][:15]
    model = MultiQuantileRegressor(ShiftedOracle(), quantiles=[0.1, 0.5, 0.9])
    model.fit(*data)
    np.testing.assert_allclose(
        model.predict_interval(X, 0.6), model.predict(X, quantiles=[0.2, 0.8])
    )
    np.testing.assert_allclose(model.predict_interval(X), model.predict(X)[:, [0, 2]])


def test_knn_interval_is_exact_neighbour_quantiles(data):
    X, y = data
    knn = KNNQuantileRegressor(n_neighbors=15).fit(X, y)
    _, idx = NearestNeighbors(n_neighbors=15).fit(X).kneighbors(X[:30])
    for coverage in (0.9, 0.6, 0.37):
        levels = [(1 - coverage) / 2, (1 + coverage) / 2]
        expected = np.quantile(y[idx], levels, axis=1, method="inverted_cdf").T
        got = knn.predict_interval(X[:30], coverage)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(got, knn.predict(X[:30], quantiles=levels))
    several = knn.predict_interval(X[:30], [0.9, 0.5, 0.9])
    assert several.shape == (30, 2, 3)
    np.testing.assert_array_equal(several[:, :, 1], knn.predict_interval(X[:30], 0.5))
    np.testing.assert_array_equal(several[:, :, 0], several[:, :, 2])
    assert np.all(several[:, 0] <= several[:, 1])
    np.testing.assert_array_equal(
        knn.predict_interval(X[:30]), knn.predict(X[:30])[:, [0, 2]]
    )
    with pytest.raises(ValueError, match="coverage must be strictly between"):
        knn.predict_interval(X, 0.0)


def test_knn_default_neighbours_is_auto(data):
    X, y = data
    # fewer rows than 20: every row is a neighbour, as with an explicit k
    small = KNNQuantileRegressor().fit(X[:12], y[:12])
    assert small.n_neighbors_ == 12
    np.testing.assert_array_equal(
        small.predict(X[50:60]),
        KNNQuantileRegressor(n_neighbors=12).fit(X[:12], y[:12]).predict(X[50:60]),
    )
    # 20 or more rows: exactly the old default n_neighbors=20
    auto = KNNQuantileRegressor().fit(X, y)
    assert auto.n_neighbors_ == 20
    np.testing.assert_array_equal(
        auto.predict(X[:40]),
        KNNQuantileRegressor(n_neighbors=20).fit(X, y).predict(X[:40]),
    )
    with pytest.raises(ValueError, match="n_neighbors=13 exceeds"):
        KNNQuantileRegressor(n_neighbors=13).fit(X[:12], y[:12])
    with pytest.raises(ValueError, match="n_neighbors"):
        KNNQuantileRegressor(n_neighbors="many").fit(X, y)

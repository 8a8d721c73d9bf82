"""QuantileAggregator's weights carry the names of the models they belong to."""

import numpy as np
import pytest
from sklearn.linear_model import QuantileRegressor
from sklearn.pipeline import make_pipeline

from skvariance.quantile import KNNQuantileRegressor, QuantileAggregator


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(150, 2))
    y = 2 * X[:, 0] + np.sin(4 * X[:, 1]) + 0.3 * rng.normal(size=150)
    return X, y


def _models():
    return [
        ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
        KNNQuantileRegressor(n_neighbors=5),
        KNNQuantileRegressor(n_neighbors=40),
    ]


def test_names_follow_make_pipeline_and_the_frame_follows_the_models(data):
    models = _models()
    agg = QuantileAggregator(models, quantiles=[0.1, 0.5, 0.9], cv=3, random_state=0)
    agg.fit(*data)
    # reference: how make_pipeline names the unnamed ones
    expected = ["linear"] + [name for name, _ in make_pipeline(*models[1:]).steps]
    assert (
        agg.estimator_names_
        == expected
        == [
            "linear",
            "knnquantileregressor-1",
            "knnquantileregressor-2",
        ]
    )
    assert list(agg.named_estimators_) == expected
    frame = agg.weights_to_frame()
    assert isinstance(agg.weights_, np.ndarray)
    assert frame.index.tolist() == expected and frame.index.name == "estimator"
    assert frame.columns.tolist() == [0.1, 0.5, 0.9]
    np.testing.assert_allclose(frame.sum(axis=0), 1.0)
    # the same models in another order: each name keeps its own weights
    named = [models[0], *zip(expected[1:], models[1:])]
    shuffled = QuantileAggregator(
        named[::-1], quantiles=[0.1, 0.5, 0.9], cv=3, random_state=0
    ).fit(*data)
    other = shuffled.weights_to_frame()
    assert other.index.tolist() == expected[::-1]
    np.testing.assert_allclose(other.loc[expected], frame, atol=1e-6)


def test_unique_class_names_get_no_suffix_and_global_has_one_column(data):
    agg = QuantileAggregator(
        [QuantileRegressor(alpha=0.0, solver="highs"), KNNQuantileRegressor()],
        quantiles=[0.1, 0.5, 0.9],
        weighting="global",
        cv=3,
        random_state=0,
    ).fit(*data)
    assert agg.estimator_names_ == ["quantileregressor", "knnquantileregressor"]
    frame = agg.weights_to_frame()
    assert frame.columns.tolist() == ["weight"]
    np.testing.assert_array_equal(frame["weight"].to_numpy(), agg.weights_)


def test_a_given_name_clashing_with_a_class_name_is_refused(data):
    agg = QuantileAggregator(
        [("knnquantileregressor", KNNQuantileRegressor()), KNNQuantileRegressor()],
        quantiles=[0.1, 0.5, 0.9],
    )
    with pytest.raises(ValueError, match="names must be unique"):
        agg.fit(*data)


def test_coverages_are_every_symmetric_pair_predict_interval_answers(data):
    # (0.4, 0.6) are not at mirror positions among these levels
    levels = [0.2, 0.4, 0.6, 0.7, 0.8]
    agg = QuantileAggregator(_models()[:2], quantiles=levels, cv=3, random_state=0)
    agg.fit(*data)
    np.testing.assert_allclose(agg.coverages_, [0.2, 0.6])
    q = agg.predict(data[0][:5])
    np.testing.assert_array_equal(agg.predict_interval(data[0][:5], 0.2), q[:, [1, 2]])

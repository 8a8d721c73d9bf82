"""Pandas and sparse X reach the quantile family's inner models as given.

References: the same wrapper fitted on the plain NumPy array of the columns
the inner pipeline selects; a DataFrame or a sparse matrix changes nothing.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skvariance.quantile import MultiQuantileRegressor, QuantileAggregator


@pytest.fixture(autouse=True, scope="module")
def _one_openmp_thread():
    # HistGradientBoosting's OpenMP threads on tiny data are slower than one
    # (minutes instead of a second on a loaded 2-core machine)
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "note": rng.choice(["x", "y"], size=n),
            "c": pd.Categorical(rng.choice(["p", "q", "r"], size=n)),
        }
    )
    y = 2 * X["a"] + (X["c"] == "q") * 1.5 + rng.normal(size=n)
    return X, y.to_numpy()


def _qr():
    return QuantileRegressor(alpha=0.0, solver="highs")


def _select(model):
    return make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["a", "b"])]), model
    )


def _hgb():
    return HistGradientBoostingRegressor(
        loss="quantile", categorical_features="from_dtype", max_iter=10, random_state=0
    )


def test_multi_quantile_pandas_categorical_and_sparse(frame):
    X, y = frame
    dense = X[["a", "b"]].to_numpy()
    levels = [0.1, 0.5, 0.9]
    plain = MultiQuantileRegressor(_qr(), quantiles=levels).fit(dense, y)
    model = MultiQuantileRegressor(_select(_qr()), quantiles=levels).fit(X, y)
    assert model.feature_names_in_.tolist() == ["a", "b", "note", "c"]
    np.testing.assert_allclose(model.predict(X[:10]), plain.predict(dense[:10]))
    hgb = MultiQuantileRegressor(_hgb(), quantiles=levels).fit(
        X.drop(columns="note"), y
    )
    assert hgb.estimators_[0].is_categorical_.tolist() == [False, False, True]
    assert hgb.predict_interval(X.drop(columns="note")[:5]).shape == (5, 2)
    got = MultiQuantileRegressor(_qr(), quantiles=levels).fit(
        sparse.csr_matrix(dense), y
    )
    np.testing.assert_allclose(
        got.predict(sparse.csr_matrix(dense[:10])), plain.predict(dense[:10]), atol=1e-8
    )


def test_aggregator_pandas_and_categorical(frame):
    X, y = frame
    dense = X[["a", "b"]].to_numpy()
    levels = [0.1, 0.5, 0.9]

    def bases(wrap):
        return [("linear", wrap(_qr())), ("flat", wrap(QuantileRegressor(alpha=5.0)))]

    agg = QuantileAggregator(bases(_select), quantiles=levels, cv=3, random_state=0)
    plain = QuantileAggregator(
        bases(lambda m: m), quantiles=levels, cv=3, random_state=0
    )
    np.testing.assert_allclose(
        agg.fit(X, y).predict(X[:10]),
        plain.fit(dense, y).predict(dense[:10]),
        atol=1e-8,
    )
    mixed = QuantileAggregator(
        [("linear", _select(_qr())), ("hgb", _hgb())], quantiles=levels, cv=3
    ).fit(X.drop(columns="note"), y)
    assert mixed.named_estimators_["hgb"].estimators_[0].is_categorical_[-1]
    assert mixed.predict_weights(X.drop(columns="note")[:4]).shape == (4, 2, 3)


def test_aggregator_sparse_with_models_that_take_it(frame):
    X, y = frame
    dense = X[["a", "b"]].to_numpy()
    bases = [("linear", _qr()), ("flat", QuantileRegressor(alpha=5.0))]
    agg = QuantileAggregator(bases, quantiles=[0.1, 0.5, 0.9], cv=3, random_state=0)
    expected = agg.fit(dense, y).predict(dense[:10])
    got = agg.fit(sparse.csr_matrix(dense), y).predict(sparse.csr_matrix(dense[:10]))
    np.testing.assert_allclose(got, expected, atol=1e-8)

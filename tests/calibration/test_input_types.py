"""DataFrames and sparse matrices reach the estimator as the user gave them."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, QuantileRegressor, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)


def _frame(n=120, seed=0):
    rng = np.random.RandomState(seed)
    city = pd.Categorical(rng.choice(["ams", "bcn", "cph"], size=n))
    X = pd.DataFrame(
        {"size": rng.normal(size=n), "age": rng.normal(size=n), "city": city}
    )
    y = 2.0 * X["size"] + 3.0 * (X["city"] == "bcn") + rng.normal(scale=0.3, size=n)
    return X, y.to_numpy()


def _by_name():
    # columns selected by name: fails on an array without feature names
    return ColumnTransformer(
        [("num", StandardScaler(), ["size", "age"]), ("cat", OneHotEncoder(), ["city"])]
    )


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_column_transformer_by_name_in_the_regressor(method):
    X, y = _frame()
    reg = ConformalRegressor(
        make_pipeline(_by_name(), Ridge()), method=method, cv=3, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(reg.feature_names_in_, ["size", "age", "city"])
    assert reg.n_features_in_ == 3
    for model in reg.estimators_:
        np.testing.assert_array_equal(model.feature_names_in_, reg.feature_names_in_)
    bounds = reg.predict_interval(X.iloc[:5])
    assert bounds.shape == (5, 2) and np.isfinite(bounds).all()
    if method == "split":
        # the same model as the pipeline fitted by hand on the training rows
        train = np.setdiff1d(np.arange(len(y)), reg.calibration_indices_)
        ref = make_pipeline(_by_name(), Ridge()).fit(X.iloc[train], y[train])
        np.testing.assert_allclose(reg.predict(X), ref.predict(X))


def test_column_transformer_by_name_in_the_classifier_and_cqr():
    X, y = _frame(seed=1)
    labels = (y > 1).astype(int)
    clf = ConformalClassifier(
        make_pipeline(_by_name(), LogisticRegression()), random_state=0
    ).fit(X, labels)
    assert clf.predict_set(X.iloc[:4]).shape == (4, 2)
    cqr = ConformalQuantileRegressor(
        make_pipeline(_by_name(), QuantileRegressor(alpha=0.0, solver="highs")),
        random_state=0,
    ).fit(X, y)
    assert np.isfinite(cqr.predict_interval(X.iloc[:4])).all()


def test_categorical_from_dtype_reaches_hist_gradient_boosting():
    X, y = _frame(n=120, seed=2)
    reg = ConformalRegressor(
        HistGradientBoostingRegressor(categorical_features="from_dtype", max_iter=5),
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(reg.estimator_.is_categorical_, [False, False, True])
    assert np.isfinite(reg.predict_interval(X.iloc[:5])).all()
    cqr = ConformalQuantileRegressor(
        HistGradientBoostingRegressor(
            loss="quantile", categorical_features="from_dtype", max_iter=5
        ),
        random_state=0,
    ).fit(X, y)
    assert cqr.estimators_[0].is_categorical_[2]
    assert np.isfinite(cqr.predict_interval(X.iloc[:5])).all()
    clf = ConformalClassifier(
        HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=5),
        score="aps",  # the row draws hash the categorical rows too
        random_state=0,
    ).fit(X, (y > 1).astype(int))
    assert clf.estimator_.is_categorical_[2]
    sets = clf.predict_set(X.iloc[:6])
    # a row's draw depends on its content only: alone, it gets the same set
    np.testing.assert_array_equal(clf.predict_set(X.iloc[[3]]), sets[[3]])


def test_feature_names_are_checked_at_predict_time():
    X, y = _frame()
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X[["size", "age"]], y)
    with pytest.raises(ValueError, match="feature names"):
        reg.predict_interval(X[["age", "size"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict(X[["size", "age"]].to_numpy())
    with pytest.raises(ValueError, match="2 features"):
        ConformalRegressor(Ridge()).fit(X[["size", "age"]].to_numpy(), y).predict(
            np.ones((2, 3))
        )


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_reaches_ridge_and_logistic_regression(fmt):
    rng = np.random.RandomState(3)
    dense = rng.normal(size=(150, 6)) * (rng.uniform(size=(150, 6)) < 0.4)
    y = dense @ np.arange(6.0) + rng.normal(size=150)
    X = sp.random(1, 1, format=fmt).__class__(dense)  # same format, same values
    assert X.format == fmt
    reg = ConformalRegressor(Ridge(solver="lsqr", tol=1e-10), random_state=0)
    sparse_bounds = reg.fit(X, y).predict_interval(X[:5] if fmt != "coo" else X)
    dense_bounds = reg.fit(dense, y).predict_interval(
        dense[:5] if fmt != "coo" else dense
    )
    np.testing.assert_allclose(sparse_bounds, dense_bounds, rtol=1e-6)
    clf = ConformalClassifier(LogisticRegression(tol=1e-10), random_state=0)
    labels = (y > np.median(y)).astype(int)
    p_sparse = clf.fit(X, labels).predict_proba(X)
    assert sp.issparse(X) and clf.predict_set(X).shape == (150, 2)
    np.testing.assert_allclose(
        p_sparse, clf.fit(dense, labels).predict_proba(dense), atol=1e-6
    )

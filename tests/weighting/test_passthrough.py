"""Pandas and sparse X reach the weighting family's inner estimators as given.

The reference for each wrapper is the same wrapper fitted on the plain NumPy
array of the columns the inner pipeline selects: passing a DataFrame (with a
column the inner ColumnTransformer drops) or a sparse matrix must not change
a single prediction.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skvariance.weighting import (
    DensityRatioEstimator,
    InverseVarianceEnsembleRegressor,
    InverseVarianceRegressor,
    RLearner,
)


@pytest.fixture(autouse=True, scope="module")
def _one_openmp_thread():
    # HistGradientBoosting's OpenMP threads on tiny data are slower than one
    # (minutes instead of a second on a loaded 2-core machine)
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 160
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "note": rng.choice(["x", "y", "z"], size=n),  # dropped by the models
            "c": pd.Categorical(rng.choice(["p", "q", "r"], size=n)),
        }
    )
    noise = (0.3 + np.abs(X["a"].to_numpy())) * rng.normal(size=n)
    y = 2 * X["a"] - X["b"] + (X["c"] == "q") * 1.5 + noise
    return X, y.to_numpy()


def _select(model, columns=("a", "b")):
    """A Pipeline that selects columns by name, then fits ``model``."""
    select = ColumnTransformer([("keep", "passthrough", list(columns))])
    return make_pipeline(select, model)


def _hgb(**kw):
    return HistGradientBoostingRegressor(
        categorical_features="from_dtype", max_iter=15, random_state=0, **kw
    )


def test_ivr_pandas_columns_by_name(frame):
    X, y = frame
    ivr = InverseVarianceRegressor(
        _select(Ridge()), variance_estimator=_select(Ridge()), random_state=0
    ).fit(X, y)
    assert ivr.feature_names_in_.tolist() == ["a", "b", "note", "c"]
    plain = InverseVarianceRegressor(
        Ridge(), variance_estimator=Ridge(), random_state=0
    ).fit(X[["a", "b"]].to_numpy(), y)
    np.testing.assert_allclose(
        ivr.predict_interval(X[:20]),
        plain.predict_interval(X[["a", "b"]].to_numpy()[:20]),
        rtol=1e-10,
    )
    with pytest.raises(ValueError, match="feature names"):
        ivr.predict(X[["b", "a", "note", "c"]])


def test_ivr_categorical_from_dtype_and_sparse(frame):
    X, y = frame
    ivr = InverseVarianceRegressor(
        _hgb(), variance_estimator=_hgb(), weight_power=1.0, n_iter=1, random_state=0
    ).fit(X.drop(columns="note"), y)
    assert ivr.estimator_.is_categorical_.tolist() == [False, False, True]
    dense = X[["a", "b"]].to_numpy()
    sparse_X = sparse.csr_matrix(np.where(np.abs(dense) > 0.5, dense, 0.0))
    model = InverseVarianceRegressor(
        Ridge(), variance_estimator=Ridge(), random_state=0
    )
    got = model.fit(sparse_X, y).predict(sparse_X[:20], return_std=True)
    expected = model.fit(sparse_X.toarray(), y).predict(
        sparse_X[:20].toarray(), return_std=True
    )
    np.testing.assert_allclose(got, expected, rtol=1e-8)


def test_ensemble_pandas_categorical_and_sparse(frame):
    X, y = frame
    members = [("ridge", _select(Ridge())), ("hgb", _hgb())]
    ens = InverseVarianceEnsembleRegressor(members, cv=3, random_state=0)
    ens.fit(X.drop(columns="note"), y)
    assert ens.predict(X.drop(columns="note")[:5]).shape == (5,)
    dense = X[["a", "b"]].to_numpy()
    plain = [("ols", LinearRegression()), ("ridge", Ridge(alpha=5.0))]
    ens = InverseVarianceEnsembleRegressor(plain, cv=3, random_state=0)
    got = ens.fit(sparse.csr_matrix(dense), y).predict(sparse.csr_matrix(dense))
    np.testing.assert_allclose(got, ens.fit(dense, y).predict(dense), rtol=1e-8)


def test_rlearner_pandas_and_sparse(frame):
    X, y = frame
    rng = np.random.default_rng(1)
    t = rng.binomial(1, 0.5, size=len(y))
    y_t = y + t * (1 + X["a"].to_numpy())
    models = dict(
        outcome_model=_select(Ridge()),
        treatment_model=_select(LogisticRegression()),
        effect_model=_select(LinearRegression()),
        cv=3,
        random_state=0,
    )
    learner = RLearner(**models).fit(X, y_t, treatment=t)
    plain = RLearner(
        outcome_model=Ridge(),
        treatment_model=LogisticRegression(),
        effect_model=LinearRegression(),
        cv=3,
        random_state=0,
    )
    dense = X[["a", "b"]].to_numpy()
    expected = plain.fit(dense, y_t, treatment=t).predict(dense[:10])
    np.testing.assert_allclose(learner.predict(X[:10]), expected, rtol=1e-8)
    # the treatment as a column of a DataFrame: the other columns keep names
    with_t = X.assign(t=t.astype(float))
    learner = RLearner(**models, treatment_column=-1, treatment_type="binary")
    np.testing.assert_allclose(
        learner.fit(with_t, y_t).predict(with_t[:10]), expected, rtol=1e-8
    )
    # sparse, with the treatment column in it or apart
    sparse_X = sparse.csr_matrix(np.column_stack([dense, t]))
    learner = RLearner(
        outcome_model=Ridge(),
        treatment_model=LogisticRegression(),
        effect_model=LinearRegression(),
        treatment_column=2,
        treatment_type="binary",
        cv=3,
        random_state=0,
    ).fit(sparse_X, y_t)
    np.testing.assert_allclose(learner.predict(sparse_X[:10]), expected, rtol=1e-8)
    assert learner.score(sparse_X, y_t) == pytest.approx(
        plain.score(dense, y_t, treatment=t)
    )


def test_density_ratio_pandas_categorical_and_sparse(frame):
    X, _ = frame
    source, target = X.iloc[:80], X.iloc[80:].assign(a=lambda d: d["a"] + 0.5)
    clf = _select(LogisticRegression())
    dre = DensityRatioEstimator(clf, random_state=0).fit(source, target)
    plain = DensityRatioEstimator(LogisticRegression(), random_state=0).fit(
        source[["a", "b"]].to_numpy(), target[["a", "b"]].to_numpy()
    )
    np.testing.assert_allclose(
        dre.predict(source), plain.predict(source[["a", "b"]].to_numpy()), rtol=1e-8
    )
    hgb = HistGradientBoostingClassifier(
        categorical_features="from_dtype", max_iter=10, random_state=0
    )
    dre = DensityRatioEstimator(hgb, random_state=0).fit(
        source.drop(columns="note"), target.drop(columns="note")
    )
    assert dre.classifier_.is_categorical_.tolist() == [False, False, True]
    s, t = source[["a", "b"]].to_numpy(), target[["a", "b"]].to_numpy()
    dre = DensityRatioEstimator(LogisticRegression(), random_state=0)
    got = dre.fit(sparse.csr_matrix(s), sparse.csr_matrix(t)).predict(
        sparse.csr_matrix(s)
    )
    np.testing.assert_allclose(got, plain.predict(s), rtol=1e-8)


def test_importance_resampler_takes_a_frame_through_its_transformer(frame):
    # ImportanceResampler never converted X: its transformer sees the frame
    from sklearn.preprocessing import KBinsDiscretizer

    from skvariance.weighting import ImportanceResampler

    X, _ = frame
    bins = KBinsDiscretizer(
        n_bins=4, encode="onehot", quantile_method="averaged_inverted_cdf"
    )
    transformer = ColumnTransformer([("bins", bins, ["a"])])
    pool, target = X.iloc[:100], X.iloc[100:].assign(a=lambda d: d["a"] + 1.0)
    resampler = ImportanceResampler(transformer=transformer, n_samples=30)
    picked = resampler.set_params(random_state=0).fit(pool, target).select(pool)
    assert isinstance(picked, pd.DataFrame) and len(picked) == 30
    # rows from the shifted side of the pool are favoured
    assert picked["a"].mean() > pool["a"].mean()

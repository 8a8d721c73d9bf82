import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.utils import accepts_sample_weight, check_n_jobs, sample_weight_params
from skvariance.utils.validation import effective_n_threads


def test_weights_reach_the_final_step_of_nested_pipelines():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X[:, 0] + rng.normal(size=40)
    w = rng.uniform(0.1, 3.0, size=40)
    pipe = make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), Ridge()))
    params = sample_weight_params(pipe, w)
    assert list(params) == ["pipeline__ridge__sample_weight"]
    pipe.fit(X, y, **params)
    direct = make_pipeline(StandardScaler(), Ridge()).fit(X, y, ridge__sample_weight=w)
    unweighted = make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    np.testing.assert_allclose(pipe.predict(X), direct.predict(X))
    assert not np.allclose(pipe.predict(X), unweighted.predict(X))


def test_estimators_without_weights_are_refused_by_name():
    assert not accepts_sample_weight(KNeighborsRegressor())
    assert not accepts_sample_weight(make_pipeline(StandardScaler(), "passthrough"))
    with pytest.raises(TypeError, match="final step KNeighborsRegressor"):
        sample_weight_params(
            make_pipeline(StandardScaler(), KNeighborsRegressor()), np.ones(3)
        )
    assert sample_weight_params(KNeighborsRegressor(), None) == {}


def test_routing_passes_plain_sample_weight():
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        params = sample_weight_params(pipe, np.ones(4))
        assert list(params) == ["sample_weight"]
        X = np.array([[0.0], [1.0], [2.0], [3.0]])
        pipe.fit(X, [0, 0, 1, 1], **params)


def test_n_jobs_rule():
    assert check_n_jobs(-1) == -1
    with pytest.raises(ValueError, match="n_jobs == 0"):
        check_n_jobs(0)
    with pytest.raises(TypeError, match="n_jobs must be None or an int"):
        check_n_jobs(2.5)
    # compiled loops: every core whatever n_jobs says, capped by max_threads
    assert effective_n_threads(None) == effective_n_threads(1) >= 1
    from joblib import parallel_config

    import skvariance

    with parallel_config(n_jobs=1):
        assert effective_n_threads(None) == effective_n_threads(-1)
    with skvariance.config_context(max_threads=1):
        assert effective_n_threads(None) == effective_n_threads(-1) == 1

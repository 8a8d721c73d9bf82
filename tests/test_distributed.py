"""Parallel work scales onto a real dask cluster with identical results.

Runs every public estimator that takes ``n_jobs`` and every function
registered in ``PARALLEL_FUNCTIONS`` under
``joblib.parallel_config(backend="dask")`` with a two-worker
``distributed.LocalCluster`` and compares with ``n_jobs=1``.
"""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.utils.parallel import Parallel, delayed

import skvariance
from skvariance.utils._test_common import PARALLEL_FUNCTIONS, instances_to_check

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.distributed

N_JOBS_ESTIMATORS = [
    e for e in instances_to_check() if "n_jobs" in e.get_params(deep=False)
]


@pytest.fixture(scope="module")
def dask_client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            # worker processes without a nanny process each: half the
            # interpreters to start, the same scheduling and serialisation
            worker_class=distributed.Worker,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _square_with_seed(i, seed):
    return i * i, np.random.RandomState(seed).uniform()


def test_parallel_helper_runs_on_the_cluster(dask_client):
    """sklearn.utils.parallel.Parallel reaches the workers and keeps order."""
    tasks = [delayed(_square_with_seed)(i, 100 + i) for i in range(20)]
    serial = Parallel(n_jobs=1)(tasks)
    with joblib.parallel_config(backend="dask"):
        on_cluster = Parallel(n_jobs=-1)(tasks)
    assert on_cluster == serial
    workers = dask_client.scheduler_info()["workers"]
    assert len(workers) == 2


@pytest.mark.parametrize("estimator", N_JOBS_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimator_on_dask_equals_serial(dask_client, estimator):
    if hasattr(estimator, "fit_resample"):
        # imbalanced, so that the samplers have something to over-sample
        X, y = make_classification(
            n_samples=120, n_features=5, weights=[0.7, 0.3], random_state=0
        )
    elif is_classifier(estimator):
        X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    else:
        X, y = make_regression(n_samples=120, n_features=5, random_state=0)
    if type(estimator).__name__ == "SMOTER":
        # a regression sampler: a right-skewed target whose upper tail the
        # default relevance ("extremes") finds rare
        X, y = make_regression(n_samples=120, n_features=5, random_state=0)
        y = np.exp(y / y.std())
    params = {"n_jobs": 1}
    if "random_state" in estimator.get_params(deep=False):
        params["random_state"] = 0
    serial = clone(estimator).set_params(**params)
    remote = clone(estimator).set_params(**{**params, "n_jobs": -1})
    if hasattr(serial, "fit_resample"):
        # no neighbour graph from the cache: both runs compute theirs
        with skvariance.config_context(neighbors_cache=False):
            expected = serial.fit_resample(X, y)
            with joblib.parallel_config(backend="dask"):
                got = remote.fit_resample(X, y)
        for a, b in zip(expected, got):
            np.testing.assert_array_equal(a, b)
        return
    serial.fit(X, y)
    with joblib.parallel_config(backend="dask"):
        remote.fit(X, y)
    method = "predict_proba" if hasattr(serial, "predict_proba") else "predict"
    np.testing.assert_array_equal(
        getattr(serial, method)(X), getattr(remote, method)(X)
    )


@pytest.mark.parametrize("name", sorted(PARALLEL_FUNCTIONS))
def test_function_on_dask_equals_serial(dask_client, name):
    run = PARALLEL_FUNCTIONS[name]
    expected = run(n_jobs=1)
    with joblib.parallel_config(backend="dask"):
        got = run(n_jobs=-1)
    np.testing.assert_equal(got, expected)

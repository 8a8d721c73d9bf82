"""Mutation tests of the body of MultiQuantileRegressor.fit.

References by hand: the error messages spelled out in full and the thread
each per-level clone is fitted in.
"""

import re
import threading

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.linear_model import QuantileRegressor

from skvariance.quantile import MultiQuantileRegressor


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n)
    return X, y


class _ThreadQuantile(QuantileRegressor):
    """Records the thread each fit ran in (reset ``threads`` before use)."""

    threads: list = []

    def fit(self, X, y, sample_weight=None):
        _ThreadQuantile.threads.append(threading.current_thread().name)
        return super().fit(X, y, sample_weight=sample_weight)


def test_n_jobs_zero_is_rejected_by_name():
    X, y = _data()
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    model = MultiQuantileRegressor(QuantileRegressor(alpha=0.0), n_jobs=0)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        model.fit(X, y)


def test_n_jobs_reaches_the_per_level_fits():
    X, y = _data()
    main = threading.current_thread().name
    base = _ThreadQuantile(alpha=0.0)
    for n_jobs, in_main in ((1, True), (2, False)):
        _ThreadQuantile.threads = []
        # the context's n_jobs=2 must not override n_jobs=1 (nor None)
        with parallel_config(backend="threading", n_jobs=2 if n_jobs == 1 else None):
            MultiQuantileRegressor(base, quantiles=[0.2, 0.5, 0.8], n_jobs=n_jobs).fit(
                X, y
            )
        assert len(_ThreadQuantile.threads) == 3
        assert all((t == main) == in_main for t in _ThreadQuantile.threads)


def test_n_jobs_is_kept_as_given():
    model = MultiQuantileRegressor(QuantileRegressor(), n_jobs=3)
    assert model.get_params()["n_jobs"] == 3
    assert clone(model).n_jobs == 3

"""Test doubles shared by the weighting family's fit-body mutation tests."""

import threading

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression


class Boom(RegressorMixin, BaseEstimator):
    """Accepts weights, but fitting it is an error: shows what ran first."""

    def fit(self, X, y, sample_weight=None):
        raise RuntimeError("fitted before the weights were checked")

    def predict(self, X):  # pragma: no cover - never fitted
        return np.zeros(len(X))


class ThreadRecorder(LinearRegression):
    """Records the thread each fit ran in (reset ``threads`` before use)."""

    threads: list = []

    def fit(self, X, y, sample_weight=None):
        ThreadRecorder.threads.append(threading.current_thread().name)
        return super().fit(X, y, sample_weight=sample_weight)


class Shifted(RegressorMixin, BaseEstimator):
    """Least squares plus the mean of a sample-aligned ``shift``."""

    def fit(self, X, y, sample_weight=None, shift=None):
        self.lr_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        self.offset_ = 0.0 if shift is None else float(np.mean(shift))
        return self

    def predict(self, X):
        return self.lr_.predict(X) + self.offset_


def round_robin_folds(n, k=3):
    """``k`` (train, test) folds of ``range(n)``, row ``i`` tested in fold ``i % k``."""
    idx = np.arange(n)
    return [(np.setdiff1d(idx, idx[j::k]), idx[j::k]) for j in range(k)]


def binary_treatment_data(n=45, seed=0):
    """X, y and a 0/1 treatment whose propensity rises with x0; effect 1 + 2 x1."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    w = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    y = X[:, 0] + w * (1 + 2 * X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y, w

"""Mutation tests of BaseSMOTE.fit_resample's body: one-hot targets.

A one-hot ``y`` (one label per row) is resampled as labels and given back
one-hot; the reference is ``np.eye`` applied to the labels of the same run
on integer labels.
"""

import numpy as np
import pytest

from skvariance.resampling import SMOTE, clear_neighbors_cache


@pytest.fixture(autouse=True)
def _fresh_neighbors_cache():
    clear_neighbors_cache()
    yield
    clear_neighbors_cache()


def test_one_hot_target_comes_back_one_hot():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    labels = np.r_[[0] * 20, [1] * 6, [2] * 4]
    w = rng.uniform(0.5, 2.0, size=30)
    sampler = SMOTE(k_neighbors=3, random_state=0)
    X_ref, y_ref, w_ref = sampler.fit_resample(X, labels, sample_weight=w)
    X_res, Y_res, w_res = sampler.fit_resample(X, np.eye(3)[labels], sample_weight=w)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(Y_res, np.eye(3, dtype=int)[y_ref])
    np.testing.assert_array_equal(w_res, w_ref)
    assert Y_res.shape == (60, 3)
    np.testing.assert_array_equal(Y_res.sum(axis=0), [20, 20, 20])

"""Data shared by the comparison, cheap-bootstrap and churn tests."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=150, n_features=6, random_state=0)


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=0)
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=60)
    return X, y, w

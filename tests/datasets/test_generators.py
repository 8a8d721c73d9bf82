import numpy as np
import pytest

from skvariance.datasets import (
    make_heteroscedastic_regression,
    make_imbalanced_classification,
)


def test_heteroscedastic_noise_matches_sigma():
    X, y, sigma = make_heteroscedastic_regression(20_000, 2, random_state=0)
    mean = np.sin(2 * X[:, 0]) + 0.5 * X.sum(axis=1)
    z = (y - mean) / sigma
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    low, high = X[:, 0] < -0.5, X[:, 0] > 0.5
    assert (y - mean)[high].std() > 3 * (y - mean)[low].std()
    again = make_heteroscedastic_regression(20_000, 2, random_state=0)
    np.testing.assert_array_equal(y, again[1])


def test_homoscedastic_when_asked():
    _, _, sigma = make_heteroscedastic_regression(50, heteroscedasticity=0.0)
    np.testing.assert_allclose(sigma, 0.1)


def test_imbalanced_counts_and_reproducibility():
    X, y = make_imbalanced_classification(
        1001, 3, class_counts_ratio=(5, 3, 2), random_state=1
    )
    assert X.shape == (1001, 3)
    assert np.bincount(y).tolist() == [501, 300, 200]
    X2, y2 = make_imbalanced_classification(
        1001, 3, class_counts_ratio=(5, 3, 2), random_state=1
    )
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: make_heteroscedastic_regression(0), ValueError, "n_samples"),
        (lambda: make_heteroscedastic_regression(10, noise=0), ValueError, "noise"),
        (
            lambda: make_heteroscedastic_regression(10, heteroscedasticity=-1),
            ValueError,
            "heteroscedasticity",
        ),
        (lambda: make_imbalanced_classification(10.5), TypeError, "n_samples"),
        (
            lambda: make_imbalanced_classification(class_counts_ratio=(1,)),
            ValueError,
            "class_counts_ratio",
        ),
        (
            lambda: make_imbalanced_classification(class_sep=0),
            ValueError,
            "class_sep",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()

"""Synthetic problems whose variance structure is known."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ..utils.validation import check_positive_int

__all__ = ["make_heteroscedastic_regression", "make_imbalanced_classification"]


def make_heteroscedastic_regression(
    n_samples: int = 500,
    n_features: int = 1,
    *,
    noise: float = 1.0,
    heteroscedasticity: float = 1.0,
    random_state=None,
):
    """Regression data whose noise level grows with the first feature.

    ``X`` is uniform on [-1, 1]^d, the mean is
    ``f(x) = sin(2 x_0) + 0.5 * sum_j x_j`` and the noise standard deviation is
    ``sigma(x) = noise * (0.1 + heteroscedasticity * (x_0 + 1) / 2)``, so the
    true conditional quantiles and the true inverse-variance weights are
    known: ``y = f(x) + sigma(x) * eps`` with standard normal ``eps``.

    Parameters
    ----------
    n_samples : int, default=500
        Number of rows.
    n_features : int, default=1
        Number of features; only the first drives the noise.
    noise : float, default=1.0
        Overall noise scale (> 0).
    heteroscedasticity : float, default=1.0
        How much the noise grows across the first feature (>= 0); 0 gives
        homoscedastic noise ``0.1 * noise``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    sigma : ndarray of shape (n_samples,)
        The true noise standard deviation of every row.

    Examples
    --------
    >>> from skvariance.datasets import make_heteroscedastic_regression
    >>> X, y, sigma = make_heteroscedastic_regression(200, 3, random_state=0)
    >>> X.shape, y.shape, bool(sigma.min() > 0)
    ((200, 3), (200,), True)
    """
    n_samples = check_positive_int(n_samples, name="n_samples")
    n_features = check_positive_int(n_features, name="n_features")
    if not noise > 0:
        raise ValueError(f"noise must be > 0, got {noise}.")
    if not heteroscedasticity >= 0:
        raise ValueError(f"heteroscedasticity must be >= 0, got {heteroscedasticity}.")
    rng = check_random_state(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    mean = np.sin(2.0 * X[:, 0]) + 0.5 * X.sum(axis=1)
    sigma = noise * (0.1 + heteroscedasticity * (X[:, 0] + 1.0) / 2.0)
    y = mean + sigma * rng.standard_normal(n_samples)
    return X, y, sigma


def make_imbalanced_classification(
    n_samples: int = 1000,
    n_features: int = 5,
    *,
    class_counts_ratio=(0.9, 0.1),
    class_sep: float = 1.0,
    random_state=None,
):
    """Gaussian classes in given proportions, with known class priors.

    Class ``k`` is drawn from N(mu_k, I) with means spaced ``class_sep``
    apart along random directions; class sizes follow
    ``class_counts_ratio`` exactly (rounded, each class at least 2 rows).

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of rows.
    n_features : int, default=5
        Number of features.
    class_counts_ratio : sequence of float, default=(0.9, 0.1)
        Positive class proportions; normalised to sum to 1.
    class_sep : float, default=1.0
        Distance between neighbouring class means (> 0).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer labels ``0 .. n_classes - 1``, rows shuffled.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.datasets import make_imbalanced_classification
    >>> X, y = make_imbalanced_classification(1000, random_state=0)
    >>> np.bincount(y).tolist()
    [900, 100]
    """
    n_samples = check_positive_int(n_samples, name="n_samples")
    n_features = check_positive_int(n_features, name="n_features")
    ratio = np.asarray(class_counts_ratio, dtype=float)
    if ratio.ndim != 1 or ratio.size < 2 or not np.all(ratio > 0):
        raise ValueError(
            "class_counts_ratio must hold at least two positive proportions, got "
            f"{class_counts_ratio!r}."
        )
    if not class_sep > 0:
        raise ValueError(f"class_sep must be > 0, got {class_sep}.")
    ratio = ratio / ratio.sum()
    counts = np.maximum(np.round(ratio * n_samples).astype(int), 2)
    counts[np.argmax(counts)] += n_samples - counts.sum()
    if counts.min() < 2:
        raise ValueError(
            f"n_samples={n_samples} is too small for class_counts_ratio "
            f"{class_counts_ratio!r}: every class needs at least 2 rows."
        )
    rng = check_random_state(random_state)
    directions = rng.standard_normal((ratio.size, n_features))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    means = class_sep * np.arange(ratio.size)[:, None] * directions
    X = np.vstack(
        [m + rng.standard_normal((c, n_features)) for m, c in zip(means, counts)]
    )
    y = np.repeat(np.arange(ratio.size), counts)
    order = rng.permutation(n_samples)
    return X[order], y[order]

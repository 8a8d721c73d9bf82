"""The local weight fit minimises the documented objective (a stationary point
of an independently written loss, checked by finite differences)."""

import numpy as np
from scipy.special import softmax

from skvariance.quantile._weights import fit_local_weights, local_weights


def _problem(seed=0, n=150):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 2))
    y = Z[:, 0] + rng.normal(size=n)
    levels = np.array([0.2, 0.7])
    off = np.array([-0.84, 0.52])
    P = np.stack(
        [
            Z[:, [0]] + off + 0.5 * (Z[:, [1]] > 0),
            Z[:, [0]] + off - 0.5 * (Z[:, [1]] < 0),
            0.3 * Z[:, [0]] + off,
        ],
        axis=1,
    )
    w = rng.uniform(0.2, 3.0, size=n)  # sum far from 1
    init = np.array([[0.5, 0.3], [0.3, 0.3], [0.2, 0.4]])
    return P, y, levels, w, Z, init


def _objective(theta, P, y, levels, w, Z, smoothing, penalty, scale):
    """Softplus-smoothed pinball loss / scale + penalty / 2 |slopes|^2."""
    n_levels, n_models, d1 = P.shape[2], P.shape[1], Z.shape[1] + 1
    theta = theta.reshape(n_levels, n_models, d1)
    Z1 = np.column_stack([np.ones(len(y)), Z])
    h = smoothing * scale
    total = 0.0
    for t, tau in enumerate(levels):
        wt = softmax(Z1 @ theta[t].T, axis=1)  # (n, K)
        u = y - np.sum(wt * P[:, :, t], axis=1)
        loss = tau * u + h * np.log1p(np.exp(-u / h))
        total += np.sum(w * loss) / w.sum()
    return total / (n_levels * scale) + 0.5 * penalty * np.sum(theta[:, :, 1:] ** 2)


def test_local_weights_are_a_stationary_point_of_the_documented_loss():
    P, y, levels, w, Z, init = _problem()
    params = dict(smoothing=0.3, penalty=0.05, scale=2.5)
    theta = fit_local_weights(P, y, levels, w, Z, init, **params)
    assert theta.shape == (2, 3, 3)
    f = lambda th: _objective(th, P, y, levels, w, Z, **params)  # noqa: E731
    flat = theta.ravel()
    eps = 1e-6
    grad = np.array(
        [(f(flat + eps * e) - f(flat - eps * e)) / (2 * eps) for e in np.eye(flat.size)]
    )
    assert np.max(np.abs(grad)) < 2e-5, np.max(np.abs(grad))
    # better than the start (the LP weights as intercepts, zero slopes)
    start = np.zeros_like(theta)
    start[:, :, 0] = np.log(init.T)
    assert f(flat) < f(start.ravel()) - 1e-4
    # the weights are the softmax of [1, Z] @ theta
    W = local_weights(theta, Z)
    Z1 = np.column_stack([np.ones(len(y)), Z])
    np.testing.assert_allclose(W[:, :, 1], softmax(Z1 @ theta[1].T, axis=1))

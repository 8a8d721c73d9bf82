"""Aggregation weights that minimise the pinball loss of stacked quantiles.

``P`` holds base predictions with shape (n_samples, n_models, n_levels).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog, minimize
from scipy.special import expit, log_softmax, softmax

__all__ = ["fit_local_weights", "fit_simplex_weights", "local_weights"]


def _pinball_lp(P, y, levels, sample_weight, method):
    """min_w sum_{i,t} s_i rho_t(y_i - sum_k w_k P[i, k, t]), w on the simplex.

    ``P`` (n, K, T) with one weight vector shared by the T levels in it. The
    residual of every (i, t) is split as u+ - u- with u+/- >= 0, so the LP is
    min c.(w, u+, u-) s.t. P w + u+ - u- = y, 1.w = 1.
    """
    n, n_models, n_levels = P.shape
    m = n * n_levels
    design = P.transpose(0, 2, 1).reshape(m, n_models)
    target = np.repeat(y, n_levels)
    s = np.repeat(sample_weight, n_levels) / (sample_weight.sum() * n_levels)
    tau = np.tile(levels, n)
    cost = np.concatenate([np.zeros(n_models), s * tau, s * (1.0 - tau)])
    identity = sparse.identity(m, format="csr")
    a_eq = sparse.vstack(
        [
            sparse.hstack([sparse.csr_matrix(design), identity, -identity]),
            sparse.hstack(
                [
                    sparse.csr_matrix(np.ones((1, n_models))),
                    sparse.csr_matrix((1, 2 * m)),
                ]
            ),
        ],
        format="csr",
    )
    b_eq = np.concatenate([target, [1.0]])
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0.0, None), method=method)
    if result.status != 0:
        raise RuntimeError(f"the weight LP did not solve: {result.message}")
    w = np.clip(result.x[:n_models], 0.0, None)
    return w / w.sum()


def fit_simplex_weights(P, y, levels, sample_weight, *, per_level, method="highs-ipm"):
    """Exact LP weights: one vector (K,) or one per level (K, T)."""
    if not per_level:
        return _pinball_lp(P, y, levels, sample_weight, method)
    return np.column_stack(
        [
            _pinball_lp(P[:, :, [t]], y, levels[[t]], sample_weight, method)
            for t in range(levels.size)
        ]
    )


def local_weights(theta, Z):
    """Softmax weights (n, K, T) of the linear logits ``[1, Z] @ theta``."""
    Z1 = np.column_stack([np.ones(Z.shape[0]), Z])
    logits = np.einsum("id,tkd->ikt", Z1, theta)
    return softmax(logits, axis=1)


def fit_local_weights(
    P, y, levels, sample_weight, Z, init, *, smoothing, penalty, scale
):
    """Weights as a softmax of a linear function of ``Z``, per level.

    Minimises the softplus-smoothed pinball loss
    ``tau u + h log(1 + exp(-u / h))`` (h = ``smoothing * scale``), divided by
    ``scale``, plus ``penalty / 2`` times the squared slopes, by L-BFGS from
    intercepts ``log(init)`` (the per-level LP weights) and zero slopes.

    Returns theta of shape (T, K, d + 1): intercept then slopes.
    """
    n, n_models, n_levels = P.shape
    d = Z.shape[1]
    Z1 = np.column_stack([np.ones(n), Z])
    s = sample_weight / sample_weight.sum()
    h = smoothing * scale
    theta0 = np.zeros((n_levels, n_models, d + 1))
    theta0[:, :, 0] = np.log(np.clip(init.T, 1e-4, None))
    theta0[:, :, 0] -= theta0[:, :, 0].mean(axis=1, keepdims=True)

    def objective(flat):
        theta = flat.reshape(n_levels, n_models, d + 1)
        logits = np.einsum("id,tkd->ikt", Z1, theta)
        w = np.exp(log_softmax(logits, axis=1))
        q = np.einsum("ikt,ikt->it", w, P)
        u = y[:, None] - q
        loss = levels * u + h * np.logaddexp(0.0, -u / h)
        value = np.sum(s[:, None] * loss) / (n_levels * scale)
        # d loss / d q = -(tau - sigmoid(-u / h))
        g = -(levels - expit(-u / h)) * s[:, None] / (n_levels * scale)
        dlogit = g[:, None, :] * w * (P - q[:, None, :])
        grad = np.einsum("ikt,id->tkd", dlogit, Z1)
        slopes = theta[:, :, 1:]
        value += 0.5 * penalty * np.sum(slopes**2)
        grad[:, :, 1:] += penalty * slopes
        return value, grad.ravel()

    result = minimize(
        objective,
        theta0.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 500},
    )
    return result.x.reshape(n_levels, n_models, d + 1)

"""Aggregation weights that minimise the pinball loss of stacked quantiles.

``P`` holds base predictions with shape (n_samples, n_models, n_levels).
Two solvers for weights on the simplex: the exact linear program (HiGHS) and
a smoothed pinball loss minimised by L-BFGS-B whose distance to the LP
optimum is certified by a dual bound (:func:`fit_smooth_weights`).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse
from scipy.optimize import linprog, minimize
from scipy.special import expit, log_softmax, softmax
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

__all__ = [
    "fit_local_weights",
    "fit_simplex_weights",
    "fit_smooth_weights",
    "local_weights",
]

#: smoothing widths, relative to the starting pinball loss
_EPS_SCHEDULE = 10.0 ** -np.arange(1.0, 8.0, 1.5)
#: rows of the random subsample the first, widest stages are solved on
_SUBSAMPLE = 20_000
#: first stage solved on all the rows when a subsample warmed the start
_FIRST_FULL_STAGE = 1


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


def _pinball_and_dual(D, y, levels, s, w, eps):
    """Exact pinball loss of ``D w`` and the lower bound it certifies.

    ``D`` holds the predictions as (n_samples, n_levels, n_models). For any
    ``g`` in ``[tau - 1, tau]`` (one per row and level), weak duality bounds
    the LP optimum from below:
    ``min_w sum s rho_tau(y - D w) >= sum s g y - max_k sum s g D[..., k]``
    (``rho_tau(u) = max_g g u``, minimum over the simplex of a linear
    function = its smallest vertex). ``g`` is the smoothed loss's derivative
    at ``w`` (the Moreau dual variable), so the bound meets the loss at the
    smoothed optimum as ``eps`` goes to zero.
    """
    n, n_levels, n_models = D.shape
    flat = D.reshape(-1, n_models)
    u = (flat @ w).reshape(n, n_levels)
    np.subtract(y[:, None], u, out=u)
    loss = np.maximum(levels * u, (levels - 1.0) * u)
    primal = float(s @ loss.sum(axis=1)) / n_levels
    g = np.divide(u, eps, out=loss)
    np.clip(g, levels - 1.0, levels, out=g)
    g *= s[:, None]
    dual = float(g.sum(axis=1) @ y) - float(np.max(g.reshape(-1) @ flat))
    return primal, dual / n_levels


def _smoothed_objective(D, y, levels, s, eps, scale):
    """Smoothed loss / ``scale`` of ``w = v / sum(v)`` and its gradient in ``v``.

    The smoothed pinball loss is the Moreau envelope
    ``max_{g in [tau - 1, tau]} (g u - eps g^2 / 2)``: the pinball loss
    lowered by ``eps tau^2 / 2`` (``u > tau eps``) or ``eps (1 - tau)^2 / 2``
    (``u < (tau - 1) eps``), the parabola ``u^2 / (2 eps)`` in between; its
    derivative is ``g = clip(u / eps, tau - 1, tau)``. ``v >= 0`` (bounds)
    and ``w = v / sum(v)`` keep ``w`` on the simplex;
    ``(sum(v) - 1)^2 / 2`` fixes the scale of ``v`` without moving ``w``.
    ``D`` is (n_samples, n_levels, n_models), C-contiguous: two matrix-vector
    products per call.
    """
    n, n_levels, n_models = D.shape
    flat = D.reshape(-1, n_models)
    lower = levels - 1.0
    half_eps = 0.5 * eps
    factor = 1.0 / (n_levels * scale)

    def objective(v):
        total = v.sum()
        w = v / total
        u = (flat @ w).reshape(n, n_levels)
        np.subtract(y[:, None], u, out=u)
        g = np.divide(u, eps)
        np.clip(g, lower, levels, out=g)
        # g (u - eps g / 2), in place in u
        u -= half_eps * g
        u *= g
        value = float(s @ u.sum(axis=1)) * factor
        g *= s[:, None]
        grad_w = -(g.reshape(-1) @ flat) * factor
        grad_v = (grad_w - grad_w @ w) / total + (total - 1.0)
        return value + 0.5 * (total - 1.0) ** 2, grad_v

    return objective


def _lbfgs_stage(D, y, levels, s, v, eps, scale):
    result = minimize(
        _smoothed_objective(D, y, levels, s, eps, scale),
        v,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * v.size,
        options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-10},
    )
    v = np.clip(result.x, 0.0, None)
    return v / v.sum()


def _smooth_simplex(D, y, levels, s, *, tol, rng):
    """L-BFGS-B weights for one vector shared by the levels of ``D``.

    ``D`` is (n_samples, n_levels, n_models), C-contiguous. Returns the
    weights and the certified relative gap to the LP optimum.
    """
    n, _, n_models = D.shape
    # start from the best of the uniform weights and the single models
    starts = np.vstack([np.full(n_models, 1.0 / n_models), np.eye(n_models)])
    losses = [_pinball_and_dual(D, y, levels, s, w, 1.0)[0] for w in starts]
    best = int(np.argmin(losses))
    w, best_loss = starts[best], losses[best]
    if best_loss <= 0.0:
        return w, 0.0
    scale = best_loss
    first = 0
    if n > 2 * _SUBSAMPLE:
        rows = np.sort(rng.choice(n, _SUBSAMPLE, replace=False))
        s_sub = s[rows]
        if s_sub.sum() > 0:
            D_sub, y_sub = D[rows], y[rows]
            s_sub = s_sub / s_sub.sum()
            for eps in _EPS_SCHEDULE[:_FIRST_FULL_STAGE]:
                w = _lbfgs_stage(D_sub, y_sub, levels, s_sub, w, eps * scale, scale)
            first = _FIRST_FULL_STAGE
            del D_sub
    bound = -np.inf
    gap = np.inf
    for eps in _EPS_SCHEDULE[first:]:
        v = _lbfgs_stage(D, y, levels, s, w, eps * scale, scale)
        primal, dual = _pinball_and_dual(D, y, levels, s, v, eps * scale)
        bound = max(bound, dual)
        if primal < best_loss:
            best_loss, w = primal, v
        gap = max(best_loss - bound, 0.0) / best_loss
        if gap <= tol:
            break
    return w, gap


def _fit_smooth(P, y, levels, s, per_level, tol, rng):
    # (n_samples, n_levels, n_models) copies, C-contiguous for matrix-vector
    # products: one level at a time, or all of P once for "global"
    if per_level:
        fits = [
            _smooth_simplex(
                np.ascontiguousarray(P[:, :, t])[:, None, :],
                y,
                levels[t : t + 1],
                s,
                tol=tol,
                rng=rng,
            )
            for t in range(levels.size)
        ]
        weights = np.column_stack([w for w, _ in fits])
        gap = max(g for _, g in fits)
    else:
        D = np.ascontiguousarray(P.transpose(0, 2, 1))
        weights, gap = _smooth_simplex(D, y, levels, s, tol=tol, rng=rng)
    return weights, gap


def fit_smooth_weights(
    P, y, levels, sample_weight, *, per_level, tol=1e-6, random_state=None
):
    """Simplex weights by a smoothed pinball loss and L-BFGS-B, with a certificate.

    The pinball loss is replaced by its Moreau envelope of width ``eps``
    (quadratic within ``eps`` of zero, exact up to a constant outside),
    minimised by L-BFGS-B over ``w = v / sum(v)``, ``v >= 0``, for ``eps``
    from a tenth of the starting loss (the best of the uniform weights and
    the single models) down by ``10^1.5`` per stage to ``1e-7`` of it, each
    stage warm-started from the last (the first, widest stage on a random
    subsample of 20,000 rows when there are more than 40,000). After each
    stage the exact pinball loss is compared with the dual lower bound on
    the LP optimum (see ``_pinball_and_dual``); the stages stop once the
    relative gap is at most ``tol``, which certifies the loss within ``tol``
    of the LP's.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_models, n_levels)
    y : ndarray of shape (n_samples,)
    levels : ndarray of shape (n_levels,)
    sample_weight : ndarray of shape (n_samples,)
    per_level : bool
        One weight vector per level (columns) or one for all levels.
    tol : float, default=1e-6
        Relative gap to the LP optimum at which to stop; a
        ``ConvergenceWarning`` says so when the last stage ends above it.
    random_state : int, Generator or None
        Seeds the subsample of the first stages.

    Returns
    -------
    weights : ndarray of shape (n_models,) or (n_models, n_levels)
    gap : float
        The certified relative gap (the largest over levels).
    """
    rng = np.random.default_rng(random_state)
    s = sample_weight / sample_weight.sum()
    # L-BFGS-B's small dense algebra slows tenfold when BLAS threads spin
    # on a busy machine; the passes over P do not use BLAS
    with threadpool_limits(limits=1, user_api="blas"):
        weights, gap = _fit_smooth(P, y, levels, s, per_level, tol, rng)
    if gap > tol:
        warnings.warn(
            f"the L-BFGS aggregation weights stopped {gap:.2e} (relative) above "
            f"a lower bound on the LP optimum, more than tol={tol:g}; "
            "solver='highs-ipm' solves the LP exactly.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return weights, gap

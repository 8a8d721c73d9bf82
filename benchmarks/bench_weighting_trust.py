"""Trust diagnostics of the weighting family (issue 15), before and after.

1. ``DensityRatioEstimator`` on two Gaussian samples (2 features, 1000 rows
   each) whose means are 0, 1, 2 and 10 standard deviations apart. "before"
   is the old ``effective_sample_size_``: Kish's ESS of the normalised
   weights, the number the estimator now keeps as ``source_weights_ess_``
   (same code). "after" is the new ``effective_sample_size_`` (cross-fitted,
   unnormalised ratios of the target rows) and ``domain_auc_``. The truth is
   ``n exp(-shift^2)`` (lognormal ratios) and ``Phi(shift / sqrt 2)``.
2. ``RLearner`` on a treatment coded 0/1/2 and on a binary one coded 1/2:
   what ``fit`` does with the default ``treatment_type="auto"``.
3. ``RLearner`` with random-forest nuisances, cross-fitted (the estimator)
   versus the same three models with nuisances fitted in-sample (written out
   here): RMSE of the estimated effect against the true ``tau(x)``.

Run ``python benchmarks/bench_weighting_trust.py [--quick]``.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression

from skvariance.weighting import DensityRatioEstimator, OverlapWarning, RLearner


def bench_density_ratio(quick):
    print("\n## DensityRatioEstimator: ESS and domain AUC, n = 1000 per sample\n")
    print(
        "| method | shift (sd) | true ESS | before: ESS (Kish, normalised) "
        "| after: effective_sample_size_ | after: domain_auc_ | true AUC "
        "| OverlapWarning |"
    )
    print("|---|---|---|---|---|---|---|---|")
    methods = ["classifier"] if quick else ["classifier", "ulsif"]
    for method in methods:
        for shift in [0.0, 1.0, 2.0, 10.0]:
            rng = np.random.RandomState(0)
            X_source = rng.normal(size=(1000, 2))
            X_target = rng.normal(size=(1000, 2)) + [shift, 0.0]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", OverlapWarning)
                dre = DensityRatioEstimator(method=method, random_state=0)
                dre.fit(X_source, X_target)
            w = dre.source_weights_
            kish = w.sum() ** 2 / np.sum(w**2)
            alarm = any(issubclass(c.category, OverlapWarning) for c in caught)
            print(
                f"| {method} | {shift:g} | {1000 * np.exp(-(shift**2)):.3g} "
                f"| {kish:.1f} | {dre.effective_sample_size_:.3g} "
                f"| {dre.domain_auc_:.3f} | {norm.cdf(shift / np.sqrt(2)):.3f} "
                f"| {'yes' if alarm else 'no'} |"
            )


def _effects_data(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    w = rng.binomial(1, 1 / (1 + np.exp(-2.5 * X[:, 0])))
    tau = 1.0 + X[:, 1]
    y = np.sin(2 * X[:, 0]) + X[:, 2] + w * tau + 0.5 * rng.normal(size=n)
    return X, y, w, tau


def bench_treatment_coding():
    print("\n## RLearner: treatment codings with treatment_type='auto'\n")
    print("| treatment | after |")
    print("|---|---|")
    X, y, w, _ = _effects_data(500, 0)
    arms = np.random.RandomState(1).randint(0, 3, size=500)
    for name, t in [("0/1/2 arms", arms), ("binary coded 1/2", w + 1)]:
        try:
            RLearner(random_state=0).fit(X, y, treatment=t)
            outcome = "fitted"
        except ValueError as exc:
            outcome = f"ValueError: {str(exc)[:90]}..."
        print(f"| {name} | {outcome} |")


def _in_sample_rlearner(outcome, treatment, effect, X, y, w):
    """The R-learner with nuisances fitted on all rows (no cross-fitting)."""
    m_hat = clone(outcome).fit(X, y).predict(X)
    e_hat = clone(treatment).fit(X, w).predict_proba(X)[:, 1]
    r_y, r_w = y - m_hat, w - e_hat
    r_w = np.where(np.abs(r_w) < 1e-3, np.where(r_w < 0, -1e-3, 1e-3), r_w)
    return clone(effect).fit(X, r_y / r_w, sample_weight=r_w**2)


def bench_cross_fitting(quick):
    print("\n## RLearner: effect RMSE with and without cross-fitting\n")
    print("| n | seed | cross-fitted RMSE | in-sample nuisances RMSE |")
    print("|---|---|---|---|")
    outcome = RandomForestRegressor(100, min_samples_leaf=5, n_jobs=1)
    treatment = RandomForestClassifier(100, min_samples_leaf=5, n_jobs=1)
    effect = LinearRegression()
    X_eval, _, _, tau_eval = _effects_data(5000, 99)
    for seed in range(2 if quick else 4):
        X, y, w, _ = _effects_data(2000, seed)
        cross = RLearner(
            outcome_model=outcome,
            treatment_model=treatment,
            effect_model=effect,
            random_state=seed,
        ).fit(X, y, treatment=w)
        inside = _in_sample_rlearner(
            outcome.set_params(random_state=seed),
            treatment.set_params(random_state=seed),
            effect,
            X,
            y,
            w,
        )
        rmse = [
            np.sqrt(np.mean((model.predict(X_eval) - tau_eval) ** 2))
            for model in (cross, inside)
        ]
        print(f"| 2000 | {seed} | {rmse[0]:.3f} | {rmse[1]:.3f} |")


def main(quick: bool = False):
    bench_density_ratio(quick)
    bench_treatment_coding()
    bench_cross_fitting(quick)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

"""Label-efficient score estimates: skvariance vs ppi_py, and labels saved.

Two tables.

1. Agreement and time against ppi-python 0.2.3 (``ppi_mean_ci``,
   ``ppi_mean_pointestimate``) on the same arrays, for the classical
   interval (``lam=0``), PPI (``lam=1``) and PPI++ (``lam=None``, the
   power-tuned weight), at three sizes. ``max_abs_diff`` is the largest
   difference of estimate and bounds.

2. Width and coverage at equal numbers of labels on two statsmodels data
   sets the tests do not use: ``fair`` (6,366 rows; a logistic regression
   predicting an affair, 0-1 loss; the surrogate is the model's own
   confidence, ``1 - max predict_proba``) and ``randhie`` (20,190 rows; a
   ridge regression of ``log(1 + mdvis)``, squared error; the surrogate is a
   second ridge model of the squared residual) and ``co2`` (2,225 weekly
   Mauna Loa readings; a linear trend, squared error; the surrogate is the
   squared gap to a judge, a cubic trend with three seasonal harmonics, plus
   the judge's residual variance). Each model is fitted on one
   half; the other half is the pool whose mean loss is the truth. For each
   number of labels, ``uniform`` labels a uniform sample and reports the
   classical interval, ``ppi++`` uses the same labels and the rest of the
   pool as unlabelled rows, ``stratified`` labels by Neyman allocation over
   5 quantile strata of the surrogate. ``noise`` rows repeat PPI++ and the
   stratified design with the surrogate's predictions randomly permuted (a
   surrogate that knows nothing). ``width_ratio`` is the mean width over the
   uniform mean width at the same number of labels. The stratified interval
   has the finite-population correction (the target is the pool's mean),
   PPI's does not: ``uniform (fpc)`` is the uniform sample with the
   correction (one stratum), the fair baseline for the stratified rows.
"""

import sys

import numpy as np
from _harness import compare, environment, print_table

from skvariance.evaluation import (
    prediction_powered_ci,
    stratified_sample,
    stratified_score_ci,
)


def _peer_table(quick):
    try:
        import ppi_py
    except ImportError:  # pragma: no cover - the peer is optional
        ppi_py = None
    sizes = [(100, 1_000), (1_000, 10_000)] + ([] if quick else [(10_000, 100_000)])
    rows = []
    for n, big_n in sizes:
        rng = np.random.default_rng(n)
        f_all = rng.beta(0.5, 2.0, n + big_n)
        y = (rng.uniform(size=n) < f_all[:n]).astype(float)
        f, g = f_all[:n], f_all[n:]
        for method, lam in (("classical", 0.0), ("ppi", 1.0), ("ppi++", None)):

            def ours(method=method, y=y, f=f, g=g):
                return prediction_powered_ci(
                    y, f, g, method=method, confidence_level=0.9
                )

            def peer(lam=lam, y=y, f=f, g=g):
                low, high = ppi_py.ppi_mean_ci(y, f, g, alpha=0.1, lam=lam)
                est = ppi_py.ppi_mean_pointestimate(y, f, g, lam=lam)
                return float(est[0]), float(low[0]), float(high[0])

            def quality(a, b):
                if b is None:
                    return {"max_abs_diff": None}
                diff = np.max(np.abs(np.array([a.estimate, a.low, a.high]) - b))
                return {"lambda_": a.lambda_, "max_abs_diff": float(diff)}

            rows.append(
                compare(
                    f"n={n}, N={big_n}, {method}",
                    ours,
                    peer if ppi_py is not None else None,
                    repeat=5,
                    quality=quality,
                )
            )
    return print_table("agreement with ppi_py (90% intervals)", rows, peer="ppi_py")


def _fair():
    import statsmodels.api as sm
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = sm.datasets.fair.load_pandas().data
    y = (data["affairs"] > 0).to_numpy(int)
    X = data.drop(columns=["affairs"]).to_numpy(float)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, pool = order[: len(y) // 2], order[len(y) // 2 :]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X[train], y[train]
    )
    proba = model.predict_proba(X[pool])
    loss = (proba.argmax(axis=1) != y[pool]).astype(float)
    pred = 1.0 - proba.max(axis=1)  # the model's own error probability
    return loss, pred, "bernoulli"


def _randhie():
    import statsmodels.api as sm
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_predict
    from sklearn.preprocessing import SplineTransformer

    data = sm.datasets.randhie.load_pandas().data
    y = np.log1p(data["mdvis"].to_numpy(float))
    X = data.drop(columns=["mdvis"]).to_numpy(float)
    rng = np.random.default_rng(1)
    order = rng.permutation(len(y))
    train, pool = order[: len(y) // 2], order[len(y) // 2 :]
    model = Ridge().fit(X[train], y[train])
    resid2 = (y[train] - cross_val_predict(Ridge(), X[train], y[train], cv=5)) ** 2
    features = SplineTransformer(n_knots=4).fit(X[train])
    surrogate = Ridge().fit(features.transform(X[train]), resid2)
    loss = (y[pool] - model.predict(X[pool])) ** 2
    pred = np.clip(surrogate.predict(features.transform(X[pool])), 1e-3, None)
    # a Gaussian residual's squared error has std sqrt(2) times its mean
    return loss, pred, np.sqrt(2.0) * pred


def _efficiency_rows(name, loss, pred, loss_std, budgets, reps):
    truth = loss.mean()
    rows = []
    # the noise surrogate: predictions (and anticipated stds) shuffled
    perm = np.random.default_rng(99).permutation(pred.size)
    noise_pred = pred[perm]
    noise_std = loss_std if isinstance(loss_std, str) else loss_std[perm]
    for n in budgets:
        out = {}
        rng = np.random.default_rng(n)
        for rep in range(reps):
            idx = rng.choice(loss.size, n, replace=False)
            rest = np.setdiff1d(np.arange(loss.size), idx)
            res = {
                "uniform": prediction_powered_ci(
                    loss[idx], pred[idx], pred[rest], method="classical"
                ),
                "uniform (fpc)": stratified_score_ci(
                    loss[idx], np.zeros(n, dtype=int), [loss.size]
                ),
                "ppi++": prediction_powered_ci(loss[idx], pred[idx], pred[rest]),
                "ppi++ (noise)": prediction_powered_ci(
                    loss[idx], noise_pred[idx], noise_pred[rest]
                ),
            }
            for label, p, s in (
                ("stratified", pred, loss_std),
                ("stratified (noise)", noise_pred, noise_std),
            ):
                plan = stratified_sample(p, n, n_strata=5, loss_std=s, random_state=rep)
                res[label] = plan.score_ci(loss[plan.indices])
            for label, r in res.items():
                acc = out.setdefault(label, [[], []])
                acc[0].append(r.high - r.low)
                acc[1].append(r.low <= truth <= r.high)
        base = np.mean(out["uniform"][0])
        for label, (widths, hits) in out.items():
            rows.append(
                {
                    "data": name,
                    "labels": n,
                    "method": label,
                    "mean_width": float(np.mean(widths)),
                    "width_ratio": float(np.mean(widths) / base),
                    "coverage": float(np.mean(hits)),
                }
            )
    return rows


def _co2():
    import statsmodels.api as sm

    data = sm.datasets.co2.load_pandas().data.dropna()
    y = data["co2"].to_numpy(float)
    t = np.arange(len(y)) / 52.0
    tt = (t - t.mean()) / t.std()
    linear = np.column_stack([np.ones_like(t), t])
    seasonal = np.column_stack(
        [np.ones_like(t), tt, tt**2, tt**3]
        + [f(2 * np.pi * k * t) for k in (1, 2, 3) for f in (np.sin, np.cos)]
    )
    rng = np.random.default_rng(2)
    order = rng.permutation(len(y))
    train, pool = order[: len(y) // 2], order[len(y) // 2 :]
    coef_a = np.linalg.lstsq(linear[train], y[train], rcond=None)[0]
    coef_b = np.linalg.lstsq(seasonal[train], y[train], rcond=None)[0]
    noise = np.mean((y[train] - seasonal[train] @ coef_b) ** 2)
    gap = seasonal[pool] @ coef_b - linear[pool] @ coef_a
    loss = (y[pool] - linear[pool] @ coef_a) ** 2
    # y ~ N(judge, noise): the squared error's mean and std given the judge
    pred = gap**2 + noise
    return loss, pred, np.sqrt(2 * noise**2 + 4 * gap**2 * noise)


def main(quick: bool = False) -> str:
    print(environment(), "\n")
    text = _peer_table(quick)
    reps = 100 if quick else 1000
    budgets = [100, 400] if quick else [100, 200, 400, 800]
    rows = []
    for name, build in (
        ("fair (0-1 loss)", _fair),
        ("randhie (squared error)", _randhie),
        ("co2 (squared error)", _co2),
    ):
        loss, pred, loss_std = build()
        rows += _efficiency_rows(name, loss, pred, loss_std, budgets, reps)
    text += print_table(
        f"95% intervals of the pool's mean loss, {reps} repetitions per row",
        rows,
    )
    return text


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

"""Quantile aggregation on real regression data sets available offline.

Data sets (no network): scikit-learn's bundled ``diabetes``; mlxtend's bundled
``boston_housing`` and ``autompg``; statsmodels' bundled ``engel``
(food expenditure ~ income), ``fair`` (affairs), ``randhie`` (doctor visits),
``star98`` (share of pupils above the national median), ``grunfeld``
(investment), ``anes96`` (party identification) and ``cancer`` (cancer deaths ~
population). Text columns (``autompg``'s car name) and rows with a missing
value are dropped, rows are subsampled to at most 1,000 (``fair``,
``randhie``) and split 70/30 into train/test with a fixed seed; features are
standardised for the linear and k-NN models inside their Pipelines.

Methods, all at levels 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95:

* base models: linear quantile regression, HistGradientBoosting (quantile
  loss), k-NN quantiles (ours) and quantile-forest's
  ``RandomForestQuantileRegressor`` (the peer's forest);
* ``average``: equal weights on the four base models, sorted;
* ``QuantileAggregator`` with ``weighting`` "global", "per_quantile" and
  "local", each without and with ``conformalize=True`` (one fit: the
  uncalibrated figures come from ``predict(..., calibrated=False)``);
* MAPIE's ``ConformalizedQuantileRegressor`` on the same HistGradientBoosting
  base, one fit per coverage (80% and 90%; MAPIE refits three models per
  coverage), with 25% of the training rows held out for conformalization. It
  gives intervals, not the full set of levels, so it has no WIS.

Columns: WIS on the test set, coverage and mean width of the 80% and 90%
intervals (width relative to the best base model's, per data set), fit time.
Summary: mean rank of WIS, geometric mean of WIS relative to the best single
base model on each data set, and the time of the weight fit against the base
models' cross-fitting.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from _harness import print_table
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.metrics import coverage_score, weighted_interval_score
from skvariance.quantile import (
    KNNQuantileRegressor,
    MultiQuantileRegressor,
    QuantileAggregator,
)

LEVELS = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
MAX_ROWS = 1000


def _datasets(quick):
    import statsmodels.datasets as sm
    from mlxtend.data import autompg_data, boston_housing_data

    def frame(name, target, drop=()):
        data = getattr(sm, name).load_pandas().data.dropna()
        y = data[target].to_numpy(float)
        X = data.drop(columns=[target, *drop]).to_numpy(float)
        return X, y

    def star98():
        data = sm.star98.load_pandas().data
        y = (data["NABOVE"] / (data["NABOVE"] + data["NBELOW"])).to_numpy(float)
        return data.drop(columns=["NABOVE", "NBELOW"]).to_numpy(float), y

    loaders = {
        "diabetes": lambda: load_diabetes(return_X_y=True),
        "boston": boston_housing_data,
        "autompg": autompg_data,
        "engel": lambda: frame("engel", "foodexp"),
        "fair": lambda: frame("fair", "affairs"),
        "randhie": lambda: frame("randhie", "mdvis"),
        "star98": star98,
        "grunfeld": lambda: frame("grunfeld", "invest", drop=("firm",)),
        "anes96": lambda: frame("anes96", "PID", drop=("vote",)),
        "cancer": lambda: frame("cancer", "cancer"),
    }
    if quick:
        loaders = {k: loaders[k] for k in ("diabetes", "engel", "star98")}
    for name, load in loaders.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X, y = load()
        X, y = np.asarray(X, float), np.asarray(y, float)
        X = X[:, np.isfinite(X).any(axis=0)]  # autompg's car-name column
        finite = np.isfinite(X).all(axis=1) & np.isfinite(y)
        X, y = X[finite], y[finite]
        if X.shape[0] > MAX_ROWS:
            keep = np.random.default_rng(0).choice(X.shape[0], MAX_ROWS, replace=False)
            X, y = X[keep], y[keep]
        yield name, X, y


def _bases(quick):
    iters = 50 if quick else 100
    return [
        (
            "linear",
            make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0)),
        ),
        (
            "hgb",
            HistGradientBoostingRegressor(
                loss="quantile", max_iter=iters, random_state=0
            ),
        ),
        (
            "knn",
            make_pipeline(
                StandardScaler(), KNNQuantileRegressor(n_neighbors=20, quantiles=LEVELS)
            ),
        ),
        ("qrf", _forest(quick)),
    ]


def _forest(quick):
    from quantile_forest import RandomForestQuantileRegressor

    return RandomForestQuantileRegressor(
        n_estimators=50 if quick else 100, min_samples_leaf=5, random_state=0
    )


def _interval(q, coverage):
    lo = np.argmin(np.abs(LEVELS - (1 - coverage) / 2))
    hi = np.argmin(np.abs(LEVELS - (1 + coverage) / 2))
    return q[:, lo], q[:, hi]


def _row(y, q, fit_s):
    row = {"WIS": weighted_interval_score(y, q, LEVELS)}
    for c in (0.8, 0.9):
        lo, hi = _interval(q, c)
        row[f"cov{int(c * 100)}"] = coverage_score(y, lo, hi)
        row[f"width{int(c * 100)}"] = float(np.mean(hi - lo))
    row["fit_s"] = fit_s
    return row


def _fit_base(name, est, X, y, Xt):
    start = time.perf_counter()
    if name == "knn":
        model = est.fit(X, y)
    else:
        model = MultiQuantileRegressor(est, quantiles=LEVELS).fit(X, y)
    fit_s = time.perf_counter() - start
    return np.sort(model.predict(Xt), axis=1), fit_s


def _mapie(X, y, Xt, yt, quick):
    from mapie.regression import ConformalizedQuantileRegressor

    row = {"WIS": None}
    total = 0.0
    for c in (0.8, 0.9):
        X_fit, X_conf, y_fit, y_conf = train_test_split(
            X, y, test_size=0.25, random_state=0
        )
        start = time.perf_counter()
        model = ConformalizedQuantileRegressor(
            HistGradientBoostingRegressor(
                loss="quantile", max_iter=50 if quick else 100, random_state=0
            ),
            confidence_level=c,
        )
        model.fit(X_fit, y_fit).conformalize(X_conf, y_conf)
        total += time.perf_counter() - start
        _, bounds = model.predict_interval(Xt)
        lo, hi = bounds[:, 0, 0], bounds[:, 1, 0]
        row[f"cov{int(c * 100)}"] = coverage_score(yt, lo, hi)
        row[f"width{int(c * 100)}"] = float(np.mean(hi - lo))
    row["fit_s"] = total
    return row


def _run_dataset(name, X, y, quick):
    X, Xt, y, yt = train_test_split(X, y, test_size=0.3, random_state=0)
    results, costs = {}, []
    base_preds = []
    for base_name, est in _bases(quick):
        pred, fit_s = _fit_base(base_name, est, X, y, Xt)
        base_preds.append(pred)
        results[base_name] = _row(yt, pred, fit_s)
    avg = np.sort(np.mean(base_preds, axis=0), axis=1)
    results["average"] = _row(
        yt, avg, sum(results[b]["fit_s"] for b, _ in _bases(quick))
    )
    for weighting in ("global", "per_quantile", "local"):
        agg = QuantileAggregator(
            _bases(quick),
            quantiles=LEVELS,
            weighting=weighting,
            conformalize=True,
            cv=5,
            random_state=0,
        )
        start = time.perf_counter()
        agg.fit(X, y)
        fit_s = time.perf_counter() - start
        results[weighting] = _row(yt, agg.predict(Xt, calibrated=False), fit_s)
        results[f"{weighting}+conformal"] = _row(yt, agg.predict(Xt), fit_s)
        costs.append(
            {
                "data set": name,
                "weighting": weighting,
                "n_train": X.shape[0],
                "cv_fit_s": agg.cv_fit_time_,
                "weight_fit_s": agg.weight_fit_time_,
                "weight/cv": agg.weight_fit_time_ / agg.cv_fit_time_,
            }
        )
    results["mapie_cqr(hgb)"] = _mapie(X, y, Xt, yt, quick)
    return results, costs


def main(quick: bool = False):
    per_data, costs, shapes = {}, [], {}
    for name, X, y in _datasets(quick):
        shapes[name] = X.shape
        start = time.perf_counter()
        per_data[name], cost = _run_dataset(name, X, y, quick)
        costs.extend(cost)
        print(f"({name} {X.shape}: {time.perf_counter() - start:.0f} s)", flush=True)
    names = list(per_data)
    methods = list(per_data[names[0]])
    bases = [b for b, _ in _bases(quick)]

    wis_rows = []
    for m in methods:
        row = {"method": m}
        for d in names:
            row[d] = per_data[d][m]["WIS"]
        wis_rows.append(row)
    print_table("test WIS per data set (lower is better)", wis_rows)

    scored = [m for m in methods if per_data[names[0]][m]["WIS"] is not None]
    ranks = {m: [] for m in scored}
    rel = {m: [] for m in scored}
    for d in names:
        wis = np.array([per_data[d][m]["WIS"] for m in scored])
        order = wis.argsort().argsort() + 1.0
        best_base = min(per_data[d][b]["WIS"] for b in bases)
        for m, r, w in zip(scored, order, wis):
            ranks[m].append(r)
            rel[m].append(w / best_base)
    summary = []
    for m in methods:
        row = {"method": m}
        if m in ranks:
            row["mean_rank_WIS"] = float(np.mean(ranks[m]))
            row["rel_WIS_vs_best_base"] = float(np.exp(np.mean(np.log(rel[m]))))
        else:
            row["mean_rank_WIS"] = row["rel_WIS_vs_best_base"] = None
        for c in ("cov80", "cov90"):
            vals = [per_data[d][m][c] for d in names]
            row[f"mean_{c}"] = float(np.mean(vals))
            row[f"min_{c}"] = float(np.min(vals))
        for c in ("width80", "width90"):
            ref = {d: min(per_data[d][b][c] for b in bases) for d in names}
            row[f"rel_{c}"] = float(
                np.exp(np.mean([np.log(per_data[d][m][c] / ref[d]) for d in names]))
            )
        row["total_fit_s"] = float(sum(per_data[d][m]["fit_s"] for d in names))
        summary.append(row)
    print_table(
        f"summary over {len(names)} data sets "
        "(rel_* = geometric mean of ratio to the best base model)",
        summary,
    )
    print_table("cost of the weight fit against cross-fitting the base models", costs)
    detail = []
    for d in names:
        for m in methods:
            detail.append(
                {"data set": d, "n, d": str(shapes[d]), "method": m, **per_data[d][m]}
            )
    return print_table("every data set and method", detail)


if __name__ == "__main__":
    main()

"""Issue 15 for the inverse-variance regressors: before (base commit) and after.

Runs the base commit's ``skvariance.weighting`` (imported under another
package name from a ``git archive`` of the commit, so both versions run in
this one process on the same data) against the working tree's:

a. units: the largest relative difference between ``1000 * predict`` of a
   fit on ``y / 1000`` and ``predict`` of a fit on ``y`` (mean and std), with
   Ridge and HistGradientBoosting mean models;
b. a random-forest mean model on three real data sets (statsmodels' Engel
   food expenditure, scikit-learn's diabetes, a 2,000-row subsample of
   statsmodels' RAND health insurance experiment with log(1 + medical
   expenses)... see ``_datasets``): held-out RMSE and Gaussian NLL of the
   unweighted forest, the base IVR and the new IVR over random splits, with
   the max/min weight ratio and the effective sample size of the weights;
c. the Engel data's own gap (no income between 2,823 and 4,958): the largest
   predicted std inside the gap and the 90% band there;
d. held-out mean z^2 per ``variance_target`` on Gaussian heteroscedastic
   data (1 is calibrated);
e. 90% coverage of ``InverseVarianceEnsembleRegressor``'s mean +- 1.645 std
   for each ``covariance`` on correlated members.

Run from the repository root: ``python benchmarks/bench_ivr_trust.py``
(``--quick`` for fewer seeds; ``--base DIR`` to use an existing checkout of
the base commit instead of extracting it).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import norm
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import skvariance.weighting as after  # noqa: E402
from skvariance.datasets import make_heteroscedastic_regression  # noqa: E402

BASE_COMMIT = "eb1ccf8"
Z90 = norm.ppf(0.95)


def load_base(base_dir=None):
    """``skvariance.weighting`` of the base commit, as package ``skv_base``."""
    if base_dir is None:
        base_dir = tempfile.mkdtemp(prefix="skv_base_")
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BASE_COMMIT, "skvariance"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", base_dir], input=archive, check=True)
    init = Path(base_dir) / "skvariance" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "skv_base", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["skv_base"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("skv_base.weighting")


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    print("\n".join(out) + "\n", flush=True)


def _fit_quiet(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


# -- a. units --------------------------------------------------------------------
def bench_units(base):
    X, y, _ = make_heteroscedastic_regression(
        600, 3, heteroscedasticity=3.0, random_state=0
    )
    y = 5000.0 + 2000.0 * y
    rows = []
    for name, mean_model in [
        ("Ridge(alpha=1)", Ridge(alpha=1.0)),
        ("HistGradientBoosting", HistGradientBoostingRegressor(random_state=0)),
    ]:
        cells = [name]
        for mod in (base, after):
            big = _fit_quiet(
                mod.InverseVarianceRegressor(mean_model, random_state=0), X, y
            )
            small = _fit_quiet(
                mod.InverseVarianceRegressor(mean_model, random_state=0), X, y / 1000
            )
            m1, s1 = big.predict(X, return_std=True)
            m2, s2 = small.predict(X, return_std=True)
            # mean: relative to the spread of y (predictions cross 0);
            # std: relative to itself
            cells.append(f"{np.max(np.abs(1000 * m2 - m1)) / np.std(y):.1e}")
            cells.append(f"{np.max(np.abs(1000 * s2 - s1) / s1):.1e}")
        rows.append(cells)
    print(
        "### a. Units: fit on y and on y/1000; max |difference| / sd(y) for "
        "the mean, max relative difference for the std\n"
    )
    md_table(
        ["mean model", "before: mean", "before: std", "after: mean", "after: std"],
        rows,
    )


# -- b. random forest on real data -------------------------------------------------
def _datasets():
    from statsmodels.datasets import engel, randhie

    e = engel.load_pandas().data
    yield "Engel (n=235)", e[["income"]].to_numpy(float), e["foodexp"].to_numpy(float)
    d = load_diabetes()
    yield "diabetes (n=442)", d.data, d.target
    r = randhie.load_pandas().data
    rng = np.random.RandomState(0)
    idx = rng.choice(len(r), 2000, replace=False)
    Xr = r.drop(columns="mdvis").to_numpy(float)[idx]
    yield "randhie mdvis (n=2000)", Xr, r["mdvis"].to_numpy(float)[idx]


def _nll(y, mean, std):
    return float(-norm.logpdf(y, mean, std).mean())


def bench_forest(base, seeds):
    rows = []
    for name, X, y in _datasets():
        res = {k: [] for k in ("rmse_u", "nll_u", "rmse_b", "nll_b", "rmse_a")}
        res.update({k: [] for k in ("nll_a", "ratio_b", "ess_b", "ratio_a")})
        res.update({"ess_a": [], "power": []})
        for seed in range(seeds):
            tr, te = next(ShuffleSplit(1, test_size=0.3, random_state=seed).split(X))
            rf = RandomForestRegressor(
                n_estimators=100, min_samples_leaf=5, random_state=seed, n_jobs=1
            )
            unweighted = _fit_quiet(
                after.InverseVarianceRegressor(rf, weight_power=0.0, random_state=seed),
                X[tr],
                y[tr],
            )
            old = _fit_quiet(
                base.InverseVarianceRegressor(rf, random_state=seed), X[tr], y[tr]
            )
            new = _fit_quiet(
                after.InverseVarianceRegressor(rf, random_state=seed), X[tr], y[tr]
            )
            for key, est in (("u", unweighted), ("b", old), ("a", new)):
                m, s = est.predict(X[te], return_std=True)
                res["rmse_" + key].append(np.sqrt(np.mean((y[te] - m) ** 2)))
                res["nll_" + key].append(_nll(y[te], m, s))
                if key != "u":
                    w = est.weights_
                    res["ratio_" + key].append(w.max() / w.min())
                    res["ess_" + key].append(w.sum() ** 2 / np.sum(w**2) / len(w))
            res["power"].append(new.weight_power_)
        mean = {k: np.mean(v) for k, v in res.items()}
        rows.append(
            [
                name,
                f"{mean['rmse_u']:.4g}",
                f"{mean['rmse_b']:.4g}",
                f"{mean['rmse_a']:.4g}",
                f"{mean['nll_u']:.4f}",
                f"{mean['nll_b']:.4f}",
                f"{mean['nll_a']:.4f}",
                f"{np.median(res['ratio_b']):.0f} / {mean['ess_b']:.2f}",
                f"{np.median(res['ratio_a']):.0f} / {mean['ess_a']:.2f}",
                " ".join(f"{p:g}" for p in res["power"]),
            ]
        )
    print(
        f"### b. Random-forest mean model, held-out (30%) over {seeds} splits\n\n"
        "unweighted = the forest without weights (std from the same variance "
        "model); ratio = median max/min weight, ESS = mean effective sample "
        "size / n.\n"
    )
    md_table(
        [
            "data",
            "RMSE unweighted",
            "RMSE before",
            "RMSE after",
            "NLL unweighted",
            "NLL before",
            "NLL after",
            "before: ratio / ESS",
            "after: ratio / ESS",
            "after: weight_power_ per split",
        ],
        rows,
    )


# -- c. the Engel gap ------------------------------------------------------------
def bench_gap(base):
    from statsmodels.datasets import engel

    e = engel.load_pandas().data
    x, y = e[["income"]].to_numpy(float), e["foodexp"].to_numpy(float)
    lo, hi = np.sort(x[:, 0])[-2:]
    grid = np.linspace(lo, hi, 400)[1:-1, None]
    rows = []
    for label, mod in (("before", base), ("after", after)):
        reg = _fit_quiet(mod.InverseVarianceRegressor(random_state=0), x, y)
        m, s = reg.predict(grid, return_std=True)
        _, s_train = reg.predict(x, return_std=True)
        rows.append(
            [
                label,
                f"{s_train.max():.0f}",
                f"{s.max():.0f}",
                f"{(m - Z90 * s).min():.0f} .. {(m + Z90 * s).max():.0f}",
                f"{m.mean():.0f}",
            ]
        )
    print(
        f"### c. Engel data, no income between {lo:.0f} and {hi:.0f} (default models)\n"
    )
    md_table(
        [
            "",
            "max std on training rows",
            "max std in the gap",
            "90% band in the gap",
            "mean in the gap",
        ],
        rows,
    )


# -- d. calibration per variance_target --------------------------------------------
def bench_targets(base, seeds):
    rows = []
    mean_model = make_pipeline(
        __import__(
            "sklearn.preprocessing", fromlist=["SplineTransformer"]
        ).SplineTransformer(n_knots=6),
        Ridge(alpha=1e-3),
    )
    for target in ("log", "squared", "absolute"):
        cells = [target]
        for mod in (base, after):
            z2 = []
            for seed in range(seeds):
                X, y, _ = make_heteroscedastic_regression(
                    1000, 2, heteroscedasticity=3.0, random_state=seed
                )
                Xt, yt, _ = make_heteroscedastic_regression(
                    20000, 2, heteroscedasticity=3.0, random_state=1000 + seed
                )
                try:
                    reg = _fit_quiet(
                        mod.InverseVarianceRegressor(
                            mean_model, variance_target=target, random_state=0
                        ),
                        X,
                        y,
                    )
                except ValueError:
                    z2 = None
                    break
                m, s = reg.predict(Xt, return_std=True)
                z2.append(np.mean(((yt - m) / s) ** 2))
            cells.append(
                "removed (ValueError)"
                if z2 is None
                else f"{np.mean(z2):.2f} ({np.min(z2):.2f}-{np.max(z2):.2f})"
            )
        rows.append(cells)
    print(
        f"### d. Held-out mean z^2 (1 = calibrated), {seeds} data sets, "
        "n = 1,000 train / 20,000 test, spline mean\n"
    )
    md_table(["variance_target", "before", "after"], rows)


# -- e. ensemble coverage ------------------------------------------------------------
def _correlated(n, rng):
    s = 2.0 * rng.normal(size=n)
    common = rng.normal(size=n)
    e = np.column_stack(
        [
            0.5 * common + 0.2 * rng.normal(size=n),
            0.5 * common + 0.2 * rng.normal(size=n),
            0.6 * common + 0.4 * rng.normal(size=n),
        ]
    )
    return s[:, None] + e, s


def bench_ensemble(base, seeds):
    members = [
        (
            f"m{k}",
            make_pipeline(
                ColumnTransformer([("x", "passthrough", [k])]), LinearRegression()
            ),
        )
        for k in range(3)
    ]
    rows = []
    for cov in ("diagonal", "shrunk", "full"):
        cells = [cov]
        for mod in (base, after):
            coverage = []
            for seed in range(seeds):
                rng = np.random.RandomState(seed)
                X, y = _correlated(2000, rng)
                Xt, yt = _correlated(50000, rng)
                ens = mod.InverseVarianceEnsembleRegressor(
                    members, covariance=cov, random_state=0
                ).fit(X, y)
                m, s = ens.predict(Xt, return_std=True)
                coverage.append(np.mean(np.abs(yt - m) <= Z90 * s))
            cells.append(f"{np.mean(coverage):.3f}")
        rows.append(cells)
    print(
        f"### e. InverseVarianceEnsembleRegressor: coverage of mean +- 1.645 "
        f"std (nominal 0.90), correlated members, {seeds} fits\n"
    )
    md_table(["covariance", "before", "after"], rows)


def main(quick=False, base_dir=None):
    base = load_base(base_dir)
    seeds = 3 if quick else 5
    bench_units(base)
    bench_gap(base)
    bench_targets(base, 2 if quick else 5)
    bench_ensemble(base, 2 if quick else 5)
    bench_forest(base, seeds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--base", default=None)
    parser.add_argument(
        "--only", default="abcde", help="subset of the sections a-e to run"
    )
    args = parser.parse_args()
    # one OpenMP thread per fit: HistGradientBoosting's threads fight the
    # cross-fitting otherwise (and on a shared machine, everything else)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    base = load_base(args.base)
    s = 3 if args.quick else 5
    runs = {
        "a": lambda: bench_units(base),
        "b": lambda: bench_forest(base, s),
        "c": lambda: bench_gap(base),
        "d": lambda: bench_targets(base, 2 if args.quick else 5),
        "e": lambda: bench_ensemble(base, 2 if args.quick else 5),
    }
    for key in args.only:
        runs[key]()

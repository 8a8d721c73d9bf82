"""skvariance.weighting against its peers, each on the same data in one process.

1. ``InverseVarianceRegressor`` (linear mean and linear log r^2 model, one
   round) against statsmodels' feasible GLS (OLS, regression of log r^2 on X,
   WLS) on linear heteroscedastic data: the coefficients must agree to the
   difference between cross-fitted and in-sample residuals; time ratio.
2. OLS, a one-step residual model (in-sample |r| regressed on x and taken as
   sigma, no refit) and ``InverseVarianceRegressor`` on real regression data
   shipped in PyPI packages (scikit-learn's diabetes, statsmodels' Engel food
   expenditure): held-out Gaussian NLL, 90% interval coverage and width over
   random splits.
3. ``RLearner`` against EconML's ``NonParamDML`` with the same nuisance and
   final models on simulated heterogeneous effects: RMSE of the effect, fit
   time.
4. ``DensityRatioEstimator`` (uLSIF, a logistic classifier and the default
   spline-logistic classifier) against the densratio package's uLSIF on a
   known Gaussian shift: relative error and correlation with the true ratio
   on fresh source rows, time.
5. ``ImportanceResampler`` against the data-selection package's
   ``HashedNgramDSIR`` (DSIR's own code) on a pool of docstrings of installed
   packages with the docstrings of ``scipy.stats`` as the target: KL
   reduction in the same hashed feature space, fraction of selected rows
   from ``scipy.stats``-like modules, time. The peer draws its Gumbel noise
   from NumPy's global generator (it takes no seed), so its row varies a
   little between runs.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import tempfile
from pathlib import Path

import numpy as np
from _harness import compare, compare_interleaved, print_table
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.weighting import (
    DensityRatioEstimator,
    ImportanceResampler,
    InverseVarianceRegressor,
    RLearner,
)
from skvariance.weighting.base import smooth_classifier, smooth_regressor

Z90 = norm.ppf(0.95)


# -- 1. FWLS against statsmodels -------------------------------------------------
def _statsmodels_fgls(X, y):
    import statsmodels.api as sm

    Xc = sm.add_constant(X)
    resid = sm.OLS(y, Xc).fit().resid
    log_var = sm.OLS(np.log(resid**2), Xc).fit().fittedvalues
    return sm.WLS(y, Xc, weights=1.0 / np.exp(log_var)).fit().params


def bench_fwls(quick):
    rows = []
    for n in [2_000] if quick else [2_000, 20_000, 200_000]:
        rng = np.random.RandomState(0)
        X = rng.uniform(-1, 1, size=(n, 5))
        beta = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
        sigma = np.exp(0.5 + 1.2 * X[:, 0])
        y = 2.0 + X @ beta + sigma * rng.standard_normal(n)
        # full weights (weight_power=1): the peer's FGLS does not temper
        ours = InverseVarianceRegressor(
            LinearRegression(),
            variance_estimator=LinearRegression(),
            n_iter=1,
            weight_power=1.0,
            random_state=0,
        )

        def run_ours(ours=ours, X=X, y=y):
            est = ours.fit(X, y).estimator_
            return np.r_[est.intercept_, est.coef_]

        def quality(a, b, X=X, y=y):
            ols = LinearRegression().fit(X, y)
            ols_coef = np.r_[ols.intercept_, ols.coef_]
            return {
                "max|coef diff|": float(np.max(np.abs(a - b))),
                "max|fwls - ols|": float(np.max(np.abs(a - ols_coef))),
            }

        rows.append(
            compare(
                f"n={n}, d=5",
                run_ours,
                lambda X=X, y=y: _statsmodels_fgls(X, y),
                repeat=1 if quick else 3,
                quality=quality,
            )
        )
    print_table("FWLS: InverseVarianceRegressor vs statsmodels FGLS", rows, peer="sm")


# -- 2. real data: OLS, one-step residual model, FWLS ---------------------------
def _datasets():
    from sklearn.datasets import load_diabetes
    from statsmodels.datasets import engel

    X, y = load_diabetes(return_X_y=True)
    data = engel.load_pandas().data
    yield "diabetes (sklearn)", X, y
    yield "engel (statsmodels)", data[["income"]].to_numpy(), data["foodexp"].to_numpy()


def _scores(y, mean, std):
    lo, hi = mean - Z90 * std, mean + Z90 * std
    return (
        -norm.logpdf(y, mean, std).mean(),
        np.mean((y >= lo) & (y <= hi)),
        np.mean(hi - lo),
    )


def _ols(Xtr, ytr, Xte):
    ols = make_pipeline(StandardScaler(), LinearRegression()).fit(Xtr, ytr)
    sd = np.std(ytr - ols.predict(Xtr), ddof=Xtr.shape[1] + 1)
    return ols.predict(Xte), np.full(len(Xte), sd)


def _one_step(Xtr, ytr, Xte):
    # the usual add-on: in-sample residuals, |r| modelled and taken as sigma
    ols = make_pipeline(StandardScaler(), LinearRegression()).fit(Xtr, ytr)
    abs_r = np.abs(ytr - ols.predict(Xtr))
    scale = smooth_regressor().fit(Xtr, abs_r)
    floor = 1e-3 * np.mean(abs_r)
    return ols.predict(Xte), np.maximum(scale.predict(Xte), floor)


def _fwls(Xtr, ytr, Xte):
    reg = InverseVarianceRegressor(
        make_pipeline(StandardScaler(), LinearRegression()), random_state=0
    ).fit(Xtr, ytr)
    return reg.predict(Xte, return_std=True)


def bench_real(quick):
    rows = []
    n_splits = 5 if quick else 30
    for name, X, y in _datasets():
        splits = list(ShuffleSplit(n_splits, test_size=0.3, random_state=0).split(X))
        for label, method in [
            ("OLS, constant sigma", _ols),
            ("one-step |r| model", _one_step),
            ("InverseVarianceRegressor", _fwls),
        ]:
            scores = np.array(
                [_scores(y[te], *method(X[tr], y[tr], X[te])) for tr, te in splits]
            )
            row = {"data": name, "method": label}
            row.update(dict(zip(["NLL", "coverage90", "width90"], scores.mean(axis=0))))
            rows.append(row)
    print_table(
        f"Held-out Gaussian NLL and 90% intervals ({n_splits} random 70/30 splits)",
        rows,
    )


# -- 3. RLearner against EconML NonParamDML -------------------------------------
def _effects_data(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 4))
    propensity = 1 / (1 + np.exp(-2.5 * X[:, 0]))
    w = rng.binomial(1, propensity)
    tau = 1.0 + X[:, 1] + np.sin(2 * X[:, 2])
    y = np.sin(2 * X[:, 0]) + X[:, 3] + w * tau + 0.5 * rng.normal(size=n)
    return X, y, w, tau


class _SplineRidge(RegressorMixin, BaseEstimator):
    """Spline ridge taking ``sample_weight`` itself (EconML passes it to the
    final model directly, which a Pipeline refuses)."""

    def fit(self, X, y, sample_weight=None):
        self.model_ = smooth_regressor().fit(
            X,
            y,
            **(
                {}
                if sample_weight is None
                else {"ridgecv__sample_weight": sample_weight}
            ),
        )
        return self

    def predict(self, X):
        return self.model_.predict(X)


#: interleaved timed fits per side of the RLearner rows (a shared machine)
REPEAT_RLEARNER = 7


def bench_rlearner(quick):
    try:
        from econml.dml import NonParamDML
    except ImportError:  # pragma: no cover - optional peer
        NonParamDML = None
    rows = []
    for n in [2_000] if quick else [2_000, 10_000]:
        X, y, w, tau = _effects_data(n, 0)
        X_eval, _, _, tau_eval = _effects_data(5_000, 1)

        def run_ours(X=X, y=y, w=w):
            return RLearner(effect_model=_SplineRidge(), random_state=0).fit(
                X, y, treatment=w
            )

        def run_peer(X=X, y=y, w=w):
            return NonParamDML(
                model_y=smooth_regressor(),
                model_t=smooth_classifier(),
                model_final=_SplineRidge(),
                discrete_treatment=True,
                cv=5,
                random_state=0,
            ).fit(y, w, X=X)

        def quality(a, b, X_eval=X_eval, tau_eval=tau_eval):
            out = {
                "rmse_ours": float(
                    np.sqrt(np.mean((a.predict(X_eval) - tau_eval) ** 2))
                )
            }
            if b is not None:
                out["rmse_econml"] = float(
                    np.sqrt(np.mean((b.effect(X_eval) - tau_eval) ** 2))
                )
            return out

        rows.append(
            compare_interleaved(
                f"n={n}",
                run_ours,
                run_peer if NonParamDML else None,
                repeat=1 if quick else REPEAT_RLEARNER,
                quality=quality,
            )
        )
    print_table(
        "RLearner vs EconML NonParamDML (same models), fit -- time: best of "
        f"{1 if quick else REPEAT_RLEARNER} interleaved runs per side (s)",
        rows,
        peer="econml",
    )


# -- 4. density ratios against densratio ------------------------------------------
SHIFT = np.array([0.6, -0.3])


def bench_density_ratio(quick):
    try:
        from densratio import densratio
    except ImportError:  # pragma: no cover - optional peer
        densratio = None
    n = 1_000 if quick else 2_000
    rng = np.random.RandomState(0)
    X_source = rng.normal(size=(n, 2))
    X_target = rng.normal(size=(n, 2)) + SHIFT
    X_eval = rng.normal(size=(2_000, 2))
    true = np.exp(X_eval @ SHIFT - SHIFT @ SHIFT / 2)

    def accuracy(w_hat):
        return {
            "rel_error": float(np.mean(np.abs(w_hat - true)) / np.mean(true)),
            "corr": float(np.corrcoef(w_hat, true)[0, 1]),
        }

    def run_peer():
        return densratio(X_target, X_source, alpha=0.0, verbose=False)

    rows = []
    peer_result = {}

    def run_peer_cached():
        peer_result["fit"] = run_peer()
        return peer_result["fit"]

    for i, (label, est) in enumerate(
        [
            ("uLSIF", DensityRatioEstimator(method="ulsif", random_state=0)),
            (
                "classifier: logistic",
                DensityRatioEstimator(LogisticRegression(), random_state=0),
            ),
            ("classifier: default", DensityRatioEstimator(random_state=0)),
        ]
    ):

        def quality(a, b):
            out = {f"ours_{k}": v for k, v in accuracy(a.predict(X_eval)).items()}
            fitted = peer_result.get("fit")
            if fitted is not None:
                peer_w = fitted.compute_density_ratio(X_eval)
                out.update({f"densratio_{k}": v for k, v in accuracy(peer_w).items()})
            return out

        # the peer (uLSIF with its own LOOCV grid) is timed once, on the
        # first row; the other rows repeat its accuracy for comparison
        rows.append(
            compare(
                f"{label}, n={n}",
                lambda est=est: est.fit(X_source, X_target),
                run_peer_cached if densratio and i == 0 else None,
                repeat=1 if quick else 3,
                quality=quality,
            )
        )
    print_table(
        "Density ratio on a Gaussian shift vs densratio (uLSIF)", rows, peer="densratio"
    )


# -- 5. DSIR against data-selection --------------------------------------------------
def _docstrings(packages, limit):
    """Docstrings (>= 30 words, each once) of the objects defined in ``packages``."""
    docs, seen = [], set()
    for package in packages:
        root = importlib.import_module(package)
        names = [package] + [
            info.name
            for info in pkgutil.walk_packages(root.__path__, prefix=package + ".")
            if "test" not in info.name and "__main__" not in info.name
        ]
        for name in names:
            try:
                module = importlib.import_module(name)
            except (Exception, SystemExit):  # optional or script-like modules
                continue
            for _, obj in inspect.getmembers(module):
                home = getattr(obj, "__module__", None) or ""
                if not callable(obj) or not home.startswith(package):
                    continue
                doc = inspect.getdoc(obj)
                if not doc or len(doc.split()) < 30:
                    continue
                doc = " ".join(doc.split())
                if doc not in seen:
                    seen.add(doc)
                    docs.append(doc)
                if len(docs) >= limit:
                    return docs
    return docs


def bench_dsir(quick):
    import warnings

    try:
        from data_selection import HashedNgramDSIR
    except ImportError:  # pragma: no cover - optional peer
        HashedNgramDSIR = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats_docs = _docstrings(["scipy.stats"], 10_000)
        other = _docstrings(["sklearn", "numpy", "pandas"], 2_000 if quick else 8_000)
    # half of scipy.stats is the target, the other half hides in the pool
    target = stats_docs[::2]
    pool = other + stats_docs[1::2]
    statsy = np.r_[np.zeros(len(other), bool), np.ones(len(stats_docs[1::2]), bool)]
    k = len(pool) // 10
    ours = ImportanceResampler(n_samples=k, random_state=0)
    tmp = Path(tempfile.mkdtemp(prefix="bench_dsir_"))
    for name, rows_ in (("pool", pool), ("target", target)):
        with open(tmp / f"{name}.jsonl", "w") as fh:
            for doc in rows_:
                fh.write(json.dumps({"text": doc}) + "\n")
    index = {doc: i for i, doc in enumerate(pool)}

    def run_peer():
        dsir = HashedNgramDSIR(
            [str(tmp / "pool.jsonl")],
            [str(tmp / "target.jsonl")],
            cache_dir=str(tmp / "cache"),
            num_proc=1,
            min_example_length=1,
        )
        dsir.fit_importance_estimator(num_tokens_to_fit="all")
        dsir.compute_importance_weights()
        dsir.resample(
            out_dir=str(tmp / "out"), num_to_sample=k, cache_dir=str(tmp / "rcache")
        )
        selected = []
        for path in sorted((tmp / "out").glob("*.jsonl")):
            with open(path) as fh:
                selected += [index[json.loads(line)["text"]] for line in fh]
        return np.asarray(selected)

    def kl_of(indices, fitted):
        F_pool = fitted.transformer_.transform(pool)
        F_t = fitted.transformer_.transform(target)
        p_t = np.asarray(F_t.sum(0)).ravel() + 1.0
        p_t /= p_t.sum()
        q = np.asarray(F_pool[indices].sum(0)).ravel() + 1.0
        q /= q.sum()
        return float(np.sum(p_t * np.log(p_t / q)))

    def quality(a, b):
        out = {
            "KL_uniform": a.kl_random_,
            "KL_ours": a.kl_selected_,
            "stats_frac_ours": float(statsy[a.sample_indices_].mean()),
        }
        if b is not None:
            out["KL_dsir_pkg"] = kl_of(b, a)
            out["stats_frac_dsir_pkg"] = float(statsy[b].mean())
        out["stats_frac_pool"] = float(statsy.mean())
        return out

    rows = [
        compare(
            f"pool={len(pool)}, target={len(target)}, k={k}",
            lambda: ours.fit(pool, target),
            run_peer if HashedNgramDSIR else None,
            repeat=1,
            quality=quality,
        )
    ]
    print_table(
        "DSIR: ImportanceResampler vs data-selection HashedNgramDSIR (docstrings)",
        rows,
        peer="dsir_pkg",
    )


def main(quick: bool = False):
    bench_fwls(quick)
    bench_real(quick)
    bench_rlearner(quick)
    bench_density_ratio(quick)
    bench_dsir(quick)


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

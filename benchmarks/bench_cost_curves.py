"""Cost curves: time and peak memory of one call per family against n.

For one representative call of each family -- ``SMOTE``, ``SMOTENC``,
``seed_cross_validate``, ``InverseVarianceRegressor``, ``QuantileAggregator``,
``ConformalRegressor`` (split and CV+), ``ConformalClassifier``,
``bootstrap_ci`` and ``compare_estimators`` -- this measures the wall time
and the peak memory at n = 1,000, 10,000, 100,000 and 1,000,000 rows, with
the peer beside it where one exists and can run, and fits the log-log slope
of each curve (least squares over the sizes run). The results go to
``benchmarks/results/cost_curves.csv`` (one row per call, side and size) and
``benchmarks/results/cost_curves_slopes.csv`` (one row per call and side),
which ``doc/performance.rst`` draws and tabulates at build time without
re-running anything.

Base models are cheap on purpose (``Ridge``, ``LinearRegression``,
``LogisticRegression``, a ridge-plus-residual-quantiles model), so that the
curves show the cost of the skvariance machinery around them, not of the
model. The calls (see :data:`CASES`):

* ``smote``: ``SMOTE(random_state=0)`` at its defaults with the neighbour
  cache off, 20 features, 5% minority; peer imbalanced-learn's ``SMOTE``
  (defaults).
* ``smotenc``: ``SMOTENC``, 15 continuous and 5 categorical columns of 50
  levels, 5% minority, cache off; peer imbalanced-learn's ``SMOTENC``.
* ``seed_cv``: ``seed_cross_validate(Ridge(), cv=5, n_seeds=10)``, 10
  features; peer ``cross_validate(Ridge(), cv=5)`` looped over 10 seeds
  (the same 50 fits: Ridge has no seed).
* ``ivr``: ``InverseVarianceRegressor(LinearRegression(),
  variance_estimator=LinearRegression(), n_iter=1, weight_power=1)``, 5
  features; peer statsmodels' feasible GLS (OLS, OLS of log r^2, WLS), as in
  ``bench_weighting.py``.
* ``qagg``: ``QuantileAggregator`` of two ridge-plus-residual-quantile
  models at its defaults (7 levels, ``per_quantile``, cv=5, the default
  solver); no peer.
* ``cr_split``: ``ConformalRegressor(Ridge())`` split, fit and
  ``predict_interval`` of 1,000 test rows; peer MAPIE's
  ``SplitConformalRegressor`` on the same split.
* ``cr_cvplus``: ``ConformalRegressor(Ridge(), method="cv_plus", cv=5)``,
  fit and intervals of 1,000 test rows; peer MAPIE's
  ``CrossConformalRegressor(method="plus")``.
* ``cc_split``: ``ConformalClassifier(LogisticRegression())`` (LAC), 3
  classes, 10 features, sets of 1,000 test rows; peer MAPIE's
  ``SplitConformalClassifier`` (LAC) on the same split.
* ``bootstrap``: ``bootstrap_ci`` of the IQM of n scores (one task), 1,000
  resamples; peer ``scipy.stats.bootstrap`` of the 25% trimmed mean (the
  IQM), 1,000 resamples, otherwise its defaults.
* ``compare``: ``compare_estimators`` of two ``Ridge`` (cv=5, n_seeds=5);
  peer the same 50 fits on the same folds as a loop of ``cross_validate``.

n is the number of training rows (of scores for ``bootstrap``). Prediction
is on a fixed 1,000 test rows: CV+ costs O(n_train x n_test) in time, so with
a fixed test set its curve is that of the training size.

Method. Every case runs in its own subprocess (imports once), both sides on
the same data: first a warm-up of each side on 1,000 rows (numba
compilation, imports), then at each size one call per side with its peak
memory (the growth of the resident set, VmHWM reset before the call and the
heap trimmed between calls: it counts NumPy, numba and C/C++ allocations
alike, which tracemalloc would not), then more calls interleaved (ours,
peer, peer, ours...): best of 3 where a call takes under 5 s, else the
single call (the ``runs`` column). Times are wall clock, best of the runs;
``cpu_s`` is the process CPU time of the same call (all its threads), which
moves less than wall time on a shared machine. Both sides run at their
defaults (numba and BLAS on all cores, joblib ``n_jobs=None``).

Budget. Sizes are the outer loop (every case at 1,000 rows, then at
10,000...). A size is run only if the time predicted from the sizes below it
(the last time scaled by the last local slope, at least linear) is within
:data:`TIME_BUDGET` seconds per call, the predicted memory within
:data:`MEMORY_BUDGET`, and the whole run within :data:`TOTAL_BUDGET` by
prediction (so that it ends within 20 minutes); otherwise the row says
``not run (> time budget ...)``, ``(> memory budget ...)`` or
``(> total budget ...)``, never dropped, and the larger sizes of that side
are not run either. A request that exceeds :data:`CHILD_TIMEOUT` is stopped
and says ``not run (timed out)``.

Usage::

    python benchmarks/bench_cost_curves.py            # full: writes the CSVs
    python benchmarks/bench_cost_curves.py --quick    # 1k and 10k, prints only
    python benchmarks/bench_cost_curves.py -k smote --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

SIZES = [1_000, 10_000, 100_000, 1_000_000]
QUICK_SIZES = [1_000, 10_000]
#: prediction rows of the conformal cases
N_TEST = 1_000
#: resamples of the bootstrap case (both sides)
N_RESAMPLES = 1_000
#: seconds one call may take
TIME_BUDGET = 120.0
#: seconds the whole run may take by prediction (it then ends within 20 min)
TOTAL_BUDGET = 18 * 60.0
#: bytes of peak memory one call may take (the machine has 23 GB, shared)
MEMORY_BUDGET = 6 * 2**30
#: seconds a (case, n) subprocess may run in all
CHILD_TIMEOUT = 600.0
#: best of this many interleaved runs when a call takes under FAST_CALL s
REPEAT = 3
FAST_CALL = 5.0
#: rows of the untimed warm-up
WARMUP_N = 1_000


# --------------------------------------------------------------------------
# The cases. Each builds its data for n, and returns zero-argument callables.
# --------------------------------------------------------------------------
def _classification(n, n_features=20, seed=0):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=10,
        weights=[0.95],
        flip_y=0.0,
        random_state=seed,
    )


def _regression(n, n_features=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, n_features))
    beta = np.linspace(-2, 2, n_features)
    sigma = np.exp(0.5 + 1.2 * X[:, 0])
    y = 2.0 + X @ beta + sigma * rng.standard_normal(n)
    return X, y


def _split(n, stratify=None):
    """Our calibrators' proper-training / calibration rows (random_state=0)."""
    from bench_calibration import _same_split

    return _same_split(n, 0, stratify=stratify)


def _counts_equal(ours, peer):
    same = Counter(ours[1].tolist()) == Counter(peer[1].tolist())
    return f"same class counts: {same}"


def smote(n):
    from imblearn.over_sampling import SMOTE as ImbSMOTE

    import skvariance
    from skvariance.resampling import SMOTE

    X, y = _classification(n)

    def ours():
        with skvariance.config_context(neighbors_cache=False):
            return SMOTE(random_state=0).fit_resample(X, y)

    def peer():
        return ImbSMOTE(random_state=0).fit_resample(X, y)

    def agree(o, p):
        diff = float(np.max(np.abs(o[0] - p[0]))) if o[0].shape == p[0].shape else -1
        return f"{_counts_equal(o, p)}; max|X diff| {diff:.2g}"

    return ours, peer, agree


def smotenc(n):
    from imblearn.over_sampling import SMOTENC as ImbSMOTENC

    import skvariance
    from skvariance.resampling import SMOTENC

    X, y = _classification(n)
    X[:, 15:] = np.random.default_rng(0).integers(0, 50, size=(n, 5))
    cat = list(range(15, 20))

    def ours():
        with skvariance.config_context(neighbors_cache=False):
            return SMOTENC(cat, random_state=0).fit_resample(X, y)

    def peer():
        return ImbSMOTENC(categorical_features=cat, random_state=0).fit_resample(X, y)

    return ours, peer, _counts_equal


def seed_cv(n):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_validate

    from skvariance.model_selection import seed_cross_validate

    X, y = _regression(n)

    def ours():
        res = seed_cross_validate(Ridge(), X, y, cv=5, n_seeds=10, random_state=0)
        return res.scores["score"]

    def peer():
        # Ridge has no random_state: the ten seeds fit the same folds
        return np.array(
            [cross_validate(Ridge(), X, y, cv=5)["test_score"] for _ in range(10)]
        )

    def agree(o, p):
        return f"max|score diff| {float(np.max(np.abs(o - p))):.2g}"

    return ours, peer, agree


def ivr(n):
    import statsmodels.api as sm
    from sklearn.linear_model import LinearRegression

    from skvariance.weighting import InverseVarianceRegressor

    X, y = _regression(n, n_features=5)

    def ours():
        est = InverseVarianceRegressor(
            LinearRegression(),
            variance_estimator=LinearRegression(),
            n_iter=1,
            weight_power=1.0,
            random_state=0,
        ).fit(X, y)
        return np.r_[est.estimator_.intercept_, est.estimator_.coef_]

    def peer():
        Xc = sm.add_constant(X)
        resid = sm.OLS(y, Xc).fit().resid
        log_var = sm.OLS(np.log(resid**2), Xc).fit().fittedvalues
        return sm.WLS(y, Xc, weights=1.0 / np.exp(log_var)).fit().params

    def agree(o, p):
        # cross-fitted (ours) vs in-sample (statsmodels) residuals: close, not equal
        return f"max|coef diff| {float(np.max(np.abs(o - p))):.2g}"

    return ours, peer, agree


def _ridge_quantiles():
    """A cheap quantile model: Ridge mean plus the residuals' empirical quantiles."""
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.linear_model import Ridge

    class RidgeQuantiles(RegressorMixin, BaseEstimator):
        def __init__(self, quantiles=(0.05, 0.5, 0.95), columns=None):
            self.quantiles = quantiles
            self.columns = columns

        def _cols(self, X):
            return X if self.columns is None else X[:, self.columns]

        def fit(self, X, y):
            self.ridge_ = Ridge().fit(self._cols(X), y)
            resid = y - self.ridge_.predict(self._cols(X))
            self.offsets_ = np.quantile(resid, self.quantiles)
            return self

        def predict(self, X):
            mean = self.ridge_.predict(self._cols(X))
            return mean[:, None] + self.offsets_[None, :]

    return RidgeQuantiles


def qagg(n):
    from skvariance.quantile import QuantileAggregator

    X, y = _regression(n)
    RidgeQuantiles = _ridge_quantiles()

    def ours():
        agg = QuantileAggregator(
            [("all", RidgeQuantiles()), ("half", RidgeQuantiles(columns=[0, 1, 2]))],
            random_state=0,
        ).fit(X, y)
        return agg.weights_

    return ours, None, None


def _regression_split(n):
    X, y = _regression(n + N_TEST, seed=1)
    return X[:n], y[:n], X[n:], y[n:]


def _coverage_width(b, y):
    return float(np.mean((y >= b[:, 0]) & (y <= b[:, 1]))), float(
        np.mean(b[:, 1] - b[:, 0])
    )


def _interval_agree(y_test, exact):
    def agree(o, p):
        cov_o, w_o = _coverage_width(o, y_test)
        cov_p, w_p = _coverage_width(p, y_test)
        text = f"coverage {cov_o:.3f} vs {cov_p:.3f}, width {w_o:.3g} vs {w_p:.3g}"
        if exact:
            text += f"; max|bound diff| {float(np.max(np.abs(o - p))):.2g}"
        return text

    return agree


def cr_split(n):
    from mapie.regression import SplitConformalRegressor
    from sklearn.linear_model import Ridge

    from skvariance.calibration import ConformalRegressor

    X, y, X_test, y_test = _regression_split(n)

    def ours():
        reg = ConformalRegressor(Ridge(), coverage=0.9, random_state=0).fit(X, y)
        return reg.predict_interval(X_test)

    def peer():
        train, cal = _split(n)
        model = SplitConformalRegressor(Ridge(), confidence_level=0.9, prefit=False)
        model.fit(X[train], y[train]).conformalize(X[cal], y[cal])
        return model.predict_interval(X_test)[1][:, :, 0]

    return ours, peer, _interval_agree(y_test, exact=True)


def cr_cvplus(n):
    from mapie.regression import CrossConformalRegressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    from skvariance.calibration import ConformalRegressor

    X, y, X_test, y_test = _regression_split(n)

    def ours():
        reg = ConformalRegressor(
            Ridge(), method="cv_plus", cv=5, coverage=0.9, random_state=0
        )
        return reg.fit(X, y).predict_interval(X_test)

    def peer():
        model = CrossConformalRegressor(
            Ridge(),
            confidence_level=0.9,
            method="plus",
            cv=KFold(5, shuffle=True, random_state=0),
        )
        return model.fit_conformalize(X, y).predict_interval(X_test)[1][:, :, 0]

    return ours, peer, _interval_agree(y_test, exact=False)


def cc_split(n):
    from mapie.classification import SplitConformalClassifier
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skvariance.calibration import ConformalClassifier

    X, y = make_classification(
        n_samples=n + N_TEST,
        n_features=10,
        n_informative=5,
        n_classes=3,
        random_state=0,
    )
    X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]

    def ours():
        clf = ConformalClassifier(
            LogisticRegression(max_iter=500), score="lac", random_state=0
        )
        return clf.fit(X, y).predict_set(X_test)

    def peer():
        train, cal = _split(n, stratify=y)
        model = SplitConformalClassifier(
            LogisticRegression(max_iter=500),
            confidence_level=0.9,
            conformity_score="lac",
            prefit=False,
            random_state=0,
        )
        model.fit(X[train], y[train]).conformalize(X[cal], y[cal])
        return model.predict_set(X_test)[1][:, :, 0]

    def agree(o, p):
        idx = np.arange(y_test.size)
        same = float(np.mean(np.all(o == p, axis=1)))
        return (
            f"coverage {o[idx, y_test].mean():.3f} vs {p[idx, y_test].mean():.3f}; "
            f"same sets {same:.3f}"
        )

    return ours, peer, agree


def bootstrap(n):
    from scipy.stats import bootstrap as scipy_bootstrap
    from scipy.stats import trim_mean

    from skvariance.evaluation import bootstrap_ci

    scores = np.random.default_rng(0).normal(size=(n, 1))

    def ours():
        res = bootstrap_ci(scores, "iqm", n_resamples=N_RESAMPLES, random_state=0)
        return np.array([res.low, res.high])

    def statistic(x, axis=-1):
        return trim_mean(x, 0.25, axis=axis)

    def peer():
        res = scipy_bootstrap(
            (scores[:, 0],),
            statistic,
            n_resamples=N_RESAMPLES,
            method="percentile",
            random_state=0,
        )
        ci = res.confidence_interval
        return np.array([ci.low, ci.high])

    def agree(o, p):
        # independent resamples: the bounds agree to Monte Carlo error
        return f"CI [{o[0]:.4f}, {o[1]:.4f}] vs [{p[0]:.4f}, {p[1]:.4f}]"

    return ours, peer, agree


def compare(n):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_validate

    from skvariance.model_selection import compare_estimators

    X, y = _regression(n)
    models = [("ridge", Ridge(alpha=1.0)), ("ridge100", Ridge(alpha=100.0))]

    # the fold seeds compare_estimators derives from random_state=0 (public
    # ``seeds``), so that the loop fits exactly the same 50 (model, fold) pairs
    seeds = compare_estimators(models, X[:100], y[:100], n_seeds=5, random_state=0)
    seeds = [int(s) for s in seeds.seeds]

    def ours():
        res = compare_estimators(models, X, y, cv=5, n_seeds=5, random_state=0)
        return np.array([res.scores[name] for name, _ in models])

    def peer():
        return np.array(
            [
                [
                    cross_validate(
                        est, X, y, cv=KFold(5, shuffle=True, random_state=s)
                    )["test_score"]
                    for s in seeds
                ]
                for _, est in models
            ]
        )

    def agree(o, p):
        return f"max|score diff| {float(np.max(np.abs(o - p))):.2g}"

    return ours, peer, agree


@dataclass
class Case:
    name: str
    call: str
    peer: str | None
    build: object = field(repr=False)


CASES = [
    Case("smote", "SMOTE().fit_resample", "imblearn", smote),
    Case("smotenc", "SMOTENC().fit_resample", "imblearn", smotenc),
    Case("seed_cv", "seed_cross_validate(Ridge)", "sklearn loop", seed_cv),
    Case("ivr", "InverseVarianceRegressor(LinearRegression).fit", "statsmodels", ivr),
    Case("qagg", "QuantileAggregator(2 ridge-quantile models).fit", None, qagg),
    Case("cr_split", "ConformalRegressor(Ridge) split", "MAPIE", cr_split),
    Case("cr_cvplus", "ConformalRegressor(Ridge) CV+", "MAPIE", cr_cvplus),
    Case("cc_split", "ConformalClassifier(LogisticRegression) LAC", "MAPIE", cc_split),
    Case("bootstrap", "bootstrap_ci(iqm, 1000 resamples)", "scipy", bootstrap),
    Case("compare", "compare_estimators(2 Ridge)", "sklearn loop", compare),
]
BY_NAME = {case.name: case for case in CASES}


# --------------------------------------------------------------------------
# The subprocess: one case, one size, the sides asked for.
# --------------------------------------------------------------------------
def _trim():
    """Give freed heap memory back to the system (glibc), between sizes."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the peak may read low
        pass


def _measure(case, n, sides, warmed):
    """Time and measure ``sides`` of ``case`` at ``n``; return a JSON-able dict."""
    from _harness import peak_rss_growth

    out = {side: {"times": [], "cpu": []} for side in sides}
    if any(side not in warmed for side in sides):
        small = case.build(min(WARMUP_N, n))
        for side, func in zip(("ours", "peer"), small[:2]):
            if side in sides and side not in warmed:
                try:
                    func()  # warm-up: numba compilation, imports, caches
                    warmed.add(side)
                except Exception as exc:  # report, go on
                    out[side]["error"] = f"{type(exc).__name__}: {exc}"[:200]
        del small
    _trim()
    ours, peer, agree = case.build(n)
    funcs = {"ours": ours, "peer": peer}
    results = {}
    for side in sides:
        if "error" in out[side]:
            continue
        try:
            start, cpu = time.perf_counter(), time.process_time()
            mem, results[side] = peak_rss_growth(funcs[side])
            out[side]["times"].append(time.perf_counter() - start)
            out[side]["cpu"].append(time.process_time() - cpu)
            out[side]["peak_bytes"] = mem
        except Exception as exc:  # report, go on
            out[side]["error"] = f"{type(exc).__name__}: {exc}"[:200]
        _trim()
    live = [s for s in sides if "error" not in out[s]]
    for i in range(1, REPEAT):
        order = live if i % 2 == 0 else live[::-1]
        for side in order:
            if out[side]["times"][0] >= FAST_CALL:
                continue
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            funcs[side]()
            out[side]["times"].append(time.perf_counter() - start)
            out[side]["cpu"].append(time.process_time() - cpu)
    if agree is not None and "ours" in results and "peer" in results:
        try:
            out["agreement"] = agree(results["ours"], results["peer"])
        except Exception as exc:
            out["agreement"] = f"(not comparable: {type(exc).__name__})"
    return out


def _worker(name):
    """One case, in its own process: read ``n side...`` lines, answer each."""
    import warnings

    warnings.simplefilter("ignore")  # peers' deprecation chatter
    case = BY_NAME[name]
    warmed = set()
    for line in sys.stdin:
        n, *sides = line.split()
        out = _measure(case, int(n), sides, warmed)
        print("RESULT " + json.dumps(out), flush=True)
        _trim()


# --------------------------------------------------------------------------
# The parent: budget, subprocesses, slopes, CSV.
# --------------------------------------------------------------------------
def _local_slope(points, floor=1.0):
    """Slope of the last two (n, value) points in log-log, at least ``floor``."""
    if len(points) < 2:
        return floor
    (n0, v0), (n1, v1) = points[-2:]
    if v0 <= 0 or v1 <= 0:
        return floor
    return max(floor, min(3.0, math.log(v1 / v0) / math.log(n1 / n0)))


def _predict(points, n):
    if not points:
        return 0.0
    n_last, v_last = points[-1]
    return v_last * (n / n_last) ** _local_slope(points)


def loglog_slope(ns, values):
    """Least-squares slope of log(value) on log(n); NaN with under 2 points."""
    ns, values = np.asarray(ns, float), np.asarray(values, float)
    keep = values > 0
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns[keep]), np.log(values[keep]), 1)[0])


#: memory slopes use only points at least this large (RSS growth of a few MB
#: is allocator noise)
MEMORY_FLOOR = 5 * 2**20


class _Worker:
    """A subprocess measuring one case at successive sizes (imports once).

    Every size of a case runs in the same process, with the peak memory
    measured from a fresh high-water mark and the heap trimmed between
    sizes. A request that takes longer than :data:`CHILD_TIMEOUT`, or a
    process that dies (out of memory), is reported, and the next request
    starts a new process.
    """

    def __init__(self, name):
        self.name = name
        self.proc = None

    def _start(self):
        import tempfile
        import threading
        from queue import Queue

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), str(HERE), env.get("PYTHONPATH", "")]
        )
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", self.name],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        self.lines = Queue()

        def pump(stream, lines):
            for line in stream:
                lines.put(line)
            lines.put(None)  # the process ended

        threading.Thread(
            target=pump, args=(self.proc.stdout, self.lines), daemon=True
        ).start()

    def ask(self, n, sides):
        from queue import Empty

        if self.proc is None:
            self._start()
        self.proc.stdin.write(f"{n} {' '.join(sides)}\n")
        self.proc.stdin.flush()
        deadline = time.perf_counter() + CHILD_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.perf_counter(), 0))
            except Empty:
                self.close()
                return None, f"not run (timed out after {CHILD_TIMEOUT:.0f} s)"
            if line is None:
                code = self.proc.wait()
                self.stderr.seek(0)
                tail = (self.stderr.read().strip().splitlines() or ["no output"])[-1]
                self.proc = None
                return None, f"failed (exit {code}: {tail[:200]})"
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :]), None

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def _skip_reason(history, n, budget, elapsed, total_budget):
    """Why one side must not run at ``n`` (``None``: it runs), and its cost."""
    reasons = []
    t_pred = _predict(history["time"], n)
    if t_pred > budget:
        reasons.append(f"> time budget {budget:.0f} s")
    mem_pts = [(m, v) for m, v in history["mem"] if v >= MEMORY_FLOOR]
    if _predict(mem_pts, n) > MEMORY_BUDGET:
        reasons.append(f"> memory budget {MEMORY_BUDGET / 2**30:.0f} GB")
    # one call with its memory, and REPEAT - 1 more when it is fast
    cost = t_pred * (1 if t_pred >= FAST_CALL else REPEAT)
    if not reasons and elapsed + cost > total_budget:
        reasons.append(f"> total budget {total_budget / 60:g} min")
    return (f"not run ({'; '.join(reasons)})" if reasons else None), cost


def run(cases, sizes, *, budget=None, total_budget=None, log=print):
    """Measure ``cases`` at ``sizes``; return the rows (one per case, side, n).

    Sizes are the outer loop (every case at 1,000 rows, then every case at
    10,000...), so that the total budget, when it bites, takes the largest
    sizes only. A side over budget at one size is not run at larger sizes.
    """
    budget = TIME_BUDGET if budget is None else budget
    total_budget = TOTAL_BUDGET if total_budget is None else total_budget
    start = time.perf_counter()
    history = {
        (c.name, s): {"time": [], "mem": []}
        for c in cases
        for s in ["ours"] + (["peer"] if c.peer else [])
    }
    workers = {c.name: _Worker(c.name) for c in cases}
    stopped = {}
    rows = []
    overhead = 0.0  # a subprocess's time outside the measured calls (largest)
    for n in sizes:
        for case in cases:
            sides = ["ours"] + (["peer"] if case.peer else [])
            status = {}
            planned = time.perf_counter() - start + overhead
            for side in sides:
                key = (case.name, side)
                if key in stopped:
                    status[side] = stopped[key]
                    continue
                reason, cost = _skip_reason(
                    history[key], n, budget, planned, total_budget
                )
                if reason:
                    status[side] = stopped[key] = reason
                else:
                    planned += cost
            todo = [s for s in sides if s not in status]
            child_start = time.perf_counter()
            out, error = workers[case.name].ask(n, todo) if todo else ({}, None)
            if todo and not error:
                measured = sum(sum(out[s]["times"]) for s in todo)
                overhead = max(overhead, time.perf_counter() - child_start - measured)
            for side in sides:
                row = {
                    "case": case.name,
                    "call": case.call if side == "ours" else case.peer,
                    "side": side,
                    "n": n,
                    "status": "ok",
                    "time_s": "",
                    "time_median_s": "",
                    "cpu_s": "",
                    "runs": "",
                    "peak_MB": "",
                    "agreement": "",
                }
                if side in status:
                    row["status"] = status[side]
                elif error:
                    row["status"] = error
                elif "error" in out[side]:
                    row["status"] = "failed: " + out[side]["error"]
                else:
                    times = out[side]["times"]
                    best = min(times)
                    row["time_s"] = f"{best:.4g}"
                    row["time_median_s"] = f"{float(np.median(times)):.4g}"
                    row["cpu_s"] = f"{min(out[side]['cpu']):.4g}"
                    row["runs"] = len(times)
                    peak = out[side].get("peak_bytes")
                    if peak is not None:
                        row["peak_MB"] = f"{peak / 2**20:.4g}"
                        history[case.name, side]["mem"].append((n, peak))
                    history[case.name, side]["time"].append((n, best))
                    if side == "peer":
                        row["agreement"] = out.get("agreement", "")
                rows.append(row)
                log(
                    f"{case.name:10s} {side:4s} n={n:>9,}  {row['status']:>8s}  "
                    f"t={row['time_s'] or '-':>8s} s  mem={row['peak_MB'] or '-':>8s}"
                    f" MB  {row['agreement']}"
                )
    for worker in workers.values():
        worker.close()
    order = {c.name: i for i, c in enumerate(cases)}
    rows.sort(key=lambda r: (order[r["case"]], r["side"] != "ours", r["n"]))
    return rows


def slopes(rows):
    """One row per (case, side): fitted log-log slopes of time and memory."""
    out = []
    keys = []
    for row in rows:
        if (row["case"], row["side"]) not in keys:
            keys.append((row["case"], row["side"]))
    for case, side in keys:
        mine = [r for r in rows if r["case"] == case and r["side"] == side]
        ok = [r for r in mine if r["status"] == "ok"]
        ns = [r["n"] for r in ok]
        times = [float(r["time_s"]) for r in ok]
        cpu = [float(r["cpu_s"]) for r in ok]
        mem = [(r["n"], float(r["peak_MB"]) * 2**20) for r in ok if r["peak_MB"]]
        mem = [(m, v) for m, v in mem if v >= MEMORY_FLOOR]
        out.append(
            {
                "case": case,
                "side": side,
                "call": mine[0]["call"],
                "sizes_run": " ".join(f"{n:.0e}".replace("e+0", "e") for n in ns),
                "time_slope": _fmt(loglog_slope(ns, times)),
                "time_slope_last": _fmt(loglog_slope(ns[-2:], times[-2:])),
                "cpu_slope": _fmt(loglog_slope(ns, cpu)),
                "cpu_slope_last": _fmt(loglog_slope(ns[-2:], cpu[-2:])),
                "memory_slope": _fmt(loglog_slope(*zip(*mem)) if mem else math.nan),
                "not_run": "; ".join(
                    f"n={r['n']:,}: {r['status']}" for r in mine if r["status"] != "ok"
                ),
            }
        )
    return out


def _fmt(value):
    if np.isnan(value):
        return "n/a"
    return f"{value:.2f}"


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _markdown(rows):
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def main(
    quick: bool = False,
    *,
    only: str = "",
    sizes=None,
    out_dir=None,
    budget=None,
    total_budget=None,
):
    """Run the cost curves; print both tables; write the CSVs (full run only)."""
    from _harness import environment

    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    cases = [c for c in CASES if only in c.name]
    print(f"cost curves ({'quick' if quick else 'full'}): n = {sizes}")
    print(environment(), flush=True)
    start = time.perf_counter()
    rows = run(
        cases,
        sizes,
        budget=budget,
        total_budget=total_budget,
        log=lambda s: print(s, flush=True),
    )
    table = slopes(rows)
    print("\n### Cost curves: best time, peak RSS growth\n")
    print(_markdown(rows))
    print("\n### Fitted log-log slopes (least squares over the sizes run)\n")
    print(_markdown(table))
    print(f"\n(total {time.perf_counter() - start:.0f} s)", flush=True)
    if out_dir is None and not quick and not only and sizes == SIZES:
        out_dir = RESULTS
    if out_dir is not None:
        _write(Path(out_dir) / "cost_curves.csv", rows)
        _write(Path(out_dir) / "cost_curves_slopes.csv", table)
        print(f"written to {out_dir}")
    return rows, table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k rows only")
    parser.add_argument("-k", default="", help="only cases whose name has K")
    parser.add_argument("--sizes", help="comma-separated n (default: all four)")
    parser.add_argument("--out", help="directory for the CSVs")
    parser.add_argument(
        "--budget", type=float, help=f"s per call (default {TIME_BUDGET:.0f})"
    )
    parser.add_argument(
        "--total-budget",
        type=float,
        help=f"s for the whole run (default {TOTAL_BUDGET:.0f})",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker)
    else:
        main(
            quick=args.quick,
            only=args.k,
            sizes=[int(s) for s in args.sizes.split(",")] if args.sizes else None,
            out_dir=args.out,
            budget=args.budget,
            total_budget=args.total_budget,
        )

"""Compare estimators on one (seed, split) grid; the 5x2cv tests."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state, indexable

from ..evaluation import (
    adjust_pvalues,
    bayesian_correlated_ttest,
    corrected_resampled_ttest,
    ftest_5x2cv,
    ttest_5x2cv,
)
from ..utils._seeds import derive_seeds, set_random_state
from ..utils.crossfit import make_splitter, reseed_splitter
from ..utils.parallel import Parallel, check_verbose, delayed, report
from ..utils.validation import (
    check_n_jobs,
    check_named_estimators,
    check_positive_int,
)
from ._fitting import check_probability, check_target, fit_and_score, route_params

__all__ = [
    "CompareEstimatorsResult",
    "MultiMetricCompareResult",
    "PairedCVTestResult",
    "combined_ftest_5x2cv",
    "compare_estimators",
    "paired_ttest_5x2cv",
]

_TESTS = ("corrected_ttest", "bayesian")
_CORRECTIONS = ("holm", "bh", "bonferroni")


class _Default(str):
    """A default string value that can be told apart from the same string."""

    __slots__ = ()


#: ``correction``'s default: "holm" for the t-test; with the Bayesian test
#: only this default (or None) is accepted, an explicit value raises.
_DEFAULT_CORRECTION = _Default("holm")


# -- shared machinery -------------------------------------------------------------
def _score_grid(
    estimators, X, y, splits, seeds, scorers, fit, score, n_jobs, verbose=0
):
    """Scores of shape (n_estimators, n_seeds, n_splits) on a shared grid.

    Row ``j`` uses the splits ``splits[j]`` and, for every estimator, every
    nested ``random_state`` set from ``seeds[j]``: the cells are paired.
    """
    tasks = [
        (i, j, train, test)
        for j in range(len(seeds))
        for train, test in splits[j]
        for i in range(len(estimators))
    ]
    out = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(fit_and_score)(
            set_random_state(clone(estimators[i]), int(seeds[j])),
            X,
            y,
            train,
            test,
            scorers[i],
            fit[i],
            score[i],
        )
        for i, j, train, test in tasks
    )
    n_splits = len(splits[0])
    metrics = list(out[0]) if isinstance(out[0], dict) else [None]
    tables = {m: np.empty((len(estimators), len(seeds), n_splits)) for m in metrics}
    # tasks are in order: within a (estimator, seed) row, split after split
    counters = np.zeros((len(estimators), len(seeds)), dtype=int)
    for (i, j, _, _), value in zip(tasks, out):
        for m in metrics:
            tables[m][i, j, counters[i, j]] = value if m is None else value[m]
        counters[i, j] += 1
    for m, scores in tables.items():
        if not np.all(np.isfinite(scores)):
            raise ValueError(
                "some fits gave a non-finite score"
                + ("" if m is None else f" for metric {m!r}")
                + "; check the scorer and the data."
            )
    # one metric: an array; several (a multi-metric scorer): a dict of arrays
    return tables[None] if metrics == [None] else tables


def _split_sizes(splits):
    n_train = np.array([[len(tr) for tr, _ in row] for row in splits], dtype=float)
    n_test = np.array([[len(te) for _, te in row] for row in splits], dtype=float)
    return n_train, n_test


# -- compare_estimators ---------------------------------------------------------------
@dataclass(eq=False)
class CompareEstimatorsResult:
    """Outcome of :func:`compare_estimators`.

    Attributes
    ----------
    names : list of str
        Estimator names, in the given order.
    scores : dict of str to ndarray of shape (n_seeds, n_splits)
        Test score of every estimator on every (seed, split) cell; the cells
        are paired across estimators (same training and test rows, same
        seed).
    seeds : ndarray of shape (n_seeds,)
        Seed of each row.
    n_train, n_test : ndarray of shape (n_seeds, n_splits)
        Training and test set size of every cell.
    test : str
        ``"corrected_ttest"`` or ``"bayesian"``.
    correction : str or None
        Multiple-comparison adjustment of the p-values (t-test only).
    alpha : float
        Level used for the ``significant`` column.
    rope : float
        Region of practical equivalence (Bayesian test).
    pairwise : dict
        ``(name_a, name_b) ->`` the test result on ``scores[a] - scores[b]``
        (:class:`~skvariance.evaluation.TTestResult` or
        :class:`~skvariance.evaluation.BayesianTTestResult`); with
        ``folds_reseeded=False``, on the per-split means over the seeds.
    folds_reseeded : bool
        Whether every seed drew new folds. ``False`` for a splitter that
        cannot be re-seeded (``KFold()`` without shuffling, ``GroupKFold``, a
        list of splits): the seeds repeat the same folds and the tests use
        ``n_splits`` cells, the per-split means over the seeds.
    """

    names: list
    scores: dict = field(repr=False)
    seeds: np.ndarray = field(repr=False)
    n_train: np.ndarray = field(repr=False)
    n_test: np.ndarray = field(repr=False)
    test: str = "corrected_ttest"
    correction: str | None = "holm"
    alpha: float = 0.05
    rope: float = 0.0
    pairwise: dict = field(default_factory=dict, repr=False)
    folds_reseeded: bool = True

    @property
    def mean_scores(self) -> dict:
        """Mean score of each estimator over every (seed, split) cell."""
        return {name: float(np.mean(s)) for name, s in self.scores.items()}

    @property
    def seed_std(self) -> dict:
        """Standard deviation over seeds of each estimator's per-seed mean score."""
        return {
            name: float(np.std(s.mean(axis=1), ddof=1))
            for name, s in self.scores.items()
        }

    def pvalues(self, correction="default") -> dict:
        """``(a, b) -> p-value`` adjusted by ``correction``.

        ``"default"`` uses the correction given to :func:`compare_estimators`;
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``None`` override it.
        """
        if self.test != "corrected_ttest":
            raise ValueError(
                "p-values exist only for test='corrected_ttest'; the Bayesian "
                "test gives posterior probabilities."
            )
        correction = self.correction if correction == "default" else correction
        pairs = list(self.pairwise)
        raw = [self.pairwise[p].pvalue for p in pairs]
        return dict(zip(pairs, adjust_pvalues(raw, correction).tolist()))

    def summary(self, correction="default") -> dict:
        """The pairwise table as a dict of equally long arrays.

        Columns ``model_a``, ``model_b``, ``mean_a``, ``mean_b``,
        ``mean_difference``; for the t-test ``statistic``, ``df``, ``pvalue``,
        ``pvalue_adjusted`` and ``significant`` (adjusted p-value <= alpha);
        for the Bayesian test ``prob_a_better``, ``prob_equivalent``,
        ``prob_b_better``.
        """
        means = self.mean_scores
        pairs = list(self.pairwise)
        table = {
            "model_a": np.array([a for a, _ in pairs], dtype=object),
            "model_b": np.array([b for _, b in pairs], dtype=object),
            "mean_a": np.array([means[a] for a, _ in pairs]),
            "mean_b": np.array([means[b] for _, b in pairs]),
        }
        table["mean_difference"] = table["mean_a"] - table["mean_b"]
        res = [self.pairwise[p] for p in pairs]
        if self.test == "corrected_ttest":
            adjusted = self.pvalues(correction)
            table["statistic"] = np.array([r.statistic for r in res])
            table["df"] = np.array([r.df for r in res])
            table["pvalue"] = np.array([r.pvalue for r in res])
            table["pvalue_adjusted"] = np.array([adjusted[p] for p in pairs])
            table["significant"] = table["pvalue_adjusted"] <= self.alpha
        else:
            for key in ("prob_a_better", "prob_equivalent", "prob_b_better"):
                table[key] = np.array([getattr(r, key) for r in res])
        return table

    def to_frame(self, correction="default"):
        """The :meth:`summary` table as a pandas DataFrame, one row per pair."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "to_frame needs pandas; use summary() for a dict of arrays."
            ) from exc
        return pd.DataFrame(self.summary(correction))


class MultiMetricCompareResult(Mapping):
    """Outcome of :func:`compare_estimators` with several metrics.

    A mapping ``metric -> CompareEstimatorsResult``: each metric's score
    tables and pairwise tests, computed from the same fits (one fit per
    estimator and cell, scored by every metric). The multiple-comparison
    correction runs over the pairs within each metric.

    Attributes
    ----------
    metrics : list of str
        Metric names, in the order of ``scoring``.
    names : list of str
        Estimator names.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skvariance.model_selection import compare_estimators
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = compare_estimators(
    ...     {"nb": GaussianNB(), "dummy": DummyClassifier()}, X, y,
    ...     cv=3, n_seeds=2, scoring=["accuracy", "roc_auc"], random_state=0,
    ... )
    >>> res.metrics, float(res["roc_auc"].scores["dummy"].mean())
    (['accuracy', 'roc_auc'], 0.5)
    >>> res.to_frame()[["metric", "model_a", "model_b", "significant"]]
         metric model_a model_b  significant
    0  accuracy      nb   dummy         True
    1   roc_auc      nb   dummy         True
    """

    def __init__(self, results: dict):
        self._results = dict(results)
        self.metrics = list(self._results)
        self.names = list(next(iter(self._results.values())).names)

    def __getitem__(self, metric) -> CompareEstimatorsResult:
        return self._results[metric]

    def __iter__(self):
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return f"MultiMetricCompareResult(metrics={self.metrics}, names={self.names})"

    def to_frame(self, correction="default"):
        """Every metric's pairwise table, stacked, with a first column ``metric``."""
        import pandas as pd

        frames = []
        for metric, res in self._results.items():
            frame = res.to_frame(correction)
            frame.insert(0, "metric", metric)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def _metric_names(scoring):
    """Metric names of a multi-metric ``scoring``, or None for one metric."""
    if isinstance(scoring, Mapping):
        if not scoring:
            raise ValueError("scoring is an empty dict; give at least one metric.")
        return [str(k) for k in scoring]
    if isinstance(scoring, (list, tuple, set, frozenset)):
        if isinstance(scoring, (set, frozenset)):
            raise TypeError(
                "scoring must be a list or a dict for several metrics (a set has "
                "no order), got a set."
            )
        return None if not scoring else [str(k) for k in scoring]
    return None


def compare_estimators(
    estimators,
    X,
    y,
    *,
    groups=None,
    cv=5,
    n_seeds: int = 5,
    test: str = "corrected_ttest",
    correction: str | None = _DEFAULT_CORRECTION,
    scoring=None,
    alpha: float = 0.05,
    rope: float = 0.0,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
    verbose: int = 0,
) -> CompareEstimatorsResult:
    """Fit every estimator on the same (seed, split) grid and test every pair.

    For seed ``j`` (derived from ``random_state``) the data are split into
    ``cv`` folds reshuffled by that seed, and every estimator is cloned with
    every nested ``random_state`` set from the same seed
    (:func:`~skvariance.utils.set_random_state`). All
    ``n_estimators * n_seeds * n_splits`` fits run in parallel. The score
    tables, of shape ``(n_seeds, n_splits)``, are paired cell by cell, so
    each pair of estimators is compared by the corrected resampled t-test
    (with Holm, Benjamini-Hochberg or Bonferroni adjustment over the pairs)
    or by the Bayesian correlated t-test with a region of practical
    equivalence.

    Parameters
    ----------
    estimators : dict, list of estimators or list of (name, estimator)
        At least two estimators; they are cloned, never modified.
    X : array-like of shape (n_samples, n_features)
        Data, indexed by the splits as given (pandas included).
    y : array-like of shape (n_samples,)
        Target; NaN or infinity raise a ``ValueError``.
    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware splitters (routing disabled).
    cv : int, cross-validation generator or iterable, default=5
        With an int, (Stratified)KFold with ``cv`` folds, reshuffled for every
        seed. A splitter with a ``random_state`` (shuffled KFold, ShuffleSplit,
        ...) is copied and re-seeded for every seed
        (:func:`~skvariance.utils.crossfit.reseed_splitter`). Any other
        splitter or iterable (``KFold()`` without shuffling, ``GroupKFold``, a
        list of splits) gives the same folds for every seed: with
        ``n_seeds > 1`` a ``UserWarning`` says so and the tests use the
        per-split means over the seeds (see Notes).
    n_seeds : int, default=5
        Repetitions (>= 1); the tests use ``n_seeds * n_splits`` cells when
        every seed draws new folds, ``n_splits`` otherwise.
    test : {"corrected_ttest", "bayesian"}, default="corrected_ttest"
        :func:`~skvariance.evaluation.corrected_resampled_ttest` or
        :func:`~skvariance.evaluation.bayesian_correlated_ttest`.
    correction : {"holm", "bh", "bonferroni"} or None, default="holm"
        Adjustment of the t-test p-values over the pairs
        (:func:`~skvariance.evaluation.adjust_pvalues`); the result can show
        any other with ``to_frame(correction=...)``. The Bayesian test has no
        p-values: with ``test="bayesian"`` an explicit correction raises a
        ``ValueError`` (leave the default, or pass None).
    scoring : str, callable, list, dict or None, default=None
        One scikit-learn metric (higher is better); ``None`` uses each
        estimator's ``score``. Several metrics as in
        :func:`~sklearn.model_selection.cross_validate`: a list of metric
        names or a dict ``name -> scorer``; every fit is then scored by each
        metric and the result is a :class:`MultiMetricCompareResult`
        (``metric -> CompareEstimatorsResult``).
    alpha : float, default=0.05
        Level for the ``significant`` column of the table.
    rope : float, default=0.0
        Region of practical equivalence of the Bayesian test, >= 0. A
        non-zero ``rope`` with ``test="corrected_ttest"`` raises a
        ``ValueError``: the t-test has none.
    n_jobs : int, default=None
        Parallel fits through :class:`sklearn.utils.parallel.Parallel`;
        results do not depend on it or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the seeds (of the models and of the fold shuffles).
    params : dict, default=None
        Fit parameters indexed like ``X``. Without metadata routing
        ``sample_weight`` is given to each estimator, or to a Pipeline's
        final step, that accepts it (a ``TypeError`` otherwise); with routing
        enabled every parameter is routed by the estimators', scorers' and
        splitter's requests (with ``scoring=None`` nothing is routed to
        ``score``).
    verbose : int, default=0
        Progress: ``0`` prints nothing; ``1`` and more print the number of
        fits, then joblib's progress messages (more of them as ``verbose``
        grows, as in scikit-learn). Results do not depend on it.

    Returns
    -------
    result : CompareEstimatorsResult or MultiMetricCompareResult
        Score tables, per-pair test results, ``to_frame()``; with several
        metrics, one such result per metric.

    See Also
    --------
    skvariance.evaluation.corrected_resampled_ttest : the test on two tables.
    adaptive_compare : a sequential comparison that stops early.
    seed_cross_validate : the seed and split variance of one estimator.

    Notes
    -----
    The Nadeau-Bengio correction assumes that every repetition draws new
    folds. With a splitter that cannot be re-seeded the rows repeat the same
    folds and only the model seed changes; counting the ``n_seeds x
    n_splits`` cells as repetitions made the corrected t-test reject 9% to
    12% of true null hypotheses at ``alpha=0.05`` in simulations
    (benchmarks/bench_comparison_trust.py). Such cells are not new
    resamples: the tests then use ``J = n_splits`` cells, the per-split
    means over the seeds (which also averages out the seed noise), with a
    warning. The rejection rate is then that of the corrected test on one
    k-fold run. Pass an int or a shuffling splitter to get new folds per
    seed.

    References
    ----------
    .. [1] Nadeau, C. and Bengio, Y. "Inference for the Generalization
       Error", Machine Learning 52, 2003.
    .. [2] Benavoli, A., Corani, G., Demšar, J. and Zaffalon, M. "Time for a
       Change: a Tutorial for Comparing Multiple Classifiers Through Bayesian
       Analysis", JMLR 18, 2017.
    .. [3] Raschka, S. "Model Evaluation, Model Selection, and Algorithm
       Selection in Machine Learning", arXiv:1811.12808, 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import compare_estimators
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = compare_estimators(
    ...     {"nb": GaussianNB(), "tree": DecisionTreeClassifier(max_depth=3),
    ...      "dummy": DummyClassifier()},
    ...     X, y, cv=5, n_seeds=3, random_state=0,
    ... )
    >>> res.scores["tree"].shape
    (3, 5)
    >>> table = res.summary()
    >>> [(a, b) for a, b, s in zip(table["model_a"], table["model_b"],
    ...                            table["significant"]) if s]
    [('nb', 'dummy'), ('tree', 'dummy')]
    """
    names, ests = check_named_estimators(estimators)
    n_seeds = check_positive_int(n_seeds, name="n_seeds")
    if test not in _TESTS:
        raise ValueError(f"test must be one of {_TESTS}, got {test!r}.")
    if correction is not None and correction not in _CORRECTIONS:
        raise ValueError(
            f"correction must be one of {_CORRECTIONS} or None, got {correction!r}."
        )
    alpha = check_probability(alpha, "alpha")
    if isinstance(rope, bool) or not isinstance(rope, Real):
        raise TypeError(f"rope must be a non-negative float, got {rope!r}.")
    if not np.isfinite(rope) or rope < 0:
        raise ValueError(f"rope must be >= 0, got {rope!r}.")
    if test == "corrected_ttest" and rope != 0:
        raise ValueError(
            f"rope={rope!r} is used by test='bayesian' only; the corrected t-test "
            "has no region of practical equivalence. Leave rope=0 or use "
            "test='bayesian'."
        )
    if test == "bayesian":
        if correction is not None and correction is not _DEFAULT_CORRECTION:
            raise ValueError(
                f"correction={correction!r} adjusts p-values of "
                "test='corrected_ttest' only; the Bayesian test gives posterior "
                "probabilities. Leave correction at its default or None."
            )
        correction = None
    else:
        correction = None if correction is None else str(correction)
    n_jobs = check_n_jobs(n_jobs)
    verbose = check_verbose(verbose)
    X, y, groups = indexable(X, y, groups)
    check_target(y)
    classifier = all(is_classifier(e) for e in ests)
    template, reseeded = reseed_splitter(cv, y, classifier=classifier, seed=0)
    metrics = _metric_names(scoring)
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    fit, score, split = route_params(
        "compare_estimators",
        names,
        ests,
        scorers if scoring is not None else [None] * len(ests),
        template,
        params,
        groups,
        X,
    )

    seeds = derive_seeds(check_random_state(random_state), n_seeds)
    source = cv if isinstance(cv, Integral) else template
    splits = [
        list(
            reseed_splitter(source, y, classifier=classifier, seed=int(s))[0].split(
                X, y, **split
            )
        )
        for s in seeds
    ]
    n_splits = len(splits[0])
    if n_splits * (n_seeds if reseeded else 1) < 2:
        raise ValueError(
            "compare_estimators needs at least 2 distinct (seed, split) cells "
            f"for a test; cv gives {n_splits} split(s)"
            + ("" if reseeded else " and the same folds for every seed")
            + ". Use more splits"
            + (" or n_seeds >= 2." if reseeded else " or a shuffling splitter.")
        )
    if not reseeded and n_seeds > 1:
        warnings.warn(
            f"cv={cv!r} cannot be re-seeded: every seed repeats the same "
            f"{n_splits} folds, so the {n_seeds} x {n_splits} cells are not "
            f"independent repetitions. The tests use the {n_splits} per-split "
            "scores averaged over the seeds (J = n_splits). Pass an int or a "
            "shuffling splitter (KFold(shuffle=True), ShuffleSplit, "
            "GroupShuffleSplit) for new folds per seed.",
            UserWarning,
            stacklevel=2,
        )
    report(
        verbose,
        "compare_estimators",
        f"{len(ests) * n_seeds * n_splits} fits ({len(ests)} estimators x "
        f"{n_seeds} seeds x {n_splits} splits)",
    )
    tables = _score_grid(
        ests, X, y, splits, seeds, scorers, fit, score, n_jobs, verbose
    )
    n_train, n_test = _split_sizes(splits)

    def result(table):
        pairwise = {
            (names[a], names[b]): res
            for (a, b), res in _pairwise_tests(
                table, n_train, n_test, test=test, rope=rope, reseeded=reseeded
            ).items()
        }
        return CompareEstimatorsResult(
            names=names,
            scores=dict(zip(names, table)),
            seeds=seeds,
            n_train=n_train,
            n_test=n_test,
            test=test,
            correction=correction,
            alpha=alpha,
            rope=float(rope),
            pairwise=pairwise,
            folds_reseeded=reseeded,
        )

    if metrics is None:
        return result(tables)
    return MultiMetricCompareResult({m: result(tables[m]) for m in metrics})


def _pairwise_tests(table, n_train, n_test, *, test, rope, reseeded):
    """The test of every pair of rows of ``table`` (n_estimators, n_seeds, n_splits).

    With folds that do not change with the seed (``reseeded=False``) the
    cells of one split are repetitions of the same train/test split, not new
    resamples: the test gets the per-split means over the seeds, ``J =
    n_splits`` cells, each with that split's sizes.
    """
    table = np.asarray(table, dtype=float)
    if not reseeded:
        table = table.mean(axis=1, keepdims=True)
        n_train, n_test = n_train[:1], n_test[:1]
    out = {}
    for a, b in combinations(range(table.shape[0]), 2):
        if test == "corrected_ttest":
            out[(a, b)] = corrected_resampled_ttest(
                table[a], table[b], n_train=n_train, n_test=n_test
            )
        else:
            out[(a, b)] = bayesian_correlated_ttest(
                table[a], table[b], n_train=n_train, n_test=n_test, rope=rope
            )
    return out


# -- 5x2cv --------------------------------------------------------------------
@dataclass(eq=False)
class PairedCVTestResult:
    """Outcome of :func:`paired_ttest_5x2cv` and :func:`combined_ftest_5x2cv`.

    Attributes
    ----------
    statistic : float
        The t (positive when A scores higher) or F statistic.
    pvalue : float
        Its p-value (two-sided for t).
    df : int or tuple of int
        Degrees of freedom: ``5`` for t, ``(10, 5)`` for F.
    scores_a, scores_b : ndarray of shape (5, 2)
        Score of each model on fold ``j`` of repetition ``i``.
    seeds : ndarray of shape (5,)
        Seed of each repetition (fold shuffle and model ``random_state``).
    """

    statistic: float
    pvalue: float
    df: object
    scores_a: np.ndarray = field(repr=False)
    scores_b: np.ndarray = field(repr=False)
    seeds: np.ndarray = field(repr=False)

    def confidence_interval(self, confidence_level: float = 0.95) -> tuple:
        """Interval of the mean difference ``a - b`` (the 5x2cv t-test only).

        :meth:`~skvariance.evaluation.TTestResult.confidence_interval` of
        :func:`~skvariance.evaluation.ttest_5x2cv` on the score tables:
        :math:`p_1^{(1)} \\mp t_{5} \\sqrt{\\sum_i s_i^2 / 5}`, the
        interval the test inverts. The F-test has none: a ``ValueError``.
        """
        if isinstance(self.df, tuple):
            raise ValueError(
                "the combined 5x2cv F-test has no confidence interval of the "
                "mean difference; use paired_ttest_5x2cv."
            )
        return ttest_5x2cv(self.scores_a, self.scores_b).confidence_interval(
            confidence_level
        )

    def to_frame(self, confidence_level: float = 0.95):
        """One-row DataFrame: statistic, p-value, df (and the t-test's interval)."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "statistic": [self.statistic],
                "pvalue": [self.pvalue],
                "df": [self.df],
            }
        )
        if not isinstance(self.df, tuple):
            low, high = self.confidence_interval(confidence_level)
            frame["ci_low"], frame["ci_high"] = low, high
        return frame


def _five_by_two(estimator_a, estimator_b, X, y, scoring, n_jobs, random_state, params):
    names, ests = check_named_estimators(
        [("estimator_a", estimator_a), ("estimator_b", estimator_b)]
    )
    n_jobs = check_n_jobs(n_jobs)
    X, y = indexable(X, y)
    check_target(y)
    classifier = all(is_classifier(e) for e in ests)
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    fit, score, _ = route_params(
        "5x2cv",
        names,
        ests,
        scorers if scoring is not None else [None, None],
        None,
        params,
        None,
    )
    seeds = derive_seeds(check_random_state(random_state), 5)
    splits = [
        list(
            make_splitter(2, y, classifier=classifier, random_state=int(s)).split(X, y)
        )
        for s in seeds
    ]
    table = _score_grid(ests, X, y, splits, seeds, scorers, fit, score, n_jobs)
    return table[0], table[1], seeds


def paired_ttest_5x2cv(
    estimator_a,
    estimator_b,
    X,
    y,
    *,
    scoring=None,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
) -> PairedCVTestResult:
    """Dietterich's 5x2cv paired t-test: fit both models and test.

    Five repetitions of 2-fold CV, the folds of repetition ``i`` shuffled
    (stratified for classifiers) by seed ``i`` and both models seeded from
    it; the statistic is :func:`~skvariance.evaluation.ttest_5x2cv` of the
    ``(5, 2)`` score tables.

    Parameters
    ----------
    estimator_a, estimator_b : estimator objects
        The two models; cloned, never modified.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Target.
    scoring : str, callable or None, default=None
        One metric, higher is better; ``None`` uses each estimator's ``score``.
    n_jobs : int, default=None
        The 20 fits run in parallel; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the five seeds.
    params : dict, default=None
        Fit parameters such as ``sample_weight``, handled as in
        :func:`compare_estimators`.

    Returns
    -------
    result : PairedCVTestResult
        ``statistic``, ``pvalue``, ``df`` (5) and the score tables.

    See Also
    --------
    combined_ftest_5x2cv : the more robust F form.
    compare_estimators : several models, more repetitions.

    References
    ----------
    .. [1] Dietterich, T. G. "Approximate Statistical Tests for Comparing
       Supervised Classification Learning Algorithms", Neural Computation 10,
       1998.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import paired_ttest_5x2cv
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = paired_ttest_5x2cv(
    ...     DecisionTreeClassifier(max_depth=3), DummyClassifier(), X, y,
    ...     random_state=0,
    ... )
    >>> bool(res.statistic > 0), bool(res.pvalue < 0.05), res.df
    (True, True, 5)
    """
    a, b, seeds = _five_by_two(
        estimator_a, estimator_b, X, y, scoring, n_jobs, random_state, params
    )
    res = ttest_5x2cv(a, b)
    return PairedCVTestResult(
        statistic=res.statistic,
        pvalue=res.pvalue,
        df=res.df,
        scores_a=a,
        scores_b=b,
        seeds=seeds,
    )


def combined_ftest_5x2cv(
    estimator_a,
    estimator_b,
    X,
    y,
    *,
    scoring=None,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
) -> PairedCVTestResult:
    """Alpaydin's combined 5x2cv F-test: fit both models and test.

    The folds and seeds are those of :func:`paired_ttest_5x2cv` (the same
    ``random_state`` gives the same score tables); the statistic is
    :func:`~skvariance.evaluation.ftest_5x2cv`, on ``F(10, 5)``.

    Parameters
    ----------
    estimator_a, estimator_b : estimator objects
        The two models; cloned, never modified.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Target.
    scoring : str, callable or None, default=None
        One metric, higher is better; ``None`` uses each estimator's ``score``.
    n_jobs : int, default=None
        The 20 fits run in parallel; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the five seeds.
    params : dict, default=None
        Fit parameters such as ``sample_weight``, handled as in
        :func:`compare_estimators`.

    Returns
    -------
    result : PairedCVTestResult
        ``statistic``, ``pvalue``, ``df`` ``(10, 5)`` and the score tables.

    See Also
    --------
    paired_ttest_5x2cv : Dietterich's t form.

    References
    ----------
    .. [1] Alpaydin, E. "Combined 5 x 2 cv F Test for Comparing Supervised
       Classification Learning Algorithms", Neural Computation 11, 1999.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import combined_ftest_5x2cv
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = combined_ftest_5x2cv(
    ...     DecisionTreeClassifier(max_depth=3), DummyClassifier(), X, y,
    ...     random_state=0,
    ... )
    >>> bool(res.pvalue < 0.05), res.df
    (True, (10, 5))
    """
    a, b, seeds = _five_by_two(
        estimator_a, estimator_b, X, y, scoring, n_jobs, random_state, params
    )
    res = ftest_5x2cv(a, b)
    return PairedCVTestResult(
        statistic=res.statistic,
        pvalue=res.pvalue,
        df=(res.dfn, res.dfd),
        scores_a=a,
        scores_b=b,
        seeds=seeds,
    )

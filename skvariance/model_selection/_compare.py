"""Compare estimators on one (seed, split) grid; 5x2cv tests; cheap bootstrap."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import check_array, check_random_state, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed

from ..evaluation import (
    adjust_pvalues,
    bayesian_correlated_ttest,
    corrected_resampled_ttest,
    ftest_5x2cv,
    ttest_5x2cv,
)
from ..utils._seeds import derive_seeds, set_random_state
from ..utils._sklearn_compat import _check_method_params, _safe_indexing
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.validation import (
    check_n_jobs,
    check_named_estimators,
    check_positive_int,
)

__all__ = [
    "CheapBootstrapResult",
    "CompareEstimatorsResult",
    "PairedCVTestResult",
    "SeedChurnResult",
    "cheap_bootstrap_ci",
    "combined_ftest_5x2cv",
    "compare_estimators",
    "paired_ttest_5x2cv",
    "seed_churn",
]

_TESTS = ("corrected_ttest", "bayesian")
_CORRECTIONS = ("holm", "bh", "bonferroni")


# -- shared machinery -------------------------------------------------------------
def _check_y(y):
    check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True, input_name="y")


def _route(owner, names, estimators, scorers, splitter, params, groups):
    """Fit, score and split parameters for every estimator (the package rule).

    Routing enabled: scikit-learn's ``process_routing`` over a router holding
    the splitter, every estimator (``fit``) and every scorer (``score``).
    Routing disabled: ``sample_weight`` goes to each estimator through
    :func:`~skvariance.utils.sample_weight_params` (a Pipeline's final step),
    other parameters to ``fit`` as given, ``groups`` to the splitter.
    A ``None`` scorer (the estimator's own ``score``) receives no metadata:
    scikit-learn's pass-through scorer would forward a Pipeline's score
    parameters that no step requested, which ``Pipeline.score`` rejects.
    """
    params = dict(params or {})
    if routing_enabled():
        if groups is not None:
            raise ValueError(
                "groups can only be passed when metadata routing is disabled; with "
                "routing enabled pass groups in params and let the splitter "
                "request it."
            )
        router = MetadataRouter(owner=owner)
        if splitter is not None:
            router.add(
                splitter=splitter,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        for i, (est, scorer) in enumerate(zip(estimators, scorers)):
            router.add(
                **{f"estimator{i}": est},
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
            if scorer is not None:
                router.add(
                    **{f"scorer{i}": scorer},
                    method_mapping=MethodMapping().add(caller="fit", callee="score"),
                )
        routed = process_routing(router, "fit", **params)
        fit = [dict(routed[f"estimator{i}"].fit) for i in range(len(estimators))]
        score = [
            {} if scorer is None else dict(routed[f"scorer{i}"].score)
            for i, scorer in enumerate(scorers)
        ]
        split = dict(routed.splitter.split) if splitter is not None else {}
        return fit, score, split
    weights = params.pop("sample_weight", None)
    fit = []
    for name, est in zip(names, estimators):
        fit_params = dict(params)
        fit_params.update(
            sample_weight_params(est, weights, name=f"estimator {name!r}")
        )
        fit.append(fit_params)
    return fit, [{} for _ in estimators], {"groups": groups}


def _reseeded_splitter(cv, y, classifier, seed):
    """The splitter of one seed: shuffled folds drawn from that seed."""
    if isinstance(cv, Integral):
        stratify = classifier and type_of_target(y) in ("binary", "multiclass")
        kind = StratifiedKFold if stratify else KFold
        return kind(n_splits=cv, shuffle=True, random_state=seed)
    # a random splitter (shuffled folds, ShuffleSplit, repeated k-fold...) is
    # re-seeded, seeded or not; a deterministic one is used as given
    if hasattr(cv, "random_state") and getattr(cv, "shuffle", True):
        splitter = copy.deepcopy(cv)
        splitter.random_state = seed
        return splitter
    return cv


def _fit_and_score(estimator, X, y, train, test, scorer, fit_params, score_params):
    estimator.fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_check_method_params(X, fit_params, train),
    )
    return float(
        scorer(
            estimator,
            _safe_indexing(X, test),
            _safe_indexing(y, test),
            **_check_method_params(X, score_params, test),
        )
    )


def _score_grid(estimators, X, y, splits, seeds, scorers, fit, score, n_jobs):
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
    out = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_score)(
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
    scores = np.empty((len(estimators), len(seeds), n_splits))
    # tasks are in order: within a (estimator, seed) row, split after split
    counters = np.zeros((len(estimators), len(seeds)), dtype=int)
    for (i, j, _, _), value in zip(tasks, out):
        scores[i, j, counters[i, j]] = value
        counters[i, j] += 1
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            "some fits gave a non-finite score; check the scorer and the data."
        )
    return scores


def _split_sizes(splits):
    n_train = np.array([[len(tr) for tr, _ in row] for row in splits], dtype=float)
    n_test = np.array([[len(te) for _, te in row] for row in splits], dtype=float)
    return n_train, n_test


def _check_prob(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a float in (0, 1), got {value!r}.")
    return float(value)


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
        :class:`~skvariance.evaluation.BayesianTTestResult`).
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


def compare_estimators(
    estimators,
    X,
    y,
    *,
    groups=None,
    cv=5,
    n_seeds: int = 5,
    test: str = "corrected_ttest",
    correction: str | None = "holm",
    scoring=None,
    alpha: float = 0.05,
    rope: float = 0.0,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
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
        ...) is copied and re-seeded for every seed; any other splitter or
        iterable gives the same folds for every seed (see Notes).
    n_seeds : int, default=5
        Repetitions (>= 1); the tests use ``n_seeds * n_splits`` cells.
    test : {"corrected_ttest", "bayesian"}, default="corrected_ttest"
        :func:`~skvariance.evaluation.corrected_resampled_ttest` or
        :func:`~skvariance.evaluation.bayesian_correlated_ttest`.
    correction : {"holm", "bh", "bonferroni"} or None, default="holm"
        Adjustment of the t-test p-values over the pairs
        (:func:`~skvariance.evaluation.adjust_pvalues`); the result can show
        any other with ``to_frame(correction=...)``.
    scoring : str, callable or None, default=None
        One scikit-learn metric (higher is better); ``None`` uses each
        estimator's ``score``.
    alpha : float, default=0.05
        Level for the ``significant`` column of the table.
    rope : float, default=0.0
        Region of practical equivalence of the Bayesian test, >= 0.
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

    Returns
    -------
    result : CompareEstimatorsResult
        Score tables, per-pair test results, ``to_frame()``.

    See Also
    --------
    skvariance.evaluation.corrected_resampled_ttest : the test on two tables.
    adaptive_compare : a sequential comparison that stops early.
    seed_cross_validate : the seed and split variance of one estimator.

    Notes
    -----
    The Nadeau-Bengio correction assumes that every repetition draws new
    folds; with a fixed splitter the rows repeat the same folds and only the
    model seed changes, the differences are more correlated than the
    correction allows, and the test is anti-conservative. Pass an int or a
    shuffling splitter.

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
    alpha = _check_prob(alpha, "alpha")
    if isinstance(rope, bool) or not isinstance(rope, Real):
        raise TypeError(f"rope must be a non-negative float, got {rope!r}.")
    if not np.isfinite(rope) or rope < 0:
        raise ValueError(f"rope must be >= 0, got {rope!r}.")
    n_jobs = check_n_jobs(n_jobs)
    X, y, groups = indexable(X, y, groups)
    _check_y(y)
    classifier = all(is_classifier(e) for e in ests)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must give at least 2 folds, got cv={cv}.")
        template = _reseeded_splitter(cv, y, classifier, 0)
    else:
        template = check_cv(cv, y, classifier=classifier)
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    fit, score, split = _route(
        "compare_estimators",
        names,
        ests,
        scorers if scoring is not None else [None] * len(ests),
        template,
        params,
        groups,
    )

    seeds = derive_seeds(check_random_state(random_state), n_seeds)
    splits = [
        list(
            _reseeded_splitter(
                cv if isinstance(cv, Integral) else template, y, classifier, int(s)
            ).split(X, y, **split)
        )
        for s in seeds
    ]
    if len(splits[0]) < 2 and n_seeds < 2:
        raise ValueError(
            "compare_estimators needs at least 2 (seed, split) cells for a test; "
            "use more splits or n_seeds >= 2."
        )
    table = _score_grid(ests, X, y, splits, seeds, scorers, fit, score, n_jobs)
    n_train, n_test = _split_sizes(splits)
    scores = dict(zip(names, table))
    pairwise = {}
    for a, b in combinations(range(len(names)), 2):
        if test == "corrected_ttest":
            res = corrected_resampled_ttest(
                table[a], table[b], n_train=n_train, n_test=n_test
            )
        else:
            res = bayesian_correlated_ttest(
                table[a], table[b], n_train=n_train, n_test=n_test, rope=rope
            )
        pairwise[(names[a], names[b])] = res
    return CompareEstimatorsResult(
        names=names,
        scores=scores,
        seeds=seeds,
        n_train=n_train,
        n_test=n_test,
        test=test,
        correction=correction,
        alpha=alpha,
        rope=float(rope),
        pairwise=pairwise,
    )


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


def _five_by_two(estimator_a, estimator_b, X, y, scoring, n_jobs, random_state, params):
    names, ests = check_named_estimators(
        [("estimator_a", estimator_a), ("estimator_b", estimator_b)]
    )
    n_jobs = check_n_jobs(n_jobs)
    X, y = indexable(X, y)
    _check_y(y)
    classifier = all(is_classifier(e) for e in ests)
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    fit, score, _ = _route(
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
        list(_reseeded_splitter(2, y, classifier, int(s)).split(X, y)) for s in seeds
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


# -- cheap bootstrap ----------------------------------------------------------
@dataclass(eq=False)
class CheapBootstrapResult:
    """Outcome of :func:`cheap_bootstrap_ci`.

    Attributes
    ----------
    estimate : float
        Test score of the model fitted on the whole training set.
    low, high : float
        The interval :math:`\\hat\\psi \\mp t_{B, 1-\\alpha/2} S`.
    std_error : float
        :math:`S = \\sqrt{\\sum_b (\\psi^*_b - \\hat\\psi)^2 / B}`.
    replicates : ndarray of shape (n_resamples,)
        Score of each refit on a resample.
    seeds : ndarray of shape (n_resamples + 1,)
        Seed of the full fit (first) and of each refit.
    confidence_level : float
        Level of the interval.
    """

    estimate: float
    low: float
    high: float
    std_error: float
    replicates: np.ndarray = field(repr=False)
    seeds: np.ndarray = field(repr=False)
    confidence_level: float = 0.95

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``."""
        return (self.low, self.high)


def _cheap_fit_score(estimator, X, y, X_test, y_test, train, test, scorer, fit_params):
    estimator.fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_check_method_params(X, fit_params, train),
    )
    return float(
        scorer(estimator, _safe_indexing(X_test, test), _safe_indexing(y_test, test))
    )


def cheap_bootstrap_ci(
    estimator,
    X,
    y,
    *,
    X_test=None,
    y_test=None,
    test_size: float = 0.25,
    n_resamples: int = 5,
    scoring=None,
    confidence_level: float = 0.95,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
) -> CheapBootstrapResult:
    """Lam's cheap bootstrap interval for a model's test score.

    The model is fitted on the training set and scored on the test set:
    :math:`\\hat\\psi`. Then, ``n_resamples`` = :math:`B` times, the
    training rows and the test rows are each resampled with replacement, a
    clone with a fresh seed is fitted on the training resample and scored on
    the test resample: :math:`\\psi^*_b`. The interval

    .. math:: \\hat\\psi \\pm t_{B, 1-\\alpha/2}
        \\sqrt{\\textstyle\\sum_b (\\psi^*_b - \\hat\\psi)^2 / B}

    uses a Student t quantile with :math:`B` degrees of freedom, so it is
    valid with as few as one to five refits. It covers the variance from
    the test set, from the training set and from the seed, unlike an
    interval from one fitted model's test predictions.

    Parameters
    ----------
    estimator : estimator object
        The model; cloned for every fit.
    X : array-like of shape (n_samples, n_features)
        Training data, or all data when ``X_test`` is None.
    y : array-like of shape (n_samples,)
        Target of ``X``.
    X_test, y_test : array-like, default=None
        A held-out test set. When None, ``X, y`` are split once with
        ``test_size`` (stratified for classifiers).
    test_size : float, default=0.25
        Fraction held out when ``X_test`` is None, in (0, 1).
    n_resamples : int, default=5
        Number of refits :math:`B` (>= 1).
    scoring : str, callable or None, default=None
        One metric; ``None`` uses the estimator's ``score``.
    confidence_level : float, default=0.95
        Level of the interval, in (0, 1).
    n_jobs : int, default=None
        Parallel refits; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the split, the resamples and the seeds.
    params : dict, default=None
        Fit parameters indexed like ``X`` (``sample_weight`` handled as in
        :func:`compare_estimators`); they reach ``fit`` only, never the
        scorer.

    Returns
    -------
    result : CheapBootstrapResult
        ``estimate``, ``low``, ``high``, ``std_error``, ``replicates``.

    See Also
    --------
    skvariance.evaluation.bootstrap_ci : intervals of scores already computed.

    References
    ----------
    .. [1] Lam, H. "Cheap Bootstrap for Input Uncertainty Quantification",
       Winter Simulation Conference, 2022; Lam, H. and Liu, Z. "Bootstrap in
       High Dimension with Low Computation", ICML 2023.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skvariance.model_selection import cheap_bootstrap_ci
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> res = cheap_bootstrap_ci(
    ...     RandomForestClassifier(n_estimators=20), X, y, n_resamples=4,
    ...     random_state=0,
    ... )
    >>> bool(res.low < res.estimate < res.high), res.replicates.shape
    (True, (4,))
    """
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator {type(estimator).__name__} has no fit method.")
    n_resamples = check_positive_int(n_resamples, name="n_resamples")
    confidence_level = _check_prob(confidence_level, "confidence_level")
    n_jobs = check_n_jobs(n_jobs)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together.")
    X, y = indexable(X, y)
    _check_y(y)
    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, n_resamples + 1)
    scorer = check_scoring(estimator, scoring=scoring)
    fit, _, _ = _route(
        "cheap_bootstrap_ci", ["estimator"], [estimator], [None], None, params, None
    )
    n = len(y)
    if X_test is None:
        test_size = _check_prob(test_size, "test_size")
        n_test = int(round(test_size * n))
        if n_test < 1 or n_test >= n:
            raise ValueError(
                f"test_size={test_size} leaves {n_test} test rows out of {n}; "
                "choose a test_size that keeps both sets non-empty."
            )
        split_seed = int(derive_seeds(rng, 1, exclude=seeds)[0])
        stratify = is_classifier(estimator) and type_of_target(y) in (
            "binary",
            "multiclass",
        )
        kind = StratifiedShuffleSplit if stratify else ShuffleSplit
        splitter = kind(n_splits=1, test_size=n_test, random_state=split_seed)
        train_idx, test_idx = next(splitter.split(np.zeros((n, 1)), y))
        X_te, y_te = X, y
    else:
        X_test, y_test = indexable(X_test, y_test)
        _check_y(y_test)
        if len(y_test) != len(X_test):
            raise ValueError(
                f"X_test and y_test differ in length: {len(X_test)} and {len(y_test)}."
            )
        train_idx, test_idx = np.arange(n), np.arange(len(y_test))
        X_te, y_te = X_test, y_test
    draws = [
        (
            np.sort(rng.choice(train_idx, size=train_idx.size, replace=True)),
            np.sort(rng.choice(test_idx, size=test_idx.size, replace=True)),
        )
        for _ in range(n_resamples)
    ]
    jobs = [(train_idx, test_idx), *draws]
    out = Parallel(n_jobs=n_jobs)(
        delayed(_cheap_fit_score)(
            set_random_state(clone(estimator), int(seed)),
            X,
            y,
            X_te,
            y_te,
            tr,
            te,
            scorer,
            fit[0],
        )
        for seed, (tr, te) in zip(seeds, jobs)
    )
    estimate, replicates = out[0], np.asarray(out[1:])
    if not np.all(np.isfinite(out)):
        raise ValueError("a fit gave a non-finite score; check the scorer and data.")
    std_error = float(np.sqrt(np.mean((replicates - estimate) ** 2)))
    half = stats.t.ppf(0.5 + confidence_level / 2, n_resamples) * std_error
    return CheapBootstrapResult(
        estimate=float(estimate),
        low=float(estimate - half),
        high=float(estimate + half),
        std_error=std_error,
        replicates=replicates,
        seeds=seeds,
        confidence_level=confidence_level,
    )


# -- prediction churn across seeds ----------------------------------------------
@dataclass(eq=False)
class SeedChurnResult:
    """Outcome of :func:`seed_churn`.

    Attributes
    ----------
    predictions : ndarray of shape (n_seeds, n_samples)
        Out-of-fold prediction of every sample under every seed (the folds
        are the same for every seed).
    flip_probability : ndarray of shape (n_samples,)
        Per sample, the probability that two different seeds predict
        differently (:func:`~skvariance.metrics.seed_flip_probability`).
    disagreement : float
        Its mean: the expected churn between two seeds.
    negative_flip_rate : float
        Mean over ordered pairs of distinct seeds of
        :func:`~skvariance.metrics.negative_flip_rate`: the share of samples
        a model gets right that a retrained model with another seed gets
        wrong.
    accuracy : ndarray of shape (n_seeds,)
        Out-of-fold accuracy of each seed.
    seeds : ndarray of shape (n_seeds,)
        Seed of each row.
    """

    predictions: np.ndarray = field(repr=False)
    flip_probability: np.ndarray = field(repr=False)
    disagreement: float
    negative_flip_rate: float
    accuracy: np.ndarray
    seeds: np.ndarray = field(repr=False)


def _fit_predict(estimator, X, y, train, test, fit_params):
    estimator.fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_check_method_params(X, fit_params, train),
    )
    return np.asarray(estimator.predict(_safe_indexing(X, test)))


def seed_churn(
    estimator,
    X,
    y,
    *,
    cv=5,
    n_seeds: int = 5,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
) -> SeedChurnResult:
    """How many predictions change when a classifier is retrained with another seed.

    Out-of-fold predictions of every sample are computed under ``n_seeds``
    seeds on the *same* folds, so only the model's randomness changes
    between rows. From them: each sample's flip probability, the expected
    disagreement (churn) between two seeds and the expected negative flip
    rate (right before, wrong after retraining).

    Parameters
    ----------
    estimator : classifier
        Cloned for every fit, every nested ``random_state`` set from the
        seed.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Class labels.
    cv : int, cross-validation generator or iterable, default=5
        With an int, shuffled stratified folds drawn once from
        ``random_state`` and shared by every seed.
    n_seeds : int, default=5
        Seeds (>= 2).
    n_jobs : int, default=None
        Parallel fits; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the seeds and of the folds.
    params : dict, default=None
        Fit parameters such as ``sample_weight``, handled as in
        :func:`compare_estimators`.

    Returns
    -------
    result : SeedChurnResult
        ``flip_probability``, ``disagreement``, ``negative_flip_rate``,
        ``accuracy`` and the ``predictions``.

    See Also
    --------
    skvariance.metrics.seed_flip_probability : the same on member predictions
        of a fitted :class:`~skvariance.ensemble.SeedEnsembleClassifier`.

    References
    ----------
    .. [1] Schumann, R. et al. "Backward Compatibility During Data Updates by
       Weight Interpolation", EACL 2024.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skvariance.model_selection import seed_churn
    >>> X, y = make_classification(n_samples=200, flip_y=0.1, random_state=0)
    >>> res = seed_churn(RandomForestClassifier(n_estimators=10), X, y,
    ...                  cv=3, n_seeds=4, random_state=0)
    >>> res.predictions.shape, bool(0 < res.disagreement < 0.5)
    ((4, 200), True)
    """
    from ..metrics import negative_flip_rate, seed_flip_probability

    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator {type(estimator).__name__} has no fit method.")
    n_seeds = check_positive_int(n_seeds, name="n_seeds", minimum=2)
    n_jobs = check_n_jobs(n_jobs)
    X, y = indexable(X, y)
    _check_y(y)
    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, n_seeds)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must give at least 2 folds, got cv={cv}.")
        split_seed = int(derive_seeds(rng, 1, exclude=seeds)[0])
        splitter = _reseeded_splitter(cv, y, is_classifier(estimator), split_seed)
    else:
        splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    fit, _, split = _route(
        "seed_churn", ["estimator"], [estimator], [None], splitter, params, None
    )
    folds = list(splitter.split(X, y, **split))
    out = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(
            set_random_state(clone(estimator), int(seed)), X, y, train, test, fit[0]
        )
        for seed in seeds
        for train, test in folds
    )
    y_arr = np.asarray(y)
    predictions = np.empty((n_seeds, len(y_arr)), dtype=np.asarray(out[0]).dtype)
    covered = np.zeros(len(y_arr), dtype=int)
    for t, pred in enumerate(out):
        j, k = divmod(t, len(folds))
        predictions[j, folds[k][1]] = pred
        if j == 0:
            covered[folds[k][1]] += 1
    if np.any(covered != 1):
        raise ValueError(
            "cv must put every sample in exactly one test fold (a partition, as "
            "KFold does) to compare out-of-fold predictions."
        )
    nfr = [
        negative_flip_rate(y_arr, predictions[i], predictions[j])
        for i in range(n_seeds)
        for j in range(n_seeds)
        if i != j
    ]
    flip = seed_flip_probability(predictions)
    return SeedChurnResult(
        predictions=predictions,
        flip_probability=flip,
        disagreement=float(flip.mean()),
        negative_flip_rate=float(np.mean(nfr)),
        accuracy=np.mean(predictions == y_arr, axis=1),
        seeds=seeds,
    )

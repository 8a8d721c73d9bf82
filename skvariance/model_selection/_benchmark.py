"""Benchmark estimators over several data sets: one table, Friedman, Nemenyi."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state, indexable
from sklearn.utils.parallel import Parallel, delayed

from ..evaluation import FriedmanNemenyiResult, friedman_nemenyi
from ..utils import derive_seeds, set_random_state
from ..utils.crossfit import reseed_splitter
from ..utils.validation import check_n_jobs, check_named_estimators, check_positive_int
from ._fitting import check_probability, check_target, fit_and_score

__all__ = ["BenchmarkResult", "benchmark_estimators"]


@dataclass(eq=False)
class BenchmarkResult:
    """Outcome of :func:`benchmark_estimators`.

    Attributes
    ----------
    names : list of str
        Estimator names (the columns), in the given order.
    datasets : list of str
        Data set names (the rows), in the given order.
    scores : ndarray of shape (n_datasets, n_estimators)
        Mean test score of every estimator on every data set, over its
        ``n_seeds x n_splits`` cross-validation cells; higher is better.
    cv_scores : dict of str to ndarray of shape (n_estimators, n_seeds, n_splits)
        The cells behind each row of ``scores``, by data set.
    seeds : ndarray of shape (n_seeds,)
        The seeds of the repetitions (the same for every data set).
    friedman : FriedmanNemenyiResult
        Friedman's test and Nemenyi's critical difference on ``scores``
        (:func:`~skvariance.evaluation.friedman_nemenyi`).
    scoring : str
        The metric (``"score"`` for the estimators' own ``score``).
    folds_reseeded : bool
        Whether every seed drew new folds (see
        :func:`~skvariance.utils.crossfit.reseed_splitter`).
    """

    names: list
    datasets: list
    scores: np.ndarray = field(repr=False)
    cv_scores: dict = field(repr=False)
    seeds: np.ndarray = field(repr=False)
    friedman: FriedmanNemenyiResult
    scoring: str = "score"
    folds_reseeded: bool = True

    @property
    def ranks(self) -> np.ndarray:
        """Average rank of every estimator over the data sets (1 = best)."""
        return self.friedman.ranks

    @property
    def rank_table(self) -> np.ndarray:
        """Rank of every estimator on every data set, shape (n_datasets, n_estimators).

        1 is the highest score of the row; ties share the average rank.
        """
        from scipy.stats import rankdata

        return rankdata(-self.scores, axis=1)

    @property
    def critical_difference(self) -> float:
        """Nemenyi's critical difference of the average ranks."""
        return self.friedman.critical_difference

    @property
    def pvalue(self) -> float:
        """Friedman's p-value (equal average ranks as the null hypothesis)."""
        return self.friedman.pvalue

    @property
    def alpha(self) -> float:
        """Level of the critical difference."""
        return self.friedman.alpha

    def to_frame(self, kind: str = "scores"):
        """The table as a pandas DataFrame: data sets as rows, estimators as columns.

        Parameters
        ----------
        kind : {"scores", "ranks"}, default="scores"
            The mean scores, or the rank of each estimator on each data set.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_datasets, n_estimators)
        """
        if kind not in ("scores", "ranks"):
            raise ValueError(f"kind must be 'scores' or 'ranks', got {kind!r}.")
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "to_frame needs pandas; the table is in the scores attribute."
            ) from exc
        values = self.scores if kind == "scores" else self.rank_table
        return pd.DataFrame(
            values,
            index=pd.Index(self.datasets, name="dataset"),
            columns=pd.Index(self.names, name="estimator"),
        )


def _check_datasets(datasets):
    """Names and ``(X, y)`` pairs of a dict or a list of (name, (X, y))."""
    if isinstance(datasets, Mapping):
        items = list(datasets.items())
    elif isinstance(datasets, (list, tuple)):
        items = list(datasets)
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise TypeError(
                    "datasets must be a dict name -> (X, y) or a list of "
                    f"(name, (X, y)) pairs; got an entry {type(item).__name__}."
                )
    else:
        raise TypeError(
            "datasets must be a dict name -> (X, y) or a list of (name, (X, y)) "
            f"pairs, got {type(datasets).__name__}."
        )
    if len(items) < 2:
        raise ValueError(
            f"datasets needs at least 2 data sets for Friedman's test, got "
            f"{len(items)}; use compare_estimators for one data set."
        )
    names, data = [], []
    for name, pair in items:
        if not isinstance(name, str):
            raise TypeError(f"datasets names must be str, got {name!r}.")
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(
                f"datasets[{name!r}] must be a pair (X, y), got {type(pair).__name__}."
            )
        X, y = indexable(*pair)
        check_target(y)
        names.append(name)
        data.append((X, y))
    if len(set(names)) != len(names):
        raise ValueError(f"datasets have duplicate names {names}.")
    return names, data


def benchmark_estimators(
    estimators,
    datasets,
    *,
    cv=5,
    n_seeds: int = 1,
    scoring=None,
    alpha: float = 0.05,
    n_jobs: int | None = None,
    random_state=None,
    verbose: int = 0,
) -> BenchmarkResult:
    """Score every estimator on every data set; Friedman and Nemenyi on the table.

    Each estimator is cross-validated on each data set, ``n_seeds`` times:
    for seed ``j`` (derived from ``random_state``, the same for every data
    set) the folds are reshuffled by that seed and every nested
    ``random_state`` of the estimator is set from it
    (:func:`~skvariance.utils.set_random_state`). A data set's score is the
    mean over its ``n_seeds x n_splits`` cells, which gives one table of
    shape ``(n_datasets, n_estimators)``; Friedman's test and Nemenyi's
    critical difference (:func:`~skvariance.evaluation.friedman_nemenyi`)
    compare the estimators' average ranks over the data sets, and
    :class:`~skvariance.plotting.CriticalDifferenceDisplay` draws them.

    Parameters
    ----------
    estimators : dict, list of estimators or list of (name, estimator)
        At least two estimators; they are cloned, never modified.
    datasets : dict or list of (name, (X, y))
        At least two data sets, each a pair ``(X, y)`` (pandas included);
        NaN or infinity in ``y`` raise a ``ValueError``.
    cv : int, cross-validation generator or iterable, default=5
        With an int, (Stratified)KFold with ``cv`` folds (stratified when
        every estimator is a classifier), reshuffled for every seed. A
        splitter with a ``random_state`` is copied and re-seeded for every
        seed (:func:`~skvariance.utils.crossfit.reseed_splitter`); any other
        gives the same folds for every seed.
    n_seeds : int, default=1
        Repetitions of the cross-validation per data set (>= 1).
    scoring : str, callable or None, default=None
        One scikit-learn metric (higher is better); ``None`` uses each
        estimator's ``score``.
    alpha : float, default=0.05
        Level of Nemenyi's critical difference.
    n_jobs : int, default=None
        Parallel fits (every data set, seed, split and estimator) through
        :class:`sklearn.utils.parallel.Parallel`; results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the seeds (of the models and of the fold shuffles).
    verbose : int, default=0
        joblib's progress messages, one per batch of fits when > 0.

    Returns
    -------
    result : BenchmarkResult
        ``scores`` (data sets x estimators), ``friedman``, ``ranks``,
        ``critical_difference``, ``pvalue``, ``to_frame()``.

    See Also
    --------
    compare_estimators : pairwise tests of estimators on one data set.
    skvariance.evaluation.friedman_nemenyi : the tests on a score table.
    skvariance.plotting.CriticalDifferenceDisplay : the critical-difference
        diagram, ``CriticalDifferenceDisplay.from_result(result)``.

    Notes
    -----
    The data sets are the independent units of Friedman's test: its power
    grows with their number, not with ``n_seeds`` (the seeds only make each
    row's score less noisy). Demšar recommends reading Nemenyi's groups only
    when Friedman's test rejects (``result.pvalue <= alpha``); both are
    reported, and the diagram says when Friedman's test does not reject.

    References
    ----------
    .. [1] Demšar, J. "Statistical Comparisons of Classifiers over Multiple
       Data Sets", JMLR 7, 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import benchmark_estimators
    >>> datasets = {
    ...     "iris": load_iris(return_X_y=True),
    ...     "wine": load_wine(return_X_y=True),
    ...     "cancer": load_breast_cancer(return_X_y=True),
    ... }
    >>> res = benchmark_estimators(
    ...     {"nb": GaussianNB(), "tree": DecisionTreeClassifier(max_depth=3),
    ...      "dummy": DummyClassifier()},
    ...     datasets, cv=3, random_state=0,
    ... )
    >>> res.scores.shape
    (3, 3)
    >>> res.ranks.round(2).tolist()
    [1.33, 1.67, 3.0]
    """
    names, ests = check_named_estimators(estimators)
    dataset_names, data = _check_datasets(datasets)
    n_seeds = check_positive_int(n_seeds, name="n_seeds")
    alpha = check_probability(alpha, "alpha")
    n_jobs = check_n_jobs(n_jobs)
    if isinstance(verbose, bool) or not isinstance(verbose, Integral) or verbose < 0:
        raise ValueError(f"verbose must be an int >= 0, got {verbose!r}.")
    if isinstance(scoring, (list, tuple, set, dict)):
        raise TypeError(
            "scoring must be one metric (a str, a callable or None): the table "
            f"holds one score per data set and estimator, got {scoring!r}."
        )
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    classifier = all(is_classifier(e) for e in ests)

    seeds = derive_seeds(check_random_state(random_state), n_seeds)
    splits, reseeded = [], True
    for X, y in data:
        per_seed = []
        for s in seeds:
            splitter, new = reseed_splitter(cv, y, classifier=classifier, seed=int(s))
            reseeded &= new
            per_seed.append(list(splitter.split(X, y)))
        splits.append(per_seed)
    tasks = [
        (d, i, j, k, train, test)
        for d in range(len(data))
        for j in range(n_seeds)
        for k, (train, test) in enumerate(splits[d][j])
        for i in range(len(ests))
    ]
    out = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(fit_and_score)(
            set_random_state(clone(ests[i]), int(seeds[j])),
            data[d][0],
            data[d][1],
            train,
            test,
            scorers[i],
        )
        for d, i, j, k, train, test in tasks
    )
    cv_scores = {
        name: np.full((len(ests), n_seeds, len(splits[d][0])), np.nan)
        for d, name in enumerate(dataset_names)
    }
    for (d, i, j, k, _, _), value in zip(tasks, out):
        cv_scores[dataset_names[d]][i, j, k] = value
    for name, cells in cv_scores.items():
        if not np.all(np.isfinite(cells)):
            raise ValueError(
                f"some fits on data set {name!r} gave a non-finite score; check "
                "the scorer and the data."
            )
    table = np.array([cv_scores[name].mean(axis=(1, 2)) for name in dataset_names])
    return BenchmarkResult(
        names=names,
        datasets=dataset_names,
        scores=table,
        cv_scores=cv_scores,
        seeds=seeds,
        friedman=friedman_nemenyi(table, alpha=alpha, names=names),
        scoring=scoring if isinstance(scoring, str) else "score",
        folds_reseeded=reseeded,
    )

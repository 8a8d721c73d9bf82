"""AdaStop: group-sequential permutation comparison of several estimators."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import KFold, StratifiedKFold, check_cv, cross_val_score
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import (
    process_routing,
)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed

from ..utils._seeds import derive_seeds, set_random_state
from ..utils.metadata import cv_router, routing_enabled, sample_weight_params
from ..utils.validation import (
    check_n_jobs,
    check_named_estimators,
    check_positive_int,
    check_sample_weight,
)

__all__ = ["AdaptiveCompareResult", "adaptive_compare"]


class _AdaStop:
    """The statistical core of AdaStop, fed one batch of scores per interim.

    For each comparison ``(a, b)`` the statistic after interim ``k`` is
    ``T = sum_j (mean_j(a) - mean_j(b))`` over the batches ``j <= k``. Its
    permutation distribution uses ``n_permutations`` permutations of the
    ``2 n`` positions of every batch (the first one is the identity, i.e. the
    observed data). As in AdaStop, **one** permutation of the positions is
    drawn per index and applied to every comparison of the step (the pooled
    batch of ``a`` and ``b``, for every pair): the permuted statistics of
    comparisons that share an estimator stay as dependent as the observed
    ones, so the maximum over the family -- the step-down boundary -- is not
    inflated by independent draws, which is where the test gets its power.
    The level is spent linearly,
    ``alpha * (k + 1) / n_interims``; the boundary at interim ``k`` is the
    smallest value whose exceedance probability, among permutations that did
    not cross an earlier boundary, fits in the level still available. The
    comparisons are tested step-down (largest ``|T|`` first, then the family
    without it), so the family-wise error stays below ``alpha``.
    """

    def __init__(self, n_agents, n_interims, alpha, n_permutations, rng):
        self.comparisons = list(combinations(range(n_agents), 2))
        self.n_interims = n_interims
        self.alpha = alpha
        self.n_permutations = n_permutations
        self.rng = rng
        self.stats = np.zeros((n_permutations, len(self.comparisons)))
        self.alive = np.ones(n_permutations, dtype=bool)
        self.undecided = list(range(len(self.comparisons)))
        self.decisions = [None] * len(self.comparisons)
        self.decided_at = [None] * len(self.comparisons)
        self.boundaries = [[] for _ in self.comparisons]
        self.observed = [[] for _ in self.comparisons]
        self.p_values = [[] for _ in self.comparisons]
        self.level_spent = 0.0
        self.k = 0

    @property
    def finished(self) -> bool:
        return not self.undecided or self.k >= self.n_interims

    def active_agents(self) -> list[int]:
        return sorted({a for c in self.undecided for a in self.comparisons[c]})

    def _signs(self, n: int) -> np.ndarray:
        """One random split of ``2 n`` positions per permutation index.

        Row ``p`` is +1 at the ``n`` positions permutation ``p`` gives to the
        first estimator of a pair, -1 at the others: the permuted mean
        difference of a pooled batch ``z`` is ``signs[p] @ z / n``.
        """
        keys = self.rng.random_sample((self.n_permutations - 1, 2 * n))
        return np.where(np.argsort(keys, axis=1) < n, 1.0, -1.0)

    def _boundary(self, family):
        values = np.sort(np.abs(self.stats[np.ix_(self.alive, family)]).max(axis=1))
        # exceed[i] = P(max |T| > values[i], not stopped before), over all perms
        n_greater = values.size - np.searchsorted(values, values, side="right")
        exceed = n_greater / self.n_permutations
        budget = self.alpha * (self.k + 1) / self.n_interims - self.level_spent
        ok = exceed <= budget + 1e-12
        i = int(np.argmax(ok))  # the largest value always qualifies
        return float(values[i]), float(exceed[i])

    def update(self, block: dict[int, np.ndarray]):
        """One interim: ``block`` maps each active agent to its new scores.

        Every active agent brings the same number of new scores.
        """
        sizes = {len(v) for v in block.values()}
        if len(sizes) != 1:
            raise ValueError(f"every agent needs the same batch size, got {sizes}.")
        n = sizes.pop()
        signs = self._signs(n)  # one permutation per index, for every pair
        pending = list(self.undecided)
        pooled = np.column_stack(
            [
                np.concatenate([block[a], block[b]])
                for a, b in (self.comparisons[c] for c in pending)
            ]
        )  # (2 n, n_pending): each pair's batch, its first estimator on top
        self.stats[0, pending] += (pooled[:n] - pooled[n:]).mean(axis=0)
        self.stats[1:, pending] += signs @ pooled / n
        for c in self.undecided:
            obs = abs(self.stats[0, c])
            self.observed[c].append(obs)
            self.p_values[c].append(
                float(np.mean(np.abs(self.stats[:, c]) >= obs - 1e-12))
            )
        family = list(self.undecided)
        bound, spent = np.inf, 0.0
        tested_against = {}
        while family:
            bound, spent = self._boundary(family)
            for c in family:
                tested_against[c] = bound
            t = np.abs(self.stats[0, family])
            top = int(np.argmax(t))
            if t[top] > bound and t[top] > 0:
                c = family.pop(top)
                self.decisions[c] = "larger" if self.stats[0, c] > 0 else "smaller"
                self.decided_at[c] = self.k + 1
            else:
                break
        for c, value in tested_against.items():
            self.boundaries[c].append(value)
        if family:
            self.alive &= np.abs(self.stats[:, family]).max(axis=1) <= bound
        self.level_spent += spent
        self.undecided = family
        self.k += 1
        if self.k >= self.n_interims:
            for c in self.undecided:
                self.decisions[c] = "equal"
                self.decided_at[c] = self.k
            self.undecided = []


@dataclass(eq=False)
class AdaptiveCompareResult:
    """Outcome of :func:`adaptive_compare`.

    Attributes
    ----------
    names : list of str
        Estimator names, in the given order.
    decisions : dict
        ``(name_a, name_b) -> "larger" | "smaller" | "equal"``: whether ``a``
        scores higher than, lower than, or the same as ``b``.
    n_runs : dict
        ``name -> number of seeds`` (runs) actually fitted.
    scores : dict
        ``name -> ndarray of shape (n_runs,)``: the cross-validated score of
        every run, in order.
    boundaries : dict
        ``(name_a, name_b) -> list`` of the rejection boundaries the
        comparison's ``|T|`` was tested against, one per interim while it was
        undecided (the last boundary of the step-down at that interim).
    statistics : dict
        ``(name_a, name_b) -> list`` of ``|T|``, the absolute sum over batches
        of the batch mean differences, per interim.
    p_values : dict
        ``(name_a, name_b) -> list`` of nominal permutation p-values of
        ``|T|`` per interim, not adjusted for multiplicity or for the
        sequential looks (the decisions use the boundaries).
    decided_at : dict
        ``(name_a, name_b) -> interim`` (1-based) at which it was decided.
    n_interims : int
        Interims run.
    alpha : float
        Family-wise error level.
    """

    names: list
    decisions: dict
    n_runs: dict
    scores: dict = field(repr=False)
    boundaries: dict = field(repr=False)
    statistics: dict = field(repr=False)
    p_values: dict = field(repr=False)
    decided_at: dict = field(repr=False)
    n_interims: int = 0
    alpha: float = 0.05


def _run_score(estimator, X, y, cv, scoring, seed, groups, params):
    est = set_random_state(clone(estimator), seed)
    if isinstance(cv, Integral):
        stratify = is_classifier(est) and type_of_target(y) in ("binary", "multiclass")
        splitter_cls = StratifiedKFold if stratify else KFold
        cv = splitter_cls(n_splits=cv, shuffle=True, random_state=seed)
    # a failed fit is an error, not a NaN score fed to the test
    scores = cross_val_score(
        est,
        X,
        y,
        groups=groups,
        cv=cv,
        scoring=scoring,
        params=params,
        error_score="raise",
    )
    return float(np.mean(scores))


def _fit_params(names, estimators, X, y, cv, scoring, params):
    """Per-estimator ``params`` for ``cross_val_score``, checked up front.

    With metadata routing enabled, ``params`` is routed by scikit-learn (as in
    ``cross_validate``): this checks here, before any fit, that every key is
    requested by each estimator, its scorer or the splitter. Without routing,
    ``sample_weight`` reaches each estimator's ``fit`` -- as
    ``<final step>__sample_weight`` for a Pipeline -- and the other keys go to
    ``fit`` as they are.
    """
    params = {} if params is None else dict(params)
    if "sample_weight" in params and params["sample_weight"] is not None:
        params["sample_weight"] = check_sample_weight(params["sample_weight"], X)
    if routing_enabled():
        splitter = check_cv(cv, y, classifier=is_classifier(estimators[0]))
        for est in estimators:
            router = cv_router(
                "adaptive_compare",
                splitter=splitter,
                estimator=est,
                scorer=check_scoring(est, scoring=scoring),
            )
            process_routing(router, "fit", **params)
        return [params for _ in estimators]
    out = []
    for name, est in zip(names, estimators):
        fit_params = {k: v for k, v in params.items() if k != "sample_weight"}
        fit_params.update(
            sample_weight_params(
                est, params.get("sample_weight"), name=f"estimator {name!r}"
            )
        )
        out.append(fit_params)
    return out


def adaptive_compare(
    estimators,
    X,
    y,
    *,
    cv=5,
    max_seeds: int = 30,
    batch_size: int = 5,
    alpha: float = 0.05,
    scoring=None,
    n_permutations: int = 10_000,
    groups=None,
    params: dict | None = None,
    n_jobs: int | None = None,
    random_state: None | int | np.random.RandomState = None,
) -> AdaptiveCompareResult:
    """Compare estimators over seeds, adding runs in batches until decided.

    AdaStop: each interim fits ``batch_size`` new seeds of every estimator
    still involved in an undecided comparison (every nested ``random_state``
    set from a derived seed, cross-validated score per seed), then runs a
    group-sequential permutation test over all pairs. A comparison is decided
    "larger"/"smaller" as soon as its statistic crosses the boundary; after
    ``max_seeds`` runs the undecided ones are "equal". It stops as soon as
    every comparison is decided, so clear differences cost few fits, and the
    family-wise error over all comparisons and all interims stays below
    ``alpha``.

    Parameters
    ----------
    estimators : dict, list of estimators or list of (name, estimator)
        At least two estimators; they are cloned, never modified.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Target.
    cv : int or cross-validation generator, default=5
        With an int, every run uses a shuffled (Stratified)KFold seeded by the
        run's seed, so runs differ in split and in model randomness; a
        splitter object is used as given for every run.
    max_seeds : int, default=30
        Maximum number of runs per estimator.
    batch_size : int, default=5
        Runs added per estimator at each interim (fewer than 5 is rarely
        enough to detect anything). There are ``ceil(max_seeds / batch_size)``
        interims.
    alpha : float, default=0.05
        Family-wise error level, in (0, 1).
    scoring : str, callable or None, default=None
        scikit-learn scoring (higher is better); ``None`` uses the
        estimator's ``score``.
    n_permutations : int, default=10_000
        Random permutations per batch (the identity included), each applied
        to every comparison of the interim.
    groups : array-like of shape (n_samples,), default=None
        Group labels for a group splitter given as ``cv`` (routing disabled;
        with routing enabled pass them in ``params``), as in
        :func:`~sklearn.model_selection.cross_validate`.
    params : dict, default=None
        Metadata for the fits, as ``cross_validate``'s ``params``. With
        metadata routing enabled it is routed to each estimator, scorer and
        splitter that requests it (for example
        ``est.set_fit_request(sample_weight=True)``). Without routing,
        ``sample_weight`` goes to every estimator's ``fit`` -- to a
        Pipeline's final step as ``<step>__sample_weight`` -- and an
        estimator that cannot take it raises a ``TypeError`` before any fit;
        other keys go to ``fit`` unchanged. Weights reach the fits only, not
        the scorer, unless routing requests them for it.
    n_jobs : int, default=None
        Parallel fits within a batch (``sklearn.utils.parallel``), with
        scikit-learn's meaning: ``None`` is 1 unless a
        :func:`joblib.parallel_config` context says otherwise, ``-1`` is all
        cores, ``0`` is an error. The results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Source of the run seeds and of the permutations.

    Returns
    -------
    result : AdaptiveCompareResult
        Decisions, runs used, scores, boundaries, statistics, p-values.

    See Also
    --------
    seed_cross_validate : the seed x split score matrix of one estimator.
    skvariance.evaluation.bootstrap_ci : interval estimates of the scores.

    Notes
    -----
    Runs of different estimators use different seeds (and, with an int
    ``cv``, different splits), so all runs are independent and the labels
    are exchangeable under the null hypothesis of equal score distributions.

    One permutation of the batch positions per index is applied to every
    pair of an interim, as in AdaStop, which gives the step-down its power.
    It is not a relabelling of all the estimators' scores at once, so with
    three or more estimators the error control is approximate: in simulations
    with three equal estimators (batches of 5, 4 interims, ``alpha=0.05``) the
    family-wise error was 5.4% (95% interval 5.0-5.9%, 10,800 experiments);
    with two it is an exact permutation test.

    The permutation distributions use random permutations at every interim,
    where AdaStop enumerates all ``C(2n, n)`` splits of a batch when there
    are fewer than ``n_permutations`` of them; both estimate the same
    distribution, AdaStop's exactly at the first interims.

    References
    ----------
    T. Mathieu, R. Della Vecchia, A. Shilova, M. Centa de Medeiros,
    H. Kohler, O.-A. Maillard, P. Preux, "AdaStop: sequential testing for
    efficient and reliable comparisons of Deep RL Agents", 2023.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import adaptive_compare
    >>> X, y = load_iris(return_X_y=True)
    >>> res = adaptive_compare(
    ...     {"tree": DecisionTreeClassifier(), "dummy": DummyClassifier()},
    ...     X, y, cv=3, max_seeds=10, batch_size=5, n_permutations=2000,
    ...     random_state=0,
    ... )
    >>> res.decisions
    {('tree', 'dummy'): 'larger'}
    >>> res.n_runs
    {'tree': 5, 'dummy': 5}
    """
    names, ests = check_named_estimators(estimators)
    n_jobs = check_n_jobs(n_jobs)
    max_seeds = check_positive_int(max_seeds, name="max_seeds", minimum=2)
    batch_size = check_positive_int(batch_size, name="batch_size")
    if batch_size > max_seeds:
        raise ValueError(
            f"batch_size ({batch_size}) must not exceed max_seeds ({max_seeds})."
        )
    n_permutations = check_positive_int(n_permutations, name="n_permutations")
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(f"alpha must be a float in (0, 1), got {alpha!r}.")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}.")
    if isinstance(cv, Integral) and not isinstance(cv, bool) and cv < 2:
        raise ValueError(f"cv must be >= 2 folds, got {cv}.")
    fit_params = _fit_params(names, ests, X, y, cv, scoring, params)

    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, max_seeds * len(ests)).reshape(max_seeds, len(ests))
    perm_rng = np.random.RandomState(derive_seeds(rng, 1)[0])
    n_interims = -(-max_seeds // batch_size)
    test = _AdaStop(len(ests), n_interims, float(alpha), n_permutations, perm_rng)
    scores: list[list[float]] = [[] for _ in ests]
    parallel = Parallel(n_jobs=n_jobs)
    done = 0
    while not test.finished:
        active = test.active_agents()
        runs = range(done, min(done + batch_size, max_seeds))
        jobs = [(e, r) for r in runs for e in active]
        values = parallel(
            delayed(_run_score)(
                ests[e], X, y, cv, scoring, int(seeds[r, e]), groups, fit_params[e]
            )
            for e, r in jobs
        )
        block: dict[int, list] = {e: [] for e in active}
        for (e, _), v in zip(jobs, values):
            block[e].append(v)
            scores[e].append(v)
        test.update({e: np.asarray(v) for e, v in block.items()})
        done = runs.stop

    pairs = [(names[a], names[b]) for a, b in test.comparisons]
    return AdaptiveCompareResult(
        names=names,
        decisions=dict(zip(pairs, test.decisions)),
        n_runs={n: len(s) for n, s in zip(names, scores)},
        scores={n: np.asarray(s) for n, s in zip(names, scores)},
        boundaries=dict(zip(pairs, test.boundaries)),
        statistics=dict(zip(pairs, test.observed)),
        p_values=dict(zip(pairs, test.p_values)),
        decided_at=dict(zip(pairs, test.decided_at)),
        n_interims=test.k,
        alpha=float(alpha),
    )

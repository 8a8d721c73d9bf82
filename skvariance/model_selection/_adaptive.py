"""AdaStop: group-sequential permutation comparison of several estimators."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state, indexable

from ..utils._seeds import derive_seeds, set_random_state
from ..utils.crossfit import make_splitter
from ..utils.parallel import Parallel, delayed, emit_collected
from ..utils.validation import (
    check_n_jobs,
    check_named_estimators,
    check_positive_int,
)
from ._fitting import fit_and_score, route_params

__all__ = ["AdaptiveCompareResult", "adaptive_compare"]


class _AdaStop:
    """The statistical core of AdaStop, fed one batch of scores per interim.

    It runs ``n_experiments`` independent experiments at once (the arrays
    below carry them on their first axis): :func:`adaptive_compare` runs one,
    and the tests run thousands of simulated ones through this same code.

    For each comparison ``(a, b)`` the statistic after interim ``k`` is
    ``T = sum_j (mean_j(a) - mean_j(b))`` over the batches ``j <= k``. Its
    permutation distribution uses ``n_permutations`` relabellings of every
    batch (the first one is the identity, i.e. the observed data). A
    relabelling permutes the pooled scores of **all** the estimators still
    active (the ``m x n`` block of ``m`` estimators with ``n`` new runs
    each) and deals them back, ``n`` per estimator; every comparison's
    permuted statistic is computed from that same relabelling. Under the
    null hypothesis that the active estimators' scores are exchangeable, the
    observed trajectory of statistics is then one more draw from the
    permutation distribution, so the test is exact (up to the Monte Carlo
    permutations) for any number of estimators, and the permuted statistics
    of comparisons that share an estimator stay as dependent as the observed
    ones, which gives the step-down its power.

    The level is spent linearly, ``alpha * (k + 1) / n_interims``; the
    boundary at interim ``k`` is the smallest value whose exceedance
    probability, among permutations that did not cross an earlier boundary,
    fits in the level still available. The comparisons are tested step-down
    (largest ``|T|`` first, then the family without it), so the family-wise
    error stays below ``alpha``.
    """

    def __init__(
        self, n_agents, n_interims, alpha, n_permutations, rng, *, n_experiments=1
    ):
        self.n_agents = n_agents
        self.comparisons = list(combinations(range(n_agents), 2))
        self.n_interims = n_interims
        self.alpha = alpha
        self.n_permutations = n_permutations
        self.rng = rng
        E, P, C = n_experiments, n_permutations, len(self.comparisons)
        self.n_experiments = E
        self._first = np.array([a for a, _ in self.comparisons], dtype=np.intp)
        self._second = np.array([b for _, b in self.comparisons], dtype=np.intp)
        self.stats = np.zeros((E, P, C))
        self.alive = np.ones((E, P), dtype=bool)
        self.undecided_mask = np.ones((E, C), dtype=bool)
        # +1: "larger", -1: "smaller", 2: "equal", 0: not decided yet
        self.decision_codes = np.zeros((E, C), dtype=np.int8)
        self.decided_at_k = np.zeros((E, C), dtype=np.intp)
        self.bounds = np.full((E, n_interims, C), np.nan)
        self.observed_k = np.full((E, n_interims, C), np.nan)
        self.p_values_k = np.full((E, n_interims, C), np.nan)
        self.level_spent = np.zeros(E)
        self.k = 0

    # -- one experiment's view (adaptive_compare) ---------------------------
    @property
    def finished(self) -> bool:
        return not self.running().any()

    def running(self) -> np.ndarray:
        """``(n_experiments,)``: experiments with an undecided comparison."""
        if self.k >= self.n_interims:
            return np.zeros(self.n_experiments, dtype=bool)
        return self.undecided_mask.any(axis=1)

    def active_mask(self) -> np.ndarray:
        """``(n_experiments, n_agents)``: agents in an undecided comparison."""
        active = np.zeros((self.n_experiments, self.n_agents), dtype=bool)
        for c, (a, b) in enumerate(self.comparisons):
            active[:, a] |= self.undecided_mask[:, c]
            active[:, b] |= self.undecided_mask[:, c]
        return active

    def active_agents(self) -> list[int]:
        return [int(a) for a in np.flatnonzero(self.active_mask()[0])]

    @property
    def decisions(self) -> list:
        names = {0: None, 1: "larger", -1: "smaller", 2: "equal"}
        return [names[int(d)] for d in self.decision_codes[0]]

    @property
    def decided_at(self) -> list:
        return [int(k) if k > 0 else None for k in self.decided_at_k[0]]

    def _per_comparison(self, values) -> list[list[float]]:
        return [
            [float(v) for v in values[0, :, c] if not np.isnan(v)]
            for c in range(len(self.comparisons))
        ]

    @property
    def boundaries(self) -> list[list[float]]:
        return self._per_comparison(self.bounds)

    @property
    def observed(self) -> list[list[float]]:
        return self._per_comparison(self.observed_k)

    @property
    def p_values(self) -> list[list[float]]:
        return self._per_comparison(self.p_values_k)

    # -- the test -------------------------------------------------------------
    def _permuted_means(self, scores, active):
        """Mean of each agent's share under every relabelling of the block.

        ``scores`` is ``(E, n_agents, n)``; the pooled scores of the active
        agents are permuted (inactive agents' entries get an infinite key, so
        they sort last and are never dealt) and dealt back in blocks of ``n``
        to the active agents in order. Returns ``(E, P, n_agents)`` with the
        identity first; inactive agents' entries are meaningless.
        """
        E, M, n = scores.shape
        P = self.n_permutations
        pooled = scores.reshape(E, M * n)
        keys = self.rng.random_sample((E, P - 1, M * n))
        keys[np.repeat(~active, n, axis=1)[:, None, :].repeat(P - 1, axis=1)] = np.inf
        order = np.argsort(keys, axis=2)
        dealt = np.take_along_axis(pooled[:, None, :], order, axis=2)
        by_rank = dealt.reshape(E, P - 1, M, n).mean(axis=3)  # block g -> rank g
        rank = np.cumsum(active, axis=1) - 1  # agent a -> its rank among active
        rank = np.where(active, rank, 0)
        permuted = np.take_along_axis(by_rank, rank[:, None, :].repeat(P - 1, 1), 2)
        return np.concatenate([scores.mean(axis=2)[:, None, :], permuted], axis=1)

    def _boundary(self, family, rows):
        """Step-down boundary and level it spends, for experiments ``rows``.

        ``values`` are the max over the family of ``|T|`` of every
        permutation still alive; the boundary is the smallest of them whose
        exceedance count (alive values strictly above it, over all
        permutations) fits in the budget.
        """
        P = self.n_permutations
        abs_stats = np.abs(self.stats[rows])
        values = np.where(family[rows][:, None, :], abs_stats, -np.inf).max(axis=2)
        values = np.where(self.alive[rows], values, -np.inf)
        desc = -np.sort(-values, axis=1)  # descending, dead ones last
        n_alive = self.alive[rows].sum(axis=1)
        budget = self.alpha * (self.k + 1) / self.n_interims - self.level_spent[rows]
        allowed = np.floor((budget + 1e-12) * P).astype(np.intp)
        index = np.clip(np.minimum(allowed, n_alive - 1), 0, P - 1)
        bound = desc[np.arange(len(rows)), index]
        spent = (values > bound[:, None]).sum(axis=1) / P
        return bound, spent

    def update(self, block):
        """One interim: the new scores of every agent.

        ``block`` maps each active agent to its new scores (one experiment)
        or is an array ``(n_experiments, n_agents, n)`` (entries of inactive
        agents or finished experiments are ignored). Every active agent
        brings the same number of new scores.
        """
        if isinstance(block, dict):
            sizes = {len(v) for v in block.values()}
            if len(sizes) != 1:
                raise ValueError(f"every agent needs the same batch size, got {sizes}.")
            n = sizes.pop()
            scores = np.zeros((1, self.n_agents, n))
            for a, v in block.items():
                scores[0, a] = v
        else:
            scores = np.asarray(block, dtype=float)
        running = self.running()
        rows = np.flatnonzero(running)
        if rows.size == 0:
            return
        active = self.active_mask()[rows]
        means = self._permuted_means(scores[rows], active)  # (R, P, M)
        pending = self.undecided_mask[rows]  # (R, C)
        delta = means[:, :, self._first] - means[:, :, self._second]
        self.stats[rows] += np.where(pending[:, None, :], delta, 0.0)

        obs = np.abs(self.stats[rows, 0, :])  # (R, C)
        pvals = np.mean(np.abs(self.stats[rows]) >= obs[:, None, :] - 1e-12, axis=1)
        self.observed_k[rows, self.k] = np.where(pending, obs, np.nan)
        self.p_values_k[rows, self.k] = np.where(pending, pvals, np.nan)

        family = np.zeros_like(self.undecided_mask)
        family[rows] = pending
        bound = np.full(self.n_experiments, np.inf)
        spent = np.zeros(self.n_experiments)
        stepping = rows
        while stepping.size:
            b, s = self._boundary(family, stepping)
            bound[stepping], spent[stepping] = b, s
            fam = family[stepping]
            self.bounds[stepping, self.k] = np.where(
                fam, b[:, None], self.bounds[stepping, self.k]
            )
            t = np.where(fam, np.abs(self.stats[stepping, 0, :]), -np.inf)
            top = np.argmax(t, axis=1)
            t_top = t[np.arange(stepping.size), top]
            reject = (t_top > b) & (t_top > 0)
            hit, c = stepping[reject], top[reject]
            family[hit, c] = False
            self.decision_codes[hit, c] = np.where(self.stats[hit, 0, c] > 0, 1, -1)
            self.decided_at_k[hit, c] = self.k + 1
            stepping = hit[family[hit].any(axis=1)]
        # permutations that crossed the final boundary of the still-open family
        open_rows = rows[family[rows].any(axis=1)]
        crossed = (
            np.where(
                family[open_rows][:, None, :], np.abs(self.stats[open_rows]), -np.inf
            ).max(axis=2)
            > bound[open_rows][:, None]
        )
        self.alive[open_rows] &= ~crossed
        self.level_spent[rows] += spent[rows]
        self.undecided_mask[rows] = family[rows]
        self.k += 1
        if self.k >= self.n_interims:
            left = self.undecided_mask
            self.decision_codes[left] = 2
            self.decided_at_k[left] = self.k
            self.undecided_mask[:] = False


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

    def to_frame(self):
        """One row per pair: decision, interim, last ``|T|``, boundary, p-value."""
        import pandas as pd

        def last(table, pair):
            values = table.get(pair) or [np.nan]
            return float(values[-1])

        pairs = list(self.decisions)
        return pd.DataFrame(
            {
                "model_a": [a for a, _ in pairs],
                "model_b": [b for _, b in pairs],
                "decision": [self.decisions[p] for p in pairs],
                "decided_at": [self.decided_at.get(p) for p in pairs],
                "statistic": [last(self.statistics, p) for p in pairs],
                "boundary": [last(self.boundaries, p) for p in pairs],
                "p_value": [last(self.p_values, p) for p in pairs],
                "n_runs_a": [self.n_runs[a] for a, _ in pairs],
                "n_runs_b": [self.n_runs[b] for _, b in pairs],
            }
        )


def _run_score(estimator, X, y, cv, seed, scorer, fit_params, score_params, split):
    """Mean cross-validated score of one run (one seed) of one estimator."""
    est = set_random_state(clone(estimator), seed)
    splitter = make_splitter(cv, y, classifier=is_classifier(est), random_state=seed)
    # a failed fit is an error, not a NaN score fed to the test
    scores = [
        fit_and_score(clone(est), X, y, train, test, scorer, fit_params, score_params)
        for train, test in splitter.split(X, y, **split)
    ]
    return float(np.mean(scores))


def _run_batches(
    test,
    parallel,
    ests,
    X,
    y,
    cv,
    seeds,
    scorers,
    fit,
    score,
    split,
    batch_size,
    max_seeds,
    scores,
):
    """Run batches of seeds until the sequential test stops."""
    done = 0
    while not test.finished:
        active = test.active_agents()
        runs = range(done, min(done + batch_size, max_seeds))
        jobs = [(e, r) for r in runs for e in active]
        values = parallel(
            delayed(_run_score)(
                ests[e], X, y, cv, int(seeds[r, e]), scorers[e], fit[e], score[e], split
            )
            for e, r in jobs
        )
        block: dict[int, list] = {e: [] for e in active}
        for (e, _), v in zip(jobs, values):
            block[e].append(v)
            scores[e].append(v)
        if not np.all(np.isfinite(values)):
            raise ValueError(
                "some fits gave a non-finite score; check the scorer and the data."
            )
        test.update({e: np.asarray(v) for e, v in block.items()})
        done = runs.stop


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
        Random relabellings per batch (the identity included) of the pooled
        scores of the active estimators, shared by every comparison of the
        interim.
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

    Each permutation relabels the pooled scores of all the estimators still
    active at once (the batch of ``m`` estimators x ``batch_size`` runs is
    permuted and dealt back), and every comparison's permuted statistic comes
    from that same relabelling. Under the full null hypothesis the observed
    scores are one more relabelling, so the family-wise error is exactly the
    level spent, at most ``alpha``, for any number of estimators. In
    simulations (benchmarks/bench_comparison_trust.py, 20,000 experiments
    each, batches of 5, 4 interims, 200 permutations) it was 4.8%, 5.1% and
    4.8% with 2, 3 and 4 equal estimators (95% intervals within 4.5-5.4%),
    where the former scheme (one split of positions applied to each pair's
    own batch, not a relabelling of the data) gave 5.1%, 5.8% and 5.6%.
    The permuted statistics of comparisons that share an estimator stay as
    dependent as the observed ones, which gives the step-down its power.
    Once an estimator is out of every undecided comparison, later interims
    relabel only the remaining ones.

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
    X, y, groups = indexable(X, y, groups)
    classifier = is_classifier(ests[0])
    template = make_splitter(cv, y, classifier=classifier, random_state=0)
    scorers = [check_scoring(est, scoring=scoring) for est in ests]
    fit, score, split = route_params(
        "adaptive_compare",
        names,
        ests,
        scorers if scoring is not None else [None] * len(ests),
        template,
        params,
        groups,
        X,
    )

    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, max_seeds * len(ests)).reshape(max_seeds, len(ests))
    perm_rng = np.random.RandomState(derive_seeds(rng, 1)[0])
    n_interims = -(-max_seeds // batch_size)
    test = _AdaStop(len(ests), n_interims, float(alpha), n_permutations, perm_rng)
    scores: list[list[float]] = [[] for _ in ests]
    records: list = []  # the batches' warnings, shown once at the end
    parallel = Parallel(n_jobs=n_jobs, records=records)
    _run_batches(
        test,
        parallel,
        ests,
        X,
        y,
        cv,
        seeds,
        scorers,
        fit,
        score,
        split,
        batch_size,
        max_seeds,
        scores,
    )
    emit_collected(records)

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

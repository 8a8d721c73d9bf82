"""Grid search that treats the random seed as a nuisance, not a hyperparameter."""

from __future__ import annotations

import re
import time

import numpy as np
from scipy.stats import rankdata, trim_mean
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import process_routing

from ..ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor
from ..utils._seeds import (
    derive_seeds,
    random_state_params,
    set_random_state,
    warn_if_unseeded,
)
from ..utils._sklearn_compat import (
    BaseSearchCV,
    Integral,
    Interval,
    StrOptions,
    _fit_context,
)
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.validation import check_n_jobs

__all__ = ["SeedSearchCV"]

_QUANTILE = re.compile(r"^q(\d{1,2})$")


def _aggregate(per_seed: np.ndarray, aggregation: str) -> np.ndarray:
    """Aggregate per-seed scores (n_candidates, n_seeds) along the seeds."""
    if aggregation == "mean":
        return per_seed.mean(axis=1)
    if aggregation == "median":
        return np.median(per_seed, axis=1)
    if aggregation == "iqm":
        return trim_mean(per_seed, 0.25, axis=1)
    level = int(_QUANTILE.match(aggregation).group(1)) / 100.0
    return np.quantile(per_seed, level, axis=1)


def _rank(values: np.ndarray) -> np.ndarray:
    """Rank 1 = best, NaN tied with the worst (as scikit-learn does)."""
    if np.isnan(values).all():
        return np.ones_like(values, dtype=np.int32)
    filled = np.where(np.isnan(values), np.nanmin(values) - 1, values)
    return rankdata(-filled, method="min").astype(np.int32)


class _AggregationOption(StrOptions):
    """``"mean"``, ``"median"``, ``"iqm"`` or a lower quantile ``"qNN"``."""

    def __init__(self):
        super().__init__({"mean", "median", "iqm"})

    def is_satisfied_by(self, val):
        return isinstance(val, str) and (
            val in self.options or _QUANTILE.match(val) is not None
        )

    def __str__(self):
        return "a str among {'mean', 'median', 'iqm'} or a quantile such as 'q10'"


def _seeded_candidates(estimator, candidates, seeds):
    """Each candidate once per seed, with every nested ``random_state`` set."""
    expanded = []
    for params in candidates:
        tuned = [
            k for k in params if k == "random_state" or k.endswith("__random_state")
        ]
        if tuned:
            raise ValueError(
                f"param_grid must not tune random_state parameters ({tuned}): "
                "SeedSearchCV sets every random_state from its own seeds."
            )
        template = clone(estimator).set_params(**clone(params, safe=False))
        names = random_state_params(template)
        for seed in seeds:
            member = set_random_state(clone(template), int(seed))
            values = member.get_params(deep=True)
            expanded.append({**params, **{name: values[name] for name in names}})
    return expanded


class _SeedGridSearch(BaseSearchCV):
    """The search behind :class:`SeedSearchCV`: every (candidate, seed) pair.

    A plain ``BaseSearchCV`` that never refits: the candidates of
    ``param_grid`` are expanded over the given ``seeds`` and the results are
    folded back to one row per candidate, with per-seed columns and the
    aggregated ranking statistic. :class:`SeedSearchCV` builds one per
    ``fit`` and does the selection and the refit on fresh seeds itself, so
    that its own parameters are never changed during ``fit``.
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_grid": [dict, list],
        "seeds": ["array-like"],
        "aggregation": [_AggregationOption()],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        seeds,
        *,
        aggregation="mean",
        scoring=None,
        cv=5,
        n_jobs=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=False,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid
        self.seeds = seeds
        self.aggregation = aggregation

    def get_metadata_routing(self):
        # errors about metadata name the public search, not this helper
        router = super().get_metadata_routing()
        router.owner = "SeedSearchCV"
        return router

    def _get_routed_params_for_fit(self, params):
        routed = super()._get_routed_params_for_fit(params)
        fit_params = routed.estimator.fit
        if not routing_enabled() and fit_params.get("sample_weight") is not None:
            # the rule of skvariance.utils.metadata: a Pipeline's final step
            # gets the weights (the scorer keeps them as scikit-learn gives)
            weights = fit_params.pop("sample_weight")
            fit_params.update(sample_weight_params(self.estimator, weights))
        return routed

    def _run_search(self, evaluate_candidates, callback_ctx=None):
        """Evaluate every (candidate, seed) pair on every split."""
        candidates = list(ParameterGrid(self.param_grid))
        expanded = _seeded_candidates(self.estimator, candidates, self.seeds)
        if callback_ctx is None:
            evaluate_candidates(expanded)
            return
        search_ctx = callback_ctx.subcontext(
            task_name="search",
            max_subtasks=len(expanded) * self.n_splits_,
            sequential_subtasks=False,
        ).call_on_fit_task_begin(estimator=self)
        evaluate_candidates(expanded, callback_ctx=search_ctx)
        search_ctx.call_on_fit_task_end(estimator=self)

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        n_seeds = len(self.seeds)
        base = list(ParameterGrid(self.param_grid))
        # ``out`` is ordered candidate, seed, split: for the parent class each
        # base candidate simply has n_seeds * n_splits "splits".
        results = super()._format_results(base, n_seeds * n_splits, out, more_results)
        metrics = sorted(
            key[len("mean_test_") :] for key in results if key.startswith("mean_test_")
        )
        for metric in metrics:
            for kind in ("test", "train"):
                if f"split0_{kind}_{metric}" not in results:
                    continue
                table = np.empty((len(base), n_seeds, n_splits))
                for j in range(n_seeds):
                    for k in range(n_splits):
                        col = results.pop(f"split{j * n_splits + k}_{kind}_{metric}")
                        results[f"split{k}_seed{j}_{kind}_{metric}"] = col
                        table[:, j, k] = col
                if kind == "train":
                    continue
                per_seed = table.mean(axis=2)
                for j in range(n_seeds):
                    results[f"seed{j}_test_{metric}"] = per_seed[:, j]
                # ddof=1, the package's convention for spreads between seeds
                results[f"seed_std_test_{metric}"] = (
                    per_seed.std(axis=1, ddof=1)
                    if n_seeds > 1
                    else np.full(len(base), np.nan)
                )
                aggregated = _aggregate(per_seed, self.aggregation)
                results[f"aggregated_test_{metric}"] = aggregated
                results[f"rank_test_{metric}"] = _rank(aggregated)
        return results


class SeedSearchCV(BaseSearchCV):
    """Exhaustive search over a grid, each candidate scored under many seeds.

    Every candidate is fitted and scored on every (seed, split) pair: the
    same cross-validation splits under ``n_seeds`` tuning seeds, where each
    seed sets *every* nested ``random_state`` of the estimator. Candidates are
    ranked by an aggregate of their per-seed cross-validation scores, so a
    candidate cannot win by a lucky seed; the final model is refitted with
    seeds that were not used for tuning. It behaves like
    :class:`~sklearn.model_selection.GridSearchCV` everywhere else
    (``predict``, ``score``, ``best_params_``, multi-metric scoring, metadata
    routing...).

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune; cloned, never modified.
    param_grid : dict or list of dicts
        As in :class:`~sklearn.model_selection.GridSearchCV`; it must not
        contain ``random_state`` parameters, which the search sets itself.
    n_seeds : int, default=5
        Number of tuning seeds (>= 1).
    aggregation : str, default="mean"
        Statistic of the ``n_seeds`` per-seed CV scores used for ranking:
        ``"mean"``, ``"median"``, ``"iqm"`` (interquartile mean) or a lower
        quantile ``"qNN"`` such as ``"q10"`` (rank by a pessimistic seed).
    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    cv : int, cross-validation generator or iterable, default=5
        The splits, identical for every seed.
    refit : bool, str or callable, default=True
        Refit the best candidate on the whole data, with fresh seeds; as in
        :class:`~sklearn.model_selection.GridSearchCV` otherwise.
    refit_n_seeds : int, default=None
        ``None`` refits one model with one fresh seed. An int refits a
        :class:`~skvariance.ensemble.SeedEnsembleRegressor` or
        :class:`~skvariance.ensemble.SeedEnsembleClassifier` of that many
        members, built through its public parameters
        (``random_state`` and ``exclude_seeds=seeds_``), so that
        ``clone(best_estimator_).fit(X, y)`` reproduces it exactly.
    n_jobs : int, default=None
        Parallel fits through :class:`sklearn.utils.parallel.Parallel`
        (``None`` means 1 unless in a :func:`joblib.parallel_config` context,
        ``-1`` all cores, ``0`` is rejected; see
        :func:`~skvariance.utils.check_n_jobs`); results do not depend on
        ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the tuning seeds and of the refit seeds.
    verbose : int, default=0
        Verbosity, as in GridSearchCV.
    pre_dispatch : int or str, default="2*n_jobs"
        As in GridSearchCV.
    error_score : "raise" or float, default=np.nan
        As in GridSearchCV.
    return_train_score : bool, default=False
        As in GridSearchCV.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        GridSearchCV's keys, with the split keys per seed:
        ``split{k}_seed{j}_test_score`` (and ``..._train_score``),
        ``seed{j}_test_score`` (mean over the splits for seed ``j``),
        ``mean_test_score`` and ``std_test_score`` over all (seed, split)
        pairs, ``seed_std_test_score`` (std of the per-seed scores with
        ``ddof=1``, the package's convention for spreads between seeds; NaN
        with one seed),
        ``aggregated_test_score`` (the ranking statistic) and
        ``rank_test_score`` (by ``aggregated_test_score``). With several
        metrics ``score`` is replaced by each metric's name.
    best_estimator_ : estimator
        The best candidate refitted on fresh seeds (a seed ensemble when
        ``refit_n_seeds`` is set).
    best_score_ : float
        ``aggregated_test_score`` of the best candidate.
    best_params_ : dict
        Parameters of the best candidate.
    best_index_ : int
        Index of the best candidate in ``cv_results_``.
    seeds_ : ndarray of shape (n_seeds,)
        The tuning seeds.
    refit_seeds_ : ndarray
        The refit seed(s), disjoint from ``seeds_``; with ``refit_n_seeds``
        they are ``best_estimator_.seeds_``.
    scorer_ : function or dict
        The scorer(s) used.
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds spent refitting.
    multimetric_ : bool
        Whether several metrics were evaluated.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : the seed-blind search.
    seed_cross_validate : score variance across seeds for one model.

    Notes
    -----
    A grid over ``random_state`` in :class:`~sklearn.model_selection.GridSearchCV`
    picks the seed whose CV score is highest, which is optimistic: the
    selected seed's score on a fresh draw regresses to the mean [1]_.
    Tuning also overfits the tuning seeds; the refit therefore uses seeds
    disjoint from them, as recommended by [2]_.

    References
    ----------
    .. [1] Picard, D. "Torch.manual_seed(3407) is all you need: On the
       influence of random seeds in deep learning architectures for computer
       vision", 2021.
    .. [2] Eimer, T., Lindauer, M. and Raileanu, R. "Hyperparameters in
       Reinforcement Learning and How To Tune Them", ICML 2023.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import SeedSearchCV
    >>> X, y = make_classification(n_samples=150, random_state=0)
    >>> search = SeedSearchCV(
    ...     DecisionTreeClassifier(max_features=3),
    ...     {"max_depth": [2, 4]},
    ...     n_seeds=3,
    ...     cv=3,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> search.cv_results_["seed_std_test_score"].shape
    (2,)
    >>> set(search.refit_seeds_.tolist()) & set(search.seeds_.tolist())
    set()
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_grid": [dict, list],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "aggregation": [_AggregationOption()],
        "refit_n_seeds": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        n_seeds: int = 5,
        aggregation: str = "mean",
        scoring=None,
        cv=5,
        refit=True,
        refit_n_seeds: int | None = None,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score: bool = False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid
        self.n_seeds = n_seeds
        self.aggregation = aggregation
        self.refit_n_seeds = refit_n_seeds
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = inner.target_tags.multi_output
        if self.refit_n_seeds is not None and tags.classifier_tags is not None:
            # the refitted SeedEnsembleClassifier takes 1-d class labels only
            tags.classifier_tags.multi_label = False
            tags.target_tags.multi_output = False
        return tags

    # -- fit ----------------------------------------------------------------

    def _check_refit_before_search(self):
        """The multi-metric refit check, before any fit is spent."""
        scoring = self.scoring
        if isinstance(scoring, (list, tuple, set, dict)):
            self._check_refit_for_multimetric(list(scoring))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Score every candidate on every (seed, split), then refit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target.
        **params : dict of str -> object
            Fit parameters for the estimator, the scorer and the splitter, as
            in :meth:`sklearn.model_selection.GridSearchCV.fit`. With metadata
            routing enabled they are routed by the requests; without it,
            ``groups`` goes to the splitter, ``sample_weight`` to the
            estimator (a Pipeline's final step when that step accepts it)
            and to scorers that take it, as GridSearchCV does, and anything
            else to the estimator's ``fit``.

        Returns
        -------
        self : SeedSearchCV
            The fitted search.
        """
        n_jobs = check_n_jobs(self.n_jobs)
        if y is not None and np.asarray(y).dtype.kind == "f":
            if not np.all(np.isfinite(np.asarray(y, dtype=float))):
                raise ValueError("Input y contains NaN or infinity.")
        self._check_refit_before_search()
        if not routing_enabled() and "sample_weight" in params:
            # fails early, before the search, when nothing can take weights
            sample_weight_params(self.estimator, params["sample_weight"])
        warn_if_unseeded(self.estimator, "SeedSearchCV")
        rng = check_random_state(self.random_state)
        seeds = derive_seeds(rng, self.n_seeds)
        refit_state = int(derive_seeds(rng, 1)[0])
        n_refit = 1 if self.refit_n_seeds is None else self.refit_n_seeds

        search = _SeedGridSearch(
            self.estimator,
            self.param_grid,
            seeds,
            aggregation=self.aggregation,
            scoring=self.scoring,
            cv=self.cv,
            n_jobs=n_jobs,
            verbose=self.verbose,
            pre_dispatch=self.pre_dispatch,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
        ).fit(X, y, **params)

        self.seeds_ = seeds
        self.refit_seeds_ = derive_seeds(refit_state, n_refit, exclude=seeds)
        self.cv_results_ = results = search.cv_results_
        self.multimetric_ = search.multimetric_
        self.scorer_ = search.scorer_
        self.n_splits_ = search.n_splits_
        if self.multimetric_:
            names = [
                k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
            ]
            self._check_refit_for_multimetric(names)
            metric = self.refit if isinstance(self.refit, str) else None
        else:
            metric = "score"
        if self.refit or not self.multimetric_:
            self.best_index_ = int(self._select_best_index(self.refit, metric, results))
            if not callable(self.refit):
                self.best_score_ = float(
                    results[f"aggregated_test_{metric}"][self.best_index_]
                )
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self._refit_best(X, y, params, refit_state, n_jobs)
        return self

    def _refit_best(self, X, y, params, refit_state, n_jobs):
        """Refit the best candidate on fresh seeds (disjoint from ``seeds_``)."""
        best = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
        if self.refit_n_seeds is not None:
            kind = (
                SeedEnsembleClassifier if is_classifier(best) else SeedEnsembleRegressor
            )
            best = kind(
                best,
                n_seeds=self.refit_n_seeds,
                n_jobs=n_jobs,
                random_state=refit_state,
                exclude_seeds=self.seeds_,
                verbose=self.verbose,
            )
        else:
            best = set_random_state(best, int(self.refit_seeds_[0]))
        if routing_enabled():
            fit_params = process_routing(self, "fit", **params).estimator.fit
        else:
            fit_params = {k: v for k, v in params.items() if k != "groups"}
            if self.refit_n_seeds is None and "sample_weight" in fit_params:
                weights = fit_params.pop("sample_weight")
                fit_params.update(sample_weight_params(best, weights))
        start = time.time()
        if y is None:
            best.fit(X, **fit_params)
        else:
            best.fit(X, y, **fit_params)
        self.refit_time_ = time.time() - start
        self.best_estimator_ = best
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_

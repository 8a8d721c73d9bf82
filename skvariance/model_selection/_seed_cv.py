"""Cross-validation repeated over seeds, and its variance decomposition."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import check_array, check_random_state, indexable
from sklearn.utils.parallel import Parallel, delayed

from ..utils._seeds import derive_seeds, set_random_state, warn_if_unseeded
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    _check_method_params,
    _safe_indexing,
    validate_params,
)

__all__ = ["SeedCVResult", "seed_cross_validate", "variance_components"]

_COMPONENTS = ("seed", "split", "residual")


def variance_components(scores) -> dict[str, np.ndarray]:
    """Two-way random-effects decomposition of a seeds x splits score table.

    Fits :math:`s_{jk} = \\mu + a_j + b_k + e_{jk}` with independent seed
    effects :math:`a_j \\sim (0, \\sigma^2_{seed})`, split effects
    :math:`b_k \\sim (0, \\sigma^2_{split})` and residuals
    :math:`e_{jk} \\sim (0, \\sigma^2_{res})` by the ANOVA (expected mean
    squares) estimator, negative estimates truncated at zero.

    Parameters
    ----------
    scores : array-like of shape (..., n_seeds, n_splits)
        Scores, one per (seed, split) cell; leading axes are batches (used
        for bootstrap resamples). Needs ``n_seeds >= 2`` and ``n_splits >= 2``.

    Returns
    -------
    components : dict of str to ndarray of shape (...)
        ``"seed"``, ``"split"`` and ``"residual"`` variances.

    Notes
    -----
    With one score per cell the seed x split interaction cannot be told
    apart from the residual: a seed that is lucky on one split only counts as
    residual. With mean squares :math:`MS_{seed}`, :math:`MS_{split}`,
    :math:`MS_{res}` on :math:`S - 1`, :math:`K - 1` and
    :math:`(S - 1)(K - 1)` degrees of freedom,

    .. math::

        \\hat\\sigma^2_{seed} = \\max(0, (MS_{seed} - MS_{res}) / K),\\quad
        \\hat\\sigma^2_{split} = \\max(0, (MS_{split} - MS_{res}) / S),\\quad
        \\hat\\sigma^2_{res} = MS_{res}.

    References
    ----------
    .. [1] Searle, S. R., Casella, G. and McCulloch, C. E. "Variance
       Components", Wiley, 1992, chapter 4 (balanced two-way crossed model).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.model_selection import variance_components
    >>> scores = np.array([[0.80, 0.70], [0.84, 0.74], [0.82, 0.72]])
    >>> {k: round(float(v), 4) for k, v in variance_components(scores).items()}
    {'seed': 0.0004, 'split': 0.005, 'residual': 0.0}
    """
    s = np.asarray(scores, dtype=float)
    n_seeds, n_splits = s.shape[-2:]
    if n_seeds < 2 or n_splits < 2:
        raise ValueError(
            "scores must have at least 2 seeds and 2 splits to separate the "
            f"variance components, got shape {s.shape[-2:]}."
        )
    grand = s.mean(axis=(-2, -1), keepdims=True)
    seed_means = s.mean(axis=-1, keepdims=True)
    split_means = s.mean(axis=-2, keepdims=True)
    ms_seed = (
        n_splits * np.sum((seed_means - grand) ** 2, axis=(-2, -1)) / (n_seeds - 1)
    )
    ms_split = (
        n_seeds * np.sum((split_means - grand) ** 2, axis=(-2, -1)) / (n_splits - 1)
    )
    resid = s - seed_means - split_means + grand
    ms_res = np.sum(resid**2, axis=(-2, -1)) / ((n_seeds - 1) * (n_splits - 1))
    return {
        "seed": np.maximum(0.0, (ms_seed - ms_res) / n_splits),
        "split": np.maximum(0.0, (ms_split - ms_res) / n_seeds),
        "residual": ms_res,
    }


class SeedCVResult:
    """Scores of :func:`seed_cross_validate` and their variance decomposition.

    Attributes
    ----------
    scores : dict of str to ndarray of shape (n_seeds, n_splits)
        Test score of each metric on every (seed, split).
    seeds : ndarray of shape (n_seeds,)
        Top-level seed of each row; every nested ``random_state`` of the
        estimator was derived from it with
        :func:`~skvariance.utils.set_random_state`.
    n_test : ndarray of shape (n_splits,)
        Test-set size of each split.
    fit_time, score_time : ndarray of shape (n_seeds, n_splits)
        Seconds per fit and per scoring.
    components : dict of str to dict of str to float
        ``components[metric]`` maps ``"seed"``, ``"split"``, ``"residual"``
        and ``"total"`` (their sum) to a variance.
    components_ci : dict of str to dict of str to tuple of float
        Bootstrap ``(low, high)`` interval of each component.
    within_split_seed_variance : dict of str to float
        Observed variance between seeds on a fixed test set (variance over
        seeds, averaged over splits, ``ddof=1``): seed plus residual part.
    binomial_variance : dict of str to float
        For accuracy-like metrics only, the test-set sampling variance
        :math:`\\bar p (1 - \\bar p) / n_{test}` averaged over splits, to set
        beside ``within_split_seed_variance``.
    confidence_level : float
        Level of the bootstrap intervals.

    See Also
    --------
    seed_cross_validate : produces this object.
    skvariance.plotting.SeedVarianceDisplay : plots it.
    """

    def __init__(
        self,
        *,
        scores,
        seeds,
        n_test,
        fit_time,
        score_time,
        components,
        components_ci,
        within_split_seed_variance,
        binomial_variance,
        confidence_level,
    ):
        self.scores = scores
        self.seeds = seeds
        self.n_test = n_test
        self.fit_time = fit_time
        self.score_time = score_time
        self.components = components
        self.components_ci = components_ci
        self.within_split_seed_variance = within_split_seed_variance
        self.binomial_variance = binomial_variance
        self.confidence_level = confidence_level

    @property
    def metrics(self) -> list[str]:
        """Names of the metrics, in the order they were given."""
        return list(self.scores)

    def summary(self) -> dict[str, np.ndarray]:
        """The decomposition as a table: a dict of equally long arrays.

        One row per (metric, component), components ``"seed"``, ``"split"``,
        ``"residual"`` and ``"total"``; columns ``metric``, ``component``,
        ``variance``, ``std``, ``share`` (of the total), ``ci_low``,
        ``ci_high``, and ``mean_score`` (the metric's grand mean).

        Returns
        -------
        table : dict of str to ndarray
            Columns of the table.
        """
        rows: dict[str, list] = {
            key: []
            for key in (
                "metric",
                "component",
                "variance",
                "std",
                "share",
                "ci_low",
                "ci_high",
                "mean_score",
            )
        }
        for metric in self.metrics:
            comp = self.components[metric]
            total = comp["total"]
            for name in (*_COMPONENTS, "total"):
                low, high = self.components_ci[metric][name]
                rows["metric"].append(metric)
                rows["component"].append(name)
                rows["variance"].append(comp[name])
                rows["std"].append(np.sqrt(comp[name]))
                rows["share"].append(comp[name] / total if total > 0 else np.nan)
                rows["ci_low"].append(low)
                rows["ci_high"].append(high)
                rows["mean_score"].append(float(np.mean(self.scores[metric])))
        return {
            key: np.asarray(
                val, dtype=object if key in ("metric", "component") else float
            )
            for key, val in rows.items()
        }

    def to_frame(self):
        """The :meth:`summary` table as a pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
            One row per (metric, component).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "SeedCVResult.to_frame needs pandas; use summary() for a dict "
                "of arrays instead."
            ) from exc
        return pd.DataFrame(self.summary())

    def __repr__(self) -> str:
        parts = []
        for metric in self.metrics:
            comp = self.components[metric]
            parts.append(
                f"{metric}: mean={np.mean(self.scores[metric]):.4g}, "
                + ", ".join(f"{k}={comp[k]:.3g}" for k in (*_COMPONENTS, "total"))
            )
        n_seeds, n_splits = next(iter(self.scores.values())).shape
        return (
            f"SeedCVResult(n_seeds={n_seeds}, n_splits={n_splits}; "
            + "; ".join(parts)
            + ")"
        )


def _scorers(estimator, scoring) -> tuple[dict[str, Callable], set[str]]:
    """``{name: scorer}`` and the names whose metric is plain accuracy."""
    if scoring is None:
        scorers = {"score": check_scoring(estimator)}
        accuracy = {"score"} if is_classifier(estimator) else set()
    elif isinstance(scoring, str):
        scorers = {scoring: get_scorer(scoring)}
        accuracy = {scoring} if scoring == "accuracy" else set()
    elif callable(scoring):
        scorers = {"score": scoring}
        accuracy = set()
    elif isinstance(scoring, dict):
        if not scoring:
            raise ValueError("scoring must not be an empty dict.")
        scorers = {
            name: get_scorer(spec) if isinstance(spec, str) else spec
            for name, spec in scoring.items()
        }
        accuracy = {name for name, spec in scoring.items() if spec == "accuracy"}
    else:
        names = list(scoring)
        if not names or not all(isinstance(n, str) for n in names):
            raise ValueError(
                "scoring must be None, a scorer name, a callable, a non-empty "
                f"list of scorer names or a dict of scorers; got {scoring!r}."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"scoring contains duplicate names: {names}.")
        scorers = {name: get_scorer(name) for name in names}
        accuracy = {"accuracy"} & set(names)
    return scorers, accuracy


def _fit_and_score_seed(estimator, X, y, train, test, scorers, fit_params):
    X_train, y_train = _index(X, train), _index(y, train)
    X_test, y_test = _index(X, test), _index(y, test)
    start = time.perf_counter()
    estimator.fit(X_train, y_train, **_check_method_params(X, fit_params, train))
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    scores = {
        name: float(scorer(estimator, X_test, y_test))
        for name, scorer in scorers.items()
    }
    return scores, fit_time, time.perf_counter() - start


def _index(data, indices):
    return _safe_indexing(data, indices)


def _bootstrap_components(scores, n_bootstrap, rng):
    """Crossed bootstrap: seeds and splits resampled independently."""
    n_seeds, n_splits = scores.shape
    rows = rng.randint(n_seeds, size=(n_bootstrap, n_seeds))
    cols = rng.randint(n_splits, size=(n_bootstrap, n_splits))
    resampled = scores[rows[:, :, None], cols[:, None, :]]
    comp = variance_components(resampled)
    comp["total"] = comp["seed"] + comp["split"] + comp["residual"]
    return comp


@validate_params(
    {
        "estimator": [HasMethods(["fit"])],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "groups": ["array-like", None],
        "cv": ["cv_object"],
        "n_seeds": [Interval(Integral, 2, None, closed="left")],
        "scoring": [str, callable, list, tuple, set, dict, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "params": [dict, None],
        "n_bootstrap": [Interval(Integral, 1, None, closed="left")],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=False,
)
def seed_cross_validate(
    estimator,
    X,
    y,
    *,
    groups=None,
    cv=5,
    n_seeds: int = 10,
    scoring=None,
    n_jobs: int | None = None,
    random_state=None,
    params: dict | None = None,
    n_bootstrap: int = 2000,
    confidence_level: float = 0.95,
) -> SeedCVResult:
    """Cross-validate under ``n_seeds`` seeds and split the score variance.

    The same train/test splits are used for every seed, so a score table of
    shape ``(n_seeds, n_splits)`` separates what the seed changes from what
    the split changes. For seed ``j``, every nested ``random_state`` of the
    estimator (Pipeline steps, meta-estimators, samplers) is set by
    :func:`~skvariance.utils.set_random_state` from the derived seed
    ``seeds[j]``.

    Parameters
    ----------
    estimator : estimator object
        The model to evaluate; cloned for every fit.
    X : array-like of shape (n_samples, n_features)
        Data, indexed by the splits as given (pandas included).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target; NaN or infinity raise a ``ValueError``.
    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware splitters.
    cv : int, cross-validation generator or iterable, default=5
        As in :func:`sklearn.model_selection.cross_validate`; it must yield at
        least 2 splits. A splitter with a ``random_state`` is used as given:
        the splits are not re-drawn per seed.
    n_seeds : int, default=10
        Number of seeds (>= 2: one seed cannot show seed variance).
    scoring : str, callable, list, tuple, set or dict, default=None
        Metric(s) as in :func:`sklearn.model_selection.cross_validate`;
        ``None`` uses the estimator's ``score``. Unknown names raise a
        ``ValueError``.
    n_jobs : int, default=None
        The ``n_seeds * n_splits`` fits run in parallel through
        :class:`sklearn.utils.parallel.Parallel`; results do not depend on
        ``n_jobs`` or on the joblib backend.
    random_state : int, RandomState instance or None, default=None
        Source of the seeds and of the bootstrap.
    params : dict, default=None
        Fit parameters (for example ``sample_weight``), indexed like ``X``.
    n_bootstrap : int, default=2000
        Bootstrap resamples for the intervals of the components.
    confidence_level : float, default=0.95
        Level of the bootstrap percentile intervals.

    Returns
    -------
    result : SeedCVResult
        Scores, the variance components with bootstrap intervals, and the
        binomial test-set variance for accuracy.

    See Also
    --------
    variance_components : the decomposition on any score table.
    SeedSearchCV : hyperparameter search with the seed as a nuisance.
    skvariance.plotting.SeedVarianceDisplay : plot the result.

    Notes
    -----
    The decomposition is the balanced two-way random-effects model of
    :func:`variance_components`. Intervals come from a crossed bootstrap that
    resamples seeds and splits independently with replacement; with 5 splits
    the split component's interval is necessarily wide.

    For accuracy (``scoring="accuracy"``, or ``scoring=None`` for a
    classifier) the test-set sampling variance :math:`p(1 - p)/n_{test}` is
    reported beside the variance between seeds on a fixed test set. Jordan
    [1]_ shows that the two are close: most of the test-score spread between
    runs is test-set sampling noise, not a difference in the learned
    distribution-level accuracy.

    References
    ----------
    .. [1] Jordan, K. "Calibrated Chaos: Variance Between Runs of Neural
       Network Training is Harmless and Inevitable", 2023.
    .. [2] Madaan, L. et al. "Quantifying Variance in Evaluation Benchmarks",
       2024.
    .. [3] Bouthillier, X. et al. "Accounting for Variance in Machine Learning
       Benchmarks", MLSys 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skvariance.model_selection import seed_cross_validate
    >>> X, y = make_classification(n_samples=120, random_state=0)
    >>> forest = RandomForestClassifier(n_estimators=5, max_depth=3)
    >>> res = seed_cross_validate(forest, X, y, cv=3, n_seeds=4, random_state=0)
    >>> res.scores["score"].shape
    (4, 3)
    >>> sorted(res.components["score"])
    ['residual', 'seed', 'split', 'total']
    >>> "score" in res.binomial_variance
    True
    """
    X, y, groups = indexable(X, y, groups)
    check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True, input_name="y")
    cv = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(cv.split(X, y, groups))
    if len(splits) < 2:
        raise ValueError(
            f"cv must give at least 2 train/test splits to separate split "
            f"variance from seed variance; got {len(splits)}."
        )
    scorers, accuracy_like = _scorers(estimator, scoring)
    warn_if_unseeded(estimator, "seed_cross_validate")
    fit_params = dict(params or {})

    rng = check_random_state(random_state)
    seeds = derive_seeds(rng, n_seeds)
    boot_rng = np.random.RandomState(int(derive_seeds(rng, 1, exclude=seeds)[0]))

    tasks = [
        (set_random_state(clone(estimator), int(seed)), train, test)
        for seed in seeds
        for train, test in splits
    ]
    out = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_score_seed)(member, X, y, train, test, scorers, fit_params)
        for member, train, test in tasks
    )
    n_splits = len(splits)
    shape = (n_seeds, n_splits)
    scores = {
        name: np.array([o[0][name] for o in out], dtype=float).reshape(shape)
        for name in scorers
    }
    fit_time = np.array([o[1] for o in out]).reshape(shape)
    score_time = np.array([o[2] for o in out]).reshape(shape)
    n_test = np.array([len(test) for _, test in splits], dtype=np.int64)

    alpha = 1.0 - confidence_level
    components, components_ci, within, binomial = {}, {}, {}, {}
    for name, table in scores.items():
        comp = {k: float(v) for k, v in variance_components(table).items()}
        comp["total"] = comp["seed"] + comp["split"] + comp["residual"]
        components[name] = comp
        boot = _bootstrap_components(table, n_bootstrap, boot_rng)
        components_ci[name] = {
            k: (
                float(np.quantile(boot[k], alpha / 2)),
                float(np.quantile(boot[k], 1 - alpha / 2)),
            )
            for k in (*_COMPONENTS, "total")
        }
        within[name] = float(np.mean(np.var(table, axis=0, ddof=1)))
        if name in accuracy_like:
            p = table.mean(axis=0)
            binomial[name] = float(np.mean(p * (1.0 - p) / n_test))
    return SeedCVResult(
        scores=scores,
        seeds=seeds,
        n_test=n_test,
        fit_time=fit_time,
        score_time=score_time,
        components=components,
        components_ci=components_ci,
        within_split_seed_variance=within,
        binomial_variance=binomial,
        confidence_level=confidence_level,
    )

"""Hyperparameter importance (functional ANOVA) beside seed and split noise."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from ..utils.parallel import check_verbose, report
from ._seed_cv import variance_components

__all__ = ["HyperparameterImportanceResult", "hyperparameter_importance"]

_METHODS = ("auto", "anova", "fanova")
_ABSENT = "<absent>"


@dataclass(eq=False)
class HyperparameterImportanceResult:
    """Outcome of :func:`hyperparameter_importance`.

    Attributes
    ----------
    main_effects : dict of str to float
        Variance of the mean score explained by each hyperparameter alone.
    interactions : dict of (str, str) to float
        Variance explained by each pair beyond its two main effects.
    total_variance : float
        Variance of the mean score over the design (the search space).
    expected_noise : dict
        The value each main effect or interaction would take on average if
        the hyperparameter did nothing and the candidate means only carried
        seed and split noise: :math:`(L - 1)\\sigma^2_n / N` for a
        hyperparameter with :math:`L` values over :math:`N` candidates
        (pairs: :math:`(L_a - 1)(L_b - 1)\\sigma^2_n / N`), exact for a
        full grid (ANOVA expected mean squares), an approximation for
        ``"fanova"`` (with :math:`L` the levels of the surrogate's grid). An
        effect close to it is not distinguishable from noise. Empty when the
        noise cannot be estimated (a single split).
    seed_variance : float
        Variance of a single score due to the seed (two-way random-effects
        estimate per candidate, averaged); NaN when the search used one seed.
    split_variance : float
        Variance of a single score due to the cross-validation split.
    noise_variance : float
        Variance of a candidate's mean score due to seed and residual noise:
        how much the candidates would differ with no hyperparameter effect.
    method : str
        ``"anova"`` (exact, full grid) or ``"fanova"`` (random-forest
        surrogate).
    metric : str
        Scored metric.
    n_candidates : int
        Candidates used.
    params : list of str
        Hyperparameter names, in order.
    levels : dict of str to list
        The values each hyperparameter took, in the order the analysis used:
        numbers by value, then ``None``, booleans, strings, other objects
        (so ``[2, 10, None]`` stays in that order).
    """

    main_effects: dict
    interactions: dict
    total_variance: float
    expected_noise: dict = field(repr=False)
    seed_variance: float
    split_variance: float
    noise_variance: float
    method: str
    metric: str
    n_candidates: int
    params: list = field(default_factory=list)
    levels: dict = field(default_factory=dict, repr=False)

    @property
    def importances(self) -> dict:
        """Share of ``total_variance`` explained by each hyperparameter alone."""
        return {k: _share(v, self.total_variance) for k, v in self.main_effects.items()}

    @property
    def interaction_importances(self) -> dict:
        """Share of ``total_variance`` explained by each pair's interaction."""
        return {k: _share(v, self.total_variance) for k, v in self.interactions.items()}

    def summary(self) -> dict:
        """A table (dict of equally long arrays), one row per term.

        Columns ``term``, ``kind`` (``"main"``, ``"interaction"``, ``"seed"``,
        ``"split"``, ``"noise"``), ``variance``, ``std`` and ``share`` (of
        ``total_variance``), ``expected_noise``. Hyperparameter
        rows are sorted by variance, largest first.
        """
        rows = []
        for name, v in sorted(self.main_effects.items(), key=lambda kv: -kv[1]):
            rows.append((name, "main", v, self.expected_noise.get(name, np.nan)))
        for pair, v in sorted(self.interactions.items(), key=lambda kv: -kv[1]):
            rows.append(
                (
                    " x ".join(pair),
                    "interaction",
                    v,
                    self.expected_noise.get(pair, np.nan),
                )
            )
        rows.append(("seed", "seed", self.seed_variance, np.nan))
        rows.append(("split", "split", self.split_variance, np.nan))
        rows.append(("noise of a candidate mean", "noise", self.noise_variance, np.nan))
        variance = np.array([r[2] for r in rows], dtype=float)
        return {
            "term": np.array([r[0] for r in rows], dtype=object),
            "kind": np.array([r[1] for r in rows], dtype=object),
            "variance": variance,
            "std": np.sqrt(variance),
            "share": np.array([_share(v, self.total_variance) for v in variance]),
            "expected_noise": np.array([r[3] for r in rows], dtype=float),
        }

    def to_frame(self):
        """The :meth:`summary` table as a pandas DataFrame."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "to_frame needs pandas; use summary() for a dict of arrays."
            ) from exc
        return pd.DataFrame(self.summary())


def _share(value, total):
    return float(value / total) if total > 0 else float("nan")


# -- reading a fitted search ------------------------------------------------------
def _metric(search, results, metric):
    if metric is not None:
        if f"mean_test_{metric}" not in results:
            names = sorted(
                k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
            )
            raise ValueError(f"metric {metric!r} is not in the search; it has {names}.")
        return metric
    if "mean_test_score" in results:
        return "score"
    refit = getattr(search, "refit", None)
    if isinstance(refit, str) and f"mean_test_{refit}" in results:
        return refit
    raise ValueError("the search scored several metrics; choose one with metric=...")


def _split_table(results, metric, rows):
    """Scores per candidate: (n_candidates, n_seeds, n_splits) or (n, 1, n_splits)."""
    seed_pat = re.compile(rf"^split(\d+)_seed(\d+)_test_{re.escape(metric)}$")
    plain_pat = re.compile(rf"^split(\d+)_test_{re.escape(metric)}$")
    seeded = {}
    plain = {}
    for key in results:
        m = seed_pat.match(key)
        if m:
            seeded[(int(m.group(2)), int(m.group(1)))] = key
            continue
        m = plain_pat.match(key)
        if m:
            plain[int(m.group(1))] = key
    if seeded:
        n_seeds = 1 + max(j for j, _ in seeded)
        n_splits = 1 + max(k for _, k in seeded)
        table = np.empty((len(rows), n_seeds, n_splits))
        for (j, k), key in seeded.items():
            table[:, j, k] = np.asarray(results[key], dtype=float)[rows]
        return table
    if not plain:
        raise ValueError(f"the search has no per-split test scores for {metric!r}.")
    n_splits = 1 + max(plain)
    table = np.empty((len(rows), 1, n_splits))
    for k, key in plain.items():
        table[:, 0, k] = np.asarray(results[key], dtype=float)[rows]
    return table


def _noise(table):
    """(seed, split, noise of a candidate mean) from the per-candidate tables."""
    n, n_seeds, n_splits = table.shape
    if n_seeds >= 2 and n_splits >= 2:
        comp = variance_components(table)
        seed = float(np.mean(comp["seed"]))
        split = float(np.mean(comp["split"]))
        resid = float(np.mean(comp["residual"]))
        # split effects are shared by every candidate (same folds) and cancel
        # in comparisons; seed effects and residuals do not
        noise = seed / n_seeds + resid / (n_seeds * n_splits)
        return seed, split, noise
    flat = table.reshape(n, -1)
    k = flat.shape[1]
    if k < 2:
        return float("nan"), float("nan"), float("nan")
    # candidate x split two-way table (the caller checks n >= 2): split
    # effect shared, interaction (with the seed, fixed here) is the noise of
    # a candidate mean
    comp = variance_components(flat)
    return float("nan"), float(comp["split"]), float(comp["residual"]) / k


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and bool(np.isfinite(v))


def _level_key(v):
    """Natural order of a hyperparameter's values, whatever their types.

    Numbers by value (so 2 < 10, not '10' < '2'), then ``None``, booleans,
    strings alphabetically, and anything else by its ``repr``; a
    hyperparameter missing from some candidates comes last.
    """
    if v is _ABSENT:
        return (5, 0.0, "")
    if _is_number(v):
        return (0, float(v), "")
    if v is None:
        return (1, 0.0, "")
    if isinstance(v, (bool, np.bool_)):
        return (2, float(v), "")
    if isinstance(v, str):
        return (3, 0.0, v)
    return (4, 0.0, repr(v))


def _encode(params_list):
    """Columns per hyperparameter: (names, codes, levels, values, numeric flags).

    A numeric hyperparameter is coded by its values; any other by the index
    of its value among its levels in their natural order (:func:`_level_key`),
    ``values`` holding the original value of each level.
    """
    names = sorted({key for p in params_list for key in p})
    columns, levels, values, numeric = [], [], [], []
    for name in names:
        col_values = [p.get(name, _ABSENT) for p in params_list]
        is_num = all(_is_number(v) for v in col_values)
        if is_num:
            col = np.asarray(col_values, dtype=float)
            lv = np.unique(col)
            levels.append(lv)
            values.append([v.item() for v in lv])
        else:
            uniq = []
            for v in col_values:  # distinct by equality, unhashables included
                if not any(v is u or _same(v, u) for u in uniq):
                    uniq.append(v)
            uniq.sort(key=_level_key)
            col = np.asarray(
                [
                    next(i for i, u in enumerate(uniq) if v is u or _same(v, u))
                    for v in col_values
                ],
                dtype=float,
            )
            levels.append(np.arange(len(uniq), dtype=float))
            values.append(uniq)
        columns.append(col)
        numeric.append(is_num)
    X = np.column_stack(columns) if columns else np.empty((len(params_list), 0))
    return names, X, levels, values, numeric


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # arrays or objects without a boolean ==
        return repr(a) == repr(b)


def _surrogate_features(X, values, numeric, order):
    """Features the surrogate forest sees, independent of the names of categories.

    A numeric hyperparameter is one column of its values. Any other gets one
    indicator column per non-numeric level, in the order ``order[j]`` (by the
    mean score of the candidates with that level, so that neither the names
    nor an alphabetical order of the categories can change the forest), plus,
    when two or more of its levels are numbers (as in
    ``max_depth=[2, 10, None]``), one column holding those numbers and NaN
    elsewhere (the forest handles the missing values).
    """
    cols = []
    for j, is_num in enumerate(numeric):
        x = X[:, j]
        if is_num:
            cols.append(x)
            continue
        codes = x.astype(np.intp)
        lv = values[j]
        number = np.array([float(v) if _is_number(v) else np.nan for v in lv])
        if np.sum(np.isfinite(number)) >= 2:
            cols.append(number[codes])
        for k in order[j]:
            cols.append((codes == k).astype(float))
    return np.column_stack(cols)


def _category_order(X, y, values, numeric):
    """Per hyperparameter, its non-numeric levels sorted by mean score."""
    order = []
    for j, is_num in enumerate(numeric):
        if is_num:
            order.append([])
            continue
        codes = X[:, j].astype(np.intp)
        ks = [k for k, v in enumerate(values[j]) if not _is_number(v)]
        means = {k: float(np.mean(y[codes == k])) for k in ks}
        order.append(sorted(ks, key=lambda k: (means[k], k)))
    return order


def _is_full_grid(X, levels):
    """Every combination of levels appears the same number of times."""
    cells = int(np.prod([len(lv) for lv in levels]))
    index = _cell_index(X, levels)
    counts = np.bincount(index, minlength=cells)
    return bool(np.all(counts == counts[0]) and counts[0] > 0)


def _cell_index(X, levels):
    idx = np.zeros(X.shape[0], dtype=np.int64)
    for j, lv in enumerate(levels):
        idx = idx * len(lv) + np.searchsorted(lv, X[:, j])
    return idx


def _grid_anova(grid):
    """Main effects and pairwise interactions of a full factorial array."""
    d = grid.ndim
    total = float(np.var(grid))
    axes = range(d)
    main = {}
    for h in axes:
        m = grid.mean(axis=tuple(a for a in axes if a != h))
        main[h] = float(np.var(m))
    pairs = {}
    for h, k in combinations(axes, 2):
        m = grid.mean(axis=tuple(a for a in axes if a not in (h, k)))
        pairs[(h, k)] = max(0.0, float(np.var(m)) - main[h] - main[k])
    return total, main, pairs


def _fanova_grid(
    X, y, levels, values, numeric, n_grid, max_cells, random_state, n_trees, verbose=0
):
    """Fit a forest surrogate and evaluate it on a product grid of levels.

    Returns the predicted grid and the number of grid levels of each
    hyperparameter.
    """
    from sklearn.ensemble import RandomForestRegressor

    order = _category_order(X, y, values, numeric)
    report(
        verbose,
        "hyperparameter_importance",
        f"fitting a surrogate forest of {n_trees} trees on {len(y)} candidates",
    )
    forest = RandomForestRegressor(
        n_estimators=n_trees,
        min_samples_leaf=1,
        random_state=random_state,
        verbose=verbose,
    ).fit(_surrogate_features(X, values, numeric, order), y)
    d = X.shape[1]
    m = n_grid
    while True:
        grid_levels = []
        for j in range(d):
            lv = levels[j]
            if numeric[j] and lv.size > m:
                lv = np.unique(np.quantile(X[:, j], np.linspace(0, 1, m)))
            grid_levels.append(lv)
        cells = int(np.prod([len(lv) for lv in grid_levels]))
        if cells <= max_cells or m <= 2:
            break
        m -= 1
    if cells > max_cells:
        raise ValueError(
            f"the product grid of {d} hyperparameters has {cells} cells even with 2 "
            f"levels per numeric one; raise max_cells (now {max_cells})."
        )
    mesh = np.meshgrid(*grid_levels, indexing="ij")
    points = np.column_stack([g.ravel() for g in mesh])
    features = _surrogate_features(points, values, numeric, order)
    shape = [len(lv) for lv in grid_levels]
    report(
        verbose,
        "hyperparameter_importance",
        f"evaluating the surrogate on a grid of {cells} cells",
    )
    return forest.predict(features).reshape(shape), shape


def hyperparameter_importance(
    search,
    *,
    method: str = "auto",
    metric: str | None = None,
    n_grid: int = 10,
    n_trees: int = 100,
    max_cells: int = 50_000,
    random_state=None,
    verbose: int = 0,
) -> HyperparameterImportanceResult:
    """How much of the score variance each hyperparameter explains, beside noise.

    Functional ANOVA of the mean test score over the candidates of a fitted
    search: the variance of the score over the search space splits into a
    main effect of each hyperparameter, interactions of pairs and higher
    orders. The result sets each part beside the variance of a score due to
    the seed and to the split, and beside the noise in a candidate's mean
    score, so that an "important" hyperparameter whose effect is no larger
    than the seed noise is recognised as such.

    Parameters
    ----------
    search : fitted search object
        ``GridSearchCV``, ``RandomizedSearchCV``, ``HalvingGridSearchCV``,
        ``HalvingRandomSearchCV`` or :class:`SeedSearchCV` (any object with
        scikit-learn's ``cv_results_``). For halving searches the first
        iteration is used: every candidate on the same budget.
    method : {"auto", "anova", "fanova"}, default="auto"
        ``"anova"``: exact decomposition, for a full grid (every combination
        of the hyperparameters' values evaluated equally often);
        ``"fanova"``: fit a random-forest surrogate of the score on the
        candidates and decompose its prediction over the product of the
        hyperparameters' observed values (for random or irregular designs);
        ``"auto"``: ``"anova"`` for a full grid, else ``"fanova"``.
    metric : str, default=None
        Metric of a multi-metric search; default the single metric, or the
        search's ``refit`` metric.
    n_grid : int, default=10
        Levels per numeric hyperparameter in the ``"fanova"`` grid (quantiles
        of the sampled values); reduced if the grid exceeds ``max_cells``.
    n_trees : int, default=100
        Trees of the surrogate forest.
    max_cells : int, default=50_000
        Largest product grid evaluated by ``"fanova"``.
    random_state : int, RandomState instance or None, default=None
        Seed of the surrogate forest.
    verbose : int, default=0
        Progress: ``0`` prints nothing; ``1`` and more print each stage and
        the surrogate forest's progress (``"fanova"``, as scikit-learn's
        forests print it). The result does not depend on it.

    Returns
    -------
    result : HyperparameterImportanceResult
        ``main_effects``, ``interactions``, ``importances`` (shares),
        ``seed_variance``, ``split_variance``, ``noise_variance``,
        ``to_frame()``; plot it with
        :class:`~skvariance.plotting.HyperparameterImportanceDisplay`.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the search has no ``cv_results_``.
    ValueError
        If a candidate's score is NaN (a failed fit), the search has a single
        candidate, or ``method="anova"`` is asked for an incomplete grid.

    See Also
    --------
    SeedSearchCV : a search whose per-seed scores separate seed variance.
    variance_components : the seed / split decomposition used here.

    Notes
    -----
    Shares are of the variance over the design with each hyperparameter's
    values weighted equally (the grid or the sampled values), as in
    functional ANOVA. ``expected_noise`` gives the value a main effect or
    interaction would take from noise alone:
    :math:`(L_h - 1)\\sigma^2_n / N` for a hyperparameter with :math:`L_h`
    values over :math:`N` candidates, :math:`\\sigma^2_n` the
    ``noise_variance`` (exact for a full grid by the ANOVA expected mean
    squares; for ``"fanova"`` an approximation over the surrogate's grid).
    Values that are not all numbers (``max_depth=[2, 10, None]``) keep their
    natural order (numbers by value, then ``None``, booleans, strings), and
    the surrogate forest sees one indicator column per non-numeric value
    (ordered by mean score), so its result does not depend on the names or
    an arbitrary order of the categories. Seed variance needs a search with
    several seeds (:class:`SeedSearchCV`); with scikit-learn's searches only
    the split variance is available, and ``noise_variance`` comes from the
    candidate x split interaction.

    References
    ----------
    .. [1] Hutter, F., Hoos, H. and Leyton-Brown, K. "An Efficient Approach
       for Assessing Hyperparameter Importance", ICML 2014.
    .. [2] Eimer, T., Lindauer, M. and Raileanu, R. "Hyperparameters in
       Reinforcement Learning and How To Tune Them", ICML 2023.
    .. [3] Shi, C. et al. "A Thorough Examination of Decoding Methods in the
       Era of LLMs", 2024.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skvariance.model_selection import hyperparameter_importance
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> search = GridSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": [1, 2, 4, 8], "criterion": ["gini", "entropy"]},
    ...     cv=3,
    ... ).fit(X, y)
    >>> res = hyperparameter_importance(search)
    >>> res.method, max(res.importances, key=res.importances.get)
    ('anova', 'max_depth')
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    for name, value, low in (
        ("n_grid", n_grid, 2),
        ("n_trees", n_trees, 1),
        ("max_cells", max_cells, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    verbose = check_verbose(verbose)
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise NotFittedError(
            f"This {type(search).__name__} instance is not fitted yet: "
            "hyperparameter_importance needs a fitted search with cv_results_."
        )
    metric = _metric(search, results, metric)
    rows = np.arange(len(results["params"]))
    if "iter" in results:  # successive halving: the first, complete iteration
        it = np.asarray(results["iter"])
        rows = rows[it == it.min()]
    params_list = [results["params"][i] for i in rows]
    y = np.asarray(results[f"mean_test_{metric}"], dtype=float)[rows]
    if np.isnan(y).any():
        bad = [int(i) for i in rows[np.isnan(y)]]
        raise ValueError(
            f"the scores of candidates {bad} are NaN (failed fits); refit the "
            "search with error_score='raise' or drop them before computing "
            "importances."
        )
    if len(rows) < 2:
        raise ValueError("the search has a single candidate: nothing to compare.")
    names, X, levels, values, numeric = _encode(params_list)
    varying = [j for j, lv in enumerate(levels) if len(lv) > 1]
    names = [names[j] for j in varying]
    X, levels = X[:, varying], [levels[j] for j in varying]
    values = [values[j] for j in varying]
    numeric = [numeric[j] for j in varying]
    if not names:
        raise ValueError("no hyperparameter takes more than one value in the search.")
    table = _split_table(results, metric, rows)
    if np.isnan(table).any():
        raise ValueError(f"the per-split {metric!r} scores contain NaN.")
    seed_var, split_var, noise_var = _noise(table)

    full = _is_full_grid(X, levels)
    if method == "auto":
        method = "anova" if full else "fanova"
    if method == "anova" and not full:
        raise ValueError(
            "method='anova' needs a full grid (every combination of the "
            "hyperparameters' values evaluated equally often); use 'fanova'."
        )
    report(
        verbose, "hyperparameter_importance", f"{method} over {len(rows)} candidates"
    )
    if method == "anova":
        shape = [len(lv) for lv in levels]
        cells = int(np.prod(shape))
        sums = np.bincount(_cell_index(X, levels), weights=y, minlength=cells)
        counts = np.bincount(_cell_index(X, levels), minlength=cells)
        grid = (sums / counts).reshape(shape)
    else:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        grid, shape = _fanova_grid(
            X, y, levels, values, numeric, n_grid, max_cells, seed, n_trees, verbose
        )
    # what each effect would be from the noise of the candidate means alone:
    # (L - 1) sigma^2 / N for L levels over N candidates (exact for a full
    # grid by the ANOVA expected mean squares; for the forest surrogate an
    # approximation with L the levels of its evaluation grid, capped at N)
    n_cand = len(rows)
    dof = [min(L, n_cand) - 1 for L in shape]
    expected = {}
    if np.isfinite(noise_var):
        for j, name in enumerate(names):
            expected[name] = dof[j] * noise_var / n_cand
        for a, b in combinations(range(len(names)), 2):
            expected[(names[a], names[b])] = dof[a] * dof[b] * noise_var / n_cand
    total, main, pairs = _grid_anova(grid)
    return HyperparameterImportanceResult(
        main_effects={names[h]: v for h, v in main.items()},
        interactions={(names[a], names[b]): v for (a, b), v in pairs.items()},
        total_variance=total,
        expected_noise=expected,
        seed_variance=seed_var,
        split_variance=split_var,
        noise_variance=noise_var,
        method=method,
        metric=metric,
        n_candidates=len(rows),
        params=names,
        levels={name: list(v) for name, v in zip(names, values)},
    )

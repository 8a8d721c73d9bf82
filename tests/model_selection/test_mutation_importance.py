"""hyperparameter_importance against by-hand references (mutation tests).

References: the functional ANOVA of a full grid written out with loops, the
candidate x split (and seed x split) mean squares by hand, and the fANOVA
surrogate refitted here with scikit-learn's forest on the same features and
evaluated on the product grid of levels chosen by hand.
"""

import contextlib
import itertools
import re
import signal

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from skvariance.model_selection import hyperparameter_importance


@contextlib.contextmanager
def _time_limit(seconds):
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""

    def handler(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _search(params, splits, metric="score", extra=None):
    """A fitted-search stand-in with per-split scores ``splits`` (n, K)."""
    splits = np.asarray(splits, dtype=float)
    results = {
        "params": params,
        f"mean_test_{metric}": splits.mean(axis=1),
        **{f"split{k}_test_{metric}": splits[:, k] for k in range(splits.shape[1])},
    }
    results.update(extra or {})

    class Fake:
        cv_results_ = results

    return Fake()


def _seeded_search(params, table, metric="score"):
    """Stand-in of a SeedSearchCV: ``table`` is (n, n_seeds, n_splits)."""
    n, n_seeds, n_splits = table.shape
    results = {"params": params, f"mean_test_{metric}": table.mean(axis=(1, 2))}
    for j in range(n_seeds):
        for k in range(n_splits):
            results[f"split{k}_seed{j}_test_{metric}"] = table[:, j, k]

    class Fake:
        cv_results_ = results

    return Fake()


def _two_way(t):
    """(MS_rows, MS_cols, MS_res) of a 2-d table, by explicit loops."""
    r, c = t.shape
    g = sum(t[i, j] for i in range(r) for j in range(c)) / (r * c)
    rm = [sum(t[i, j] for j in range(c)) / c for i in range(r)]
    cm = [sum(t[i, j] for i in range(r)) / r for j in range(c)]
    ms_r = c * sum((x - g) ** 2 for x in rm) / (r - 1)
    ms_c = r * sum((x - g) ** 2 for x in cm) / (c - 1)
    ss = sum((t[i, j] - rm[i] - cm[j] + g) ** 2 for i in range(r) for j in range(c))
    return ms_r, ms_c, ss / ((r - 1) * (c - 1))


def _pvar(values):
    values = list(values)
    mu = sum(values) / len(values)
    return sum((v - mu) ** 2 for v in values) / len(values)


def _anova_by_hand(grid):
    """Main effects and pair interactions of a full factorial array, by loops."""
    shape = grid.shape
    d = len(shape)
    cells = list(itertools.product(*[range(s) for s in shape]))

    def marginal(axes):
        out = []
        for key in itertools.product(*[range(shape[a]) for a in axes]):
            vals = [grid[c] for c in cells if all(c[a] == k for a, k in zip(axes, key))]
            out.append(sum(vals) / len(vals))
        return out

    main = {h: _pvar(marginal((h,))) for h in range(d)}
    pairs = {
        (h, k): max(0.0, _pvar(marginal((h, k))) - main[h] - main[k])
        for h, k in itertools.combinations(range(d), 2)
    }
    return _pvar(grid[c] for c in cells), main, pairs


# -- exact ANOVA on a full grid --------------------------------------------------
def test_anova_three_factors_unequal_levels_replicated_and_shuffled():
    """3 x 2 x 4 grid, each cell twice, rows shuffled; numbers and strings."""
    rng = np.random.RandomState(1)
    a_lv, b_lv, c_lv = [0.5, 2.0, 7.0], ["u", "v"], [1, 3, 4, 9]
    effect = rng.normal(size=(3, 2, 4))
    params, means = [], []
    for rep in range(2):
        for i, j, k in itertools.product(range(3), range(2), range(4)):
            params.append({"a": a_lv[i], "b": b_lv[j], "c": c_lv[k], "fixed": 1})
            means.append(effect[i, j, k] + (0.3 if rep else -0.3))
    order = rng.permutation(len(params))
    params = [params[i] for i in order]
    means = np.asarray(means)[order]
    noise = rng.normal(0, 0.2, size=(len(params), 3))
    splits = means[:, None] + noise
    res = hyperparameter_importance(_search(params, splits))
    assert res.method == "anova"
    assert res.params == ["a", "b", "c"]
    # the cell means by hand
    grid = np.zeros((3, 2, 4))
    for p, y in zip(params, splits.mean(axis=1)):
        grid[a_lv.index(p["a"]), b_lv.index(p["b"]), c_lv.index(p["c"])] += y / 2
    total, main, pairs = _anova_by_hand(grid)
    assert res.total_variance == pytest.approx(total, rel=1e-12)
    for h, name in enumerate("abc"):
        assert res.main_effects[name] == pytest.approx(main[h], rel=1e-12)
    for (h, k), v in pairs.items():
        assert res.interactions[("abc"[h], "abc"[k])] == pytest.approx(
            v, rel=1e-10, abs=1e-15
        )
    # noise: candidate x split residual mean square over K, expected noise
    ms_res = _two_way(splits)[2]
    assert res.noise_variance == pytest.approx(ms_res / 3, rel=1e-12)
    n = len(params)
    assert res.split_variance == pytest.approx(
        max(0.0, (_two_way(splits)[1] - ms_res) / n), rel=1e-10, abs=1e-15
    )
    for name, L in zip("abc", (3, 2, 4)):
        assert res.expected_noise[name] == pytest.approx((L - 1) * ms_res / 3 / n)
    assert res.expected_noise[("a", "c")] == pytest.approx(2 * 3 * ms_res / 3 / n)
    assert set(res.expected_noise) == {
        "a",
        "b",
        "c",
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
    }


def test_anova_additive_grid_has_zero_interaction():
    """No interaction: the truncated pair terms are exactly 0, never below."""
    a, b = np.meshgrid([0.0, 1.0, 3.0], [0.0, 10.0, 11.0, 40.0], indexing="ij")
    mean = (np.sin(a) + np.sqrt(b)).ravel()
    params = [{"a": x, "b": y} for x, y in zip(a.ravel(), b.ravel())]
    splits = mean[:, None] + np.array([[0.1, -0.1]])
    res = hyperparameter_importance(_search(params, splits))
    v = res.interactions[("a", "b")]
    assert v >= 0.0
    assert v == pytest.approx(0.0, abs=1e-14)
    assert res.main_effects["a"] == pytest.approx(_pvar(np.sin([0.0, 1.0, 3.0])))
    assert res.main_effects["b"] == pytest.approx(
        _pvar(np.sqrt([0.0, 10.0, 11.0, 40.0]))
    )


# -- noise from the split table ---------------------------------------------------
def test_noise_from_seeds_and_splits_by_hand():
    """SeedSearchCV-style keys: per-candidate two-way components, averaged."""
    rng = np.random.RandomState(2)
    params = [{"a": a, "b": b} for a in (1, 2, 3) for b in (0, 1)]
    table = (
        rng.normal(size=(6, 1, 1))
        + 0.5 * rng.normal(size=(6, 3, 1))
        + 0.3 * rng.normal(size=(1, 1, 4))
        + 0.2 * rng.normal(size=(6, 3, 4))
    )
    res = hyperparameter_importance(_seeded_search(params, table))
    seeds, splits, resids = [], [], []
    for t in table:
        ms_s, ms_k, ms_e = _two_way(t)
        seeds.append(max(0.0, (ms_s - ms_e) / 4))
        splits.append(max(0.0, (ms_k - ms_e) / 3))
        resids.append(ms_e)
    seed, split, resid = np.mean(seeds), np.mean(splits), np.mean(resids)
    assert res.seed_variance == pytest.approx(seed, rel=1e-12)
    assert res.split_variance == pytest.approx(split, rel=1e-12)
    assert res.noise_variance == pytest.approx(seed / 3 + resid / 12, rel=1e-12)


def test_noise_one_split_per_seed_uses_seeds_as_replicates():
    """Seeds x 1 split: the flat (candidate x seed) table gives the noise."""
    rng = np.random.RandomState(3)
    params = [{"a": a} for a in (1, 2, 3, 4)]
    table = rng.normal(size=(4, 3, 1))
    res = hyperparameter_importance(_seeded_search(params, table))
    flat = table[:, :, 0]
    _, ms_c, ms_e = _two_way(flat)
    assert np.isnan(res.seed_variance)
    assert res.split_variance == pytest.approx(max(0.0, (ms_c - ms_e) / 4))
    assert res.noise_variance == pytest.approx(ms_e / 3, rel=1e-12)


def test_single_split_gives_nan_noise_and_no_expected_noise():
    params = [{"a": a} for a in (1, 2, 3)]
    res = hyperparameter_importance(_search(params, [[0.1], [0.5], [0.2]]))
    assert np.isnan(res.seed_variance)
    assert np.isnan(res.split_variance)
    assert np.isnan(res.noise_variance)
    assert res.expected_noise == {}
    assert res.main_effects["a"] == pytest.approx(_pvar([0.1, 0.5, 0.2]))


def test_split_table_reads_only_the_asked_metric():
    """Metric 'a' beside 'a_b' and 'xa': keys are matched whole."""
    rng = np.random.RandomState(4)
    params = [{"p": p} for p in (1, 2, 3)]
    good = rng.normal(size=(3, 3))
    bad = rng.normal(size=(3, 3)) * 100
    extra = {f"split{k}_test_a_b": bad[:, k] for k in range(3)}
    extra.update({f"split{k}_test_xa": bad[:, k] for k in range(3)})
    extra.update({f"split{k}_train_a": bad[:, k] for k in range(3)})
    extra.update({f"mysplit{k}_test_a": bad[:, k] for k in range(3)})
    extra["mean_test_a_b"] = bad.mean(axis=1)
    extra["mean_test_xa"] = bad.mean(axis=1)
    res = hyperparameter_importance(
        _search(params, good, metric="a", extra=extra), metric="a"
    )
    assert res.noise_variance == pytest.approx(_two_way(good)[2] / 3, rel=1e-12)
    # the same with seeded keys and decoys
    table = rng.normal(size=(3, 2, 3))
    s = _seeded_search(params, table, metric="a")
    s.cv_results_.update(
        {f"split{k}_seed{j}_test_a_b": bad[:, k] for k in range(3) for j in range(2)}
    )
    s.cv_results_.update(
        {f"split{k}_seed{j}_test_xa": bad[:, k] for k in range(3) for j in range(2)}
    )
    s.cv_results_["mean_test_a_b"] = bad.mean(axis=1)
    res = hyperparameter_importance(s, metric="a")
    resid = np.mean([_two_way(t)[2] for t in table])
    seed = np.mean([max(0.0, (_two_way(t)[0] - _two_way(t)[2]) / 3) for t in table])
    assert res.noise_variance == pytest.approx(seed / 2 + resid / 6, rel=1e-12)


def test_split_table_missing_scores_message():
    class Fake:
        cv_results_ = {"params": [{"a": 1}, {"a": 2}], "mean_test_score": [0.1, 0.2]}

    with pytest.raises(
        ValueError, match=r"^the search has no per-split test scores for 'score'\.$"
    ):
        hyperparameter_importance(Fake())


# -- the fANOVA surrogate ----------------------------------------------------------
def _grid_levels_by_hand(columns, n_grid, max_cells):
    """Largest m <= n_grid whose product grid fits (quantile levels)."""
    for m in range(n_grid, 1, -1):
        levels = []
        for x in columns:
            u = np.unique(x)
            if u.size > m:
                u = np.unique(np.quantile(x, np.linspace(0, 1, m)))
            levels.append(u)
        if np.prod([len(u) for u in levels]) <= max_cells:
            return levels
    return None


def _random_design(n=14, seed=5):
    rng = np.random.RandomState(seed)
    a = rng.choice([1.0, 2.0, 3.0], p=[0.7, 0.15, 0.15], size=n)
    a[:3] = [1.0, 2.0, 3.0]
    b = rng.uniform(0, 1, size=n).round(3)
    y = np.sin(3 * b) + a * b + 0.1 * rng.normal(size=n)
    splits = y[:, None] + 0.05 * rng.normal(size=(n, 3))
    params = [{"a": float(x), "b": float(z)} for x, z in zip(a, b)]
    return params, np.column_stack([a, b]), splits


@pytest.mark.parametrize("n_grid, n_trees", [(3, 4), (5, 7)])
def test_fanova_equals_forest_on_grid_by_hand(n_grid, n_trees):
    params, X, splits = _random_design()
    y = splits.mean(axis=1)
    res = hyperparameter_importance(
        _search(params, splits),
        method="fanova",
        n_grid=n_grid,
        n_trees=n_trees,
        random_state=0,
    )
    seed = np.random.RandomState(0).randint(2**31 - 1)
    forest = RandomForestRegressor(n_estimators=n_trees, random_state=seed).fit(X, y)
    levels = _grid_levels_by_hand(X.T, n_grid, 50_000)
    points = np.array(list(itertools.product(*levels)))
    grid = forest.predict(points).reshape([len(u) for u in levels])
    total, main, pairs = _anova_by_hand(grid)
    assert res.method == "fanova"
    assert res.total_variance == pytest.approx(total, rel=1e-10)
    assert res.main_effects["a"] == pytest.approx(main[0], rel=1e-10)
    assert res.main_effects["b"] == pytest.approx(main[1], rel=1e-10)
    assert res.interactions[("a", "b")] == pytest.approx(pairs[(0, 1)], abs=1e-12)
    # a has exactly 3 (skewed) values: with n_grid=3 they are kept, not quantiled
    n = len(params)
    noise = _two_way(splits)[2] / 3
    for name, u in zip("ab", levels):
        assert res.expected_noise[name] == pytest.approx(
            (min(len(u), n) - 1) * noise / n, rel=1e-10
        )
    assert len(levels[0]) == 3


def test_fanova_categorical_levels_are_never_quantiled():
    """A 3-level category with n_grid=2 keeps its 3 levels in the grid."""
    rng = np.random.RandomState(6)
    n = 12
    c = np.array(list("pqr") * 4)
    b = rng.uniform(size=n).round(3)
    y = b + (c == "q") * 1.0 + 0.05 * rng.normal(size=n)
    params = [{"b": float(x), "c": str(z)} for x, z in zip(b, c)]
    splits = y[:, None] + 0.05 * rng.normal(size=(n, 2))
    res = hyperparameter_importance(
        _search(params, splits), n_grid=2, n_trees=3, random_state=0
    )
    noise = _two_way(splits)[2] / 2
    assert res.method == "fanova"
    assert res.expected_noise["c"] == pytest.approx(2 * noise / n, rel=1e-10)
    assert res.expected_noise["b"] == pytest.approx(1 * noise / n, rel=1e-10)


def _five_by_five():
    rng = np.random.RandomState(7)
    vals = [0.0, 1.0, 2.0, 3.0, 4.0]
    pairs = list(itertools.product(vals, vals))
    keep = rng.permutation(len(pairs))[:20]  # not a full grid
    params = [{"a": pairs[i][0], "b": pairs[i][1]} for i in keep]
    y = np.array([p["a"] * p["b"] + p["a"] for p in params])
    splits = y[:, None] + 0.1 * rng.normal(size=(len(y), 2))
    return params, splits


@pytest.mark.parametrize(
    "max_cells, levels", [(25, 5), (24, 4), (16, 4), (9, 3), (8, 2), (4, 2)]
)
def test_fanova_grid_shrinks_to_fit_max_cells(max_cells, levels):
    params, splits = _five_by_five()
    n = len(params)
    noise = _two_way(splits)[2] / 2
    with _time_limit(20):
        res = hyperparameter_importance(
            _search(params, splits),
            method="fanova",
            n_trees=2,
            max_cells=max_cells,
            random_state=0,
        )
    for name in "ab":
        assert res.expected_noise[name] == pytest.approx(
            (levels - 1) * noise / n, rel=1e-10
        )


def test_fanova_grid_too_large_even_with_two_levels():
    params, splits = _five_by_five()
    msg = (
        "the product grid of 2 hyperparameters has 4 cells even with 2 levels per "
        "numeric one; raise max_cells (now 3)."
    )
    with _time_limit(20), pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        hyperparameter_importance(
            _search(params, splits), method="fanova", n_trees=2, max_cells=3
        )


def test_fanova_verbose_reports_each_stage(capsys):
    params, splits = _five_by_five()
    hyperparameter_importance(
        _search(params, splits),
        method="fanova",
        n_trees=2,
        max_cells=9,
        random_state=0,
        verbose=1,
    )
    out, err = capsys.readouterr()
    ours = [ln for ln in out.splitlines() if ln.startswith("[hyperparameter_")]
    assert ours == [
        "[hyperparameter_importance] fanova over 20 candidates",
        "[hyperparameter_importance] fitting a surrogate forest of 2 trees on 20 "
        "candidates",
        "[hyperparameter_importance] evaluating the surrogate on a grid of 9 cells",
    ]
    # the forest reports its own progress (scikit-learn's joblib messages)
    assert "Parallel(" in out + err
    # and nothing at all when verbose=0
    hyperparameter_importance(
        _search(params, splits), method="fanova", n_trees=2, random_state=0
    )
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_noise_with_two_candidates():
    """The smallest search (2 candidates x 3 splits): two-way noise by hand."""
    splits = np.array([[0.1, 0.4, 0.2], [0.5, 0.3, 0.9]])
    res = hyperparameter_importance(_search([{"a": 1}, {"a": 2}], splits))
    _, ms_c, ms_e = _two_way(splits)
    assert res.noise_variance == pytest.approx(ms_e / 3, rel=1e-12)
    assert res.split_variance == pytest.approx(max(0.0, (ms_c - ms_e) / 2), abs=1e-15)
    assert res.expected_noise["a"] == pytest.approx(ms_e / 3 / 2, rel=1e-12)

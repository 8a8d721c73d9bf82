"""The tables of SeedCVResult and HyperparameterImportanceResult, value by value.

Each expected value is computed here from the inputs (the score table, the
effects), not read back from the object.
"""

import numpy as np
import pytest

from skvariance.model_selection import (
    HyperparameterImportanceResult,
    SeedCVResult,
    hyperparameter_importance,
    variance_components,
    variance_components_ci,
)


def _seed_cv_result():
    acc = np.array([[0.80, 0.70, 0.75], [0.84, 0.74, 0.73], [0.82, 0.72, 0.77]])
    loss = np.array([[0.5, 0.6, 0.4], [0.3, 0.7, 0.5], [0.4, 0.6, 0.6]])
    scores = {"accuracy": acc, "neg_log_loss": -loss}
    components, cis = {}, {}
    for name, table in scores.items():
        comp = {k: float(v) for k, v in variance_components(table).items()}
        comp["total"] = comp["seed"] + comp["split"] + comp["residual"]
        components[name] = comp
        ci = variance_components_ci(table, confidence_level=0.9)
        cis[name] = {k: (float(lo), float(hi)) for k, (lo, hi) in ci.items()}
    return SeedCVResult(
        scores=scores,
        seeds=np.array([1, 2, 3]),
        n_test=np.array([10, 10, 10]),
        fit_time=np.zeros((3, 3)),
        score_time=np.zeros((3, 3)),
        components=components,
        components_ci=cis,
        within_split_seed_variance={},
        binomial_variance={},
        confidence_level=0.9,
    )


def test_seed_cv_summary_rows_are_the_components_of_each_metric():
    res = _seed_cv_result()
    table = res.summary()
    names = ["seed", "split", "residual", "total"]
    assert table["metric"].tolist() == ["accuracy"] * 4 + ["neg_log_loss"] * 4
    assert table["component"].tolist() == names * 2
    row = 0
    for metric, scores in res.scores.items():
        comp = res.components[metric]
        for name in names:
            assert table["variance"][row] == comp[name]
            assert table["std"][row] == pytest.approx(np.sqrt(comp[name]))
            assert table["share"][row] == pytest.approx(comp[name] / comp["total"])
            low, high = res.components_ci[metric][name]
            assert (table["ci_low"][row], table["ci_high"][row]) == (low, high)
            assert table["mean_score"][row] == pytest.approx(scores.mean())
            row += 1
    assert table["share"][3] == pytest.approx(1.0)
    frame = res.to_frame()
    assert list(frame.columns) == list(table)
    assert frame.shape == (8, 8)
    np.testing.assert_allclose(frame["variance"], table["variance"])


def test_seed_cv_share_is_nan_when_there_is_no_variance():
    res = _seed_cv_result()
    for key in res.components["accuracy"]:
        res.components["accuracy"][key] = 0.0
    assert np.isnan(res.summary()["share"][:4]).all()


def test_seed_cv_repr_names_every_metric_and_component():
    res = _seed_cv_result()
    comp = res.components["accuracy"]
    text = repr(res)
    assert text.startswith("SeedCVResult(n_seeds=3, n_splits=3; accuracy: ")
    assert f"mean={res.scores['accuracy'].mean():.4g}" in text
    for name in ("seed", "split", "residual", "total"):
        assert f"{name}={comp[name]:.3g}" in text
    assert "; neg_log_loss: mean=" in text and text.endswith(")")


def test_importance_summary_rows_sorted_with_their_noise():
    res = HyperparameterImportanceResult(
        main_effects={"a": 0.5, "b": 2.0, "c": 0.1},
        interactions={("a", "b"): 0.05, ("a", "c"): 0.3, ("b", "c"): 0.0},
        total_variance=4.0,
        expected_noise={"a": 0.01, "b": 0.02, ("a", "c"): 0.004},
        seed_variance=0.2,
        split_variance=0.4,
        noise_variance=0.03,
        method="anova",
        metric="score",
        n_candidates=12,
        params=["a", "b", "c"],
    )
    table = res.summary()
    assert table["term"].tolist() == [
        "b",
        "a",
        "c",
        "a x c",
        "a x b",
        "b x c",
        "seed",
        "split",
        "noise of a candidate mean",
    ]
    assert table["kind"].tolist() == ["main"] * 3 + ["interaction"] * 3 + [
        "seed",
        "split",
        "noise",
    ]
    variance = [2.0, 0.5, 0.1, 0.3, 0.05, 0.0, 0.2, 0.4, 0.03]
    np.testing.assert_allclose(table["variance"], variance)
    np.testing.assert_allclose(table["std"], np.sqrt(variance))
    np.testing.assert_allclose(table["share"], np.array(variance) / 4.0)
    noise = [0.02, 0.01, np.nan, 0.004, np.nan, np.nan, np.nan, np.nan, np.nan]
    np.testing.assert_allclose(table["expected_noise"], noise)
    assert res.importances == {"a": 0.125, "b": 0.5, "c": 0.025}
    assert res.interaction_importances[("a", "c")] == pytest.approx(0.075)
    frame = res.to_frame()
    assert frame["term"].tolist() == table["term"].tolist()
    np.testing.assert_allclose(frame["share"], table["share"])
    zero = HyperparameterImportanceResult(
        main_effects={"a": 0.0},
        interactions={},
        total_variance=0.0,
        expected_noise={},
        seed_variance=np.nan,
        split_variance=0.0,
        noise_variance=0.0,
        method="anova",
        metric="score",
        n_candidates=2,
    )
    assert np.isnan(zero.importances["a"])


class _Fake:
    def __init__(self, results, refit=True):
        self.cv_results_ = results
        self.refit = refit


def _multi_metric_results():
    params = [{"a": v} for v in (0, 1, 2, 3)]
    acc = np.array([0.1, 0.4, 0.2, 0.3])
    auc = np.array([0.9, 0.5, 0.7, 0.6])
    results = {"params": params}
    for name, mean in (("acc", acc), ("auc", auc)):
        results[f"mean_test_{name}"] = mean
        for k, shift in enumerate((-0.01, 0.0, 0.01)):
            results[f"split{k}_test_{name}"] = mean + shift
    return results, acc, auc


def test_metric_choice_in_a_multi_metric_search():
    results, acc, auc = _multi_metric_results()
    by_refit = hyperparameter_importance(_Fake(results, refit="auc"))
    assert by_refit.metric == "auc"
    assert by_refit.total_variance == pytest.approx(np.var(auc))
    chosen = hyperparameter_importance(_Fake(results, refit="auc"), metric="acc")
    assert chosen.metric == "acc"
    assert chosen.total_variance == pytest.approx(np.var(acc))
    with pytest.raises(
        ValueError,
        match=r"metric 'r2' is not in the search; it has "
        r"\['acc', 'auc'\]",
    ):
        hyperparameter_importance(_Fake(results), metric="r2")
    with pytest.raises(ValueError, match="several metrics; choose one"):
        hyperparameter_importance(_Fake(results, refit=True))
    with pytest.raises(ValueError, match="several metrics"):
        hyperparameter_importance(_Fake(results, refit="missing"))


def test_split_table_reads_per_split_and_per_seed_columns():
    """A search without per-split scores is refused; seeded columns are read."""
    params = [{"a": v} for v in (0, 1)]
    with pytest.raises(ValueError, match="no per-split test scores for 'score'"):
        hyperparameter_importance(
            _Fake({"params": params, "mean_test_score": np.array([0.1, 0.2])})
        )
    # 2 seeds x 2 splits per candidate, a known seed effect of +-0.1
    results = {"params": params, "mean_test_score": np.array([0.1, 0.2])}
    for j, seed_shift in enumerate((-0.1, 0.1)):
        for k, split_shift in enumerate((-0.05, 0.05)):
            results[f"split{k}_seed{j}_test_score"] = (
                np.array([0.1, 0.2]) + seed_shift + split_shift
            )
    res = hyperparameter_importance(_Fake(results))
    # seed effects of +-0.1 on 2 seeds: variance 0.02 (ddof=1); splits 0.005
    assert res.seed_variance == pytest.approx(0.02)
    assert res.split_variance == pytest.approx(0.005)
    assert res.noise_variance == pytest.approx(0.02 / 2)


def test_levels_of_every_kind_in_their_natural_order():
    values = ["b", (1, 2), True, None, 3, "a", 1.5, False]
    params = [{"v": v} for v in values]
    mean = np.arange(len(values), dtype=float)
    results = {"params": params, "mean_test_score": mean}
    for k in range(2):
        results[f"split{k}_test_score"] = mean + (0.01 if k else -0.01)
    res = hyperparameter_importance(_Fake(results))
    assert res.levels["v"] == [1.5, 3, None, False, True, "a", "b", (1, 2)]


def test_absent_hyperparameter_is_its_own_last_level():
    params = [{"a": 1, "b": None}, {"a": 2}, {"a": 1, "b": 5}, {"a": 2, "b": None}]
    mean = np.array([0.1, 0.2, 0.3, 0.4])
    results = {"params": params, "mean_test_score": mean}
    for k in range(2):
        results[f"split{k}_test_score"] = mean + (0.01 if k else -0.01)
    res = hyperparameter_importance(_Fake(results), random_state=0)
    assert res.levels["b"] == [5, None, "<absent>"]


def test_two_numbers_and_none_stay_apart_in_the_surrogate():
    """[2, 10, None] under fANOVA: 2 and 10 are told apart by their values."""
    params, mean = [], []
    rng = np.random.RandomState(0)
    for _ in range(24):
        d = [2, 10, None][rng.randint(3)]
        params.append({"max_depth": d, "b": float(rng.uniform())})
        mean.append({2: 0.0, 10: 1.0, None: 1.0}[d])
    mean = np.array(mean)
    results = {"params": params, "mean_test_score": mean}
    for k in range(2):
        results[f"split{k}_test_score"] = mean + (0.001 if k else -0.001)
    res = hyperparameter_importance(_Fake(results), random_state=0)
    assert res.method == "fanova"
    # levels 0, 1, 1: variance 2/9 over the grid of the three levels
    assert res.main_effects["max_depth"] == pytest.approx(2 / 9, rel=0.05)
    assert res.importances["max_depth"] > 0.9

"""compare_estimators and the 5x2cv tests."""

import numpy as np
import pytest
import sklearn
from scipy import stats
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skvariance.evaluation import adjust_pvalues, ftest_5x2cv, ttest_5x2cv
from skvariance.model_selection import (
    combined_ftest_5x2cv,
    compare_estimators,
    paired_ttest_5x2cv,
)


def _three_models():
    return {
        "logreg": LogisticRegression(),
        "tree": DecisionTreeClassifier(max_depth=2),
        "dummy": DummyClassifier(),
    }


def test_compare_estimators_table_and_corrections(clf_data):
    X, y = clf_data
    res = compare_estimators(_three_models(), X, y, cv=3, n_seeds=4, random_state=0)
    assert res.names == ["logreg", "tree", "dummy"]
    assert all(s.shape == (4, 3) for s in res.scores.values())
    frame = res.to_frame()
    assert list(zip(frame.model_a, frame.model_b)) == [
        ("logreg", "tree"),
        ("logreg", "dummy"),
        ("tree", "dummy"),
    ]
    np.testing.assert_allclose(frame.pvalue_adjusted, adjust_pvalues(frame.pvalue))
    bh = res.to_frame(correction="bh")
    np.testing.assert_allclose(bh.pvalue_adjusted, adjust_pvalues(frame.pvalue, "bh"))
    assert (
        res.to_frame(correction=None).pvalue_adjusted.tolist() == frame.pvalue.tolist()
    )
    # the dummy is beaten by both real models
    assert frame.significant.tolist()[1:] == [True, True]
    assert res.mean_scores["dummy"] < res.mean_scores["logreg"]
    np.testing.assert_allclose(frame.mean_difference, frame.mean_a - frame.mean_b)


def test_compare_estimators_reshuffles_folds_per_seed_and_pairs_cells(reg_data):
    """Every cell equals a direct fit on that seed's folds, with the weights."""
    X, y, w = reg_data
    models = {
        "mean": make_pipeline(StandardScaler(), DummyRegressor()),
        "median": make_pipeline(StandardScaler(), DummyRegressor(strategy="median")),
    }
    res = compare_estimators(
        models, X, y, cv=3, n_seeds=3, random_state=1, params={"sample_weight": w}
    )
    folds = []
    for j, seed in enumerate(res.seeds):
        splits = list(KFold(3, shuffle=True, random_state=int(seed)).split(X))
        folds.append(splits[0][1].tolist())
        for k, (train, test) in enumerate(splits):
            expected = r2_score(
                y[test], np.full(len(test), np.average(y[train], weights=w[train]))
            )
            assert res.scores["mean"][j, k] == pytest.approx(expected)
    np.testing.assert_array_equal(res.n_test.sum(axis=1), [60, 60, 60])


def test_compare_estimators_metadata_routing(reg_data):
    X, y, w = reg_data
    plain = compare_estimators(
        {
            "mean": make_pipeline(StandardScaler(), DummyRegressor()),
            "lr": make_pipeline(StandardScaler(), LinearRegression()),
        },
        X,
        y,
        cv=3,
        n_seeds=2,
        random_state=0,
        params={"sample_weight": w},
    )
    with sklearn.config_context(enable_metadata_routing=True):

        def pipe(final):
            return make_pipeline(
                StandardScaler().set_fit_request(sample_weight=False),
                final.set_fit_request(sample_weight=True),
            )

        routed = compare_estimators(
            {"mean": pipe(DummyRegressor()), "lr": pipe(LinearRegression())},
            X,
            y,
            cv=3,
            n_seeds=2,
            random_state=0,
            params={"sample_weight": w},
        )
        with pytest.raises(Exception, match="sample_weight"):
            compare_estimators(
                {"a": DummyRegressor(), "b": LinearRegression()},
                X,
                y,
                cv=3,
                n_seeds=2,
                params={"sample_weight": w},
            )
    for name in ("mean", "lr"):
        np.testing.assert_allclose(routed.scores[name], plain.scores[name])


def test_compare_estimators_weights_need_support(reg_data):
    X, y, w = reg_data
    with pytest.raises(TypeError, match="estimator 'knn'.*sample_weight"):
        compare_estimators(
            {
                "knn": make_pipeline(StandardScaler(), KNeighborsRegressor()),
                "mean": DummyRegressor(),
            },
            X,
            y,
            params={"sample_weight": w},
        )


def test_compare_estimators_n_jobs_invariant_and_no_mutation(clf_data):
    X, y = clf_data
    models = _three_models()
    before = {k: v.get_params() for k, v in models.items()}
    one = compare_estimators(models, X, y, cv=3, n_seeds=2, n_jobs=1, random_state=3)
    two = compare_estimators(models, X, y, cv=3, n_seeds=2, n_jobs=2, random_state=3)
    for name in models:
        np.testing.assert_array_equal(one.scores[name], two.scores[name])
        assert models[name].get_params() == before[name]
        assert not hasattr(models[name], "classes_")


def test_compare_estimators_bayesian(clf_data):
    X, y = clf_data
    res = compare_estimators(
        _three_models(),
        X,
        y,
        cv=3,
        n_seeds=2,
        test="bayesian",
        rope=0.01,
        random_state=0,
    )
    frame = res.to_frame()
    total = frame.prob_a_better + frame.prob_equivalent + frame.prob_b_better
    np.testing.assert_allclose(total, 1.0)
    assert frame.prob_a_better.iloc[1] > 0.95  # logreg vs dummy
    with pytest.raises(ValueError, match="p-values exist only"):
        res.pvalues()


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"estimators": {"a": DummyClassifier()}}, ValueError, "at least 2"),
        ({"estimators": DummyClassifier()}, TypeError, "dict name"),
        ({"test": "wilcoxon"}, ValueError, "test must be"),
        ({"correction": "sidak"}, ValueError, "correction must be"),
        ({"rope": -0.1}, ValueError, "rope must be >= 0"),
        ({"n_seeds": 0}, ValueError, "n_seeds"),
        ({"cv": 1}, ValueError, "cv must be >= 2 folds"),
        ({"rope": 0.01}, ValueError, "rope=0.01 is used by test='bayesian' only"),
        (
            {"test": "bayesian", "correction": "bh"},
            ValueError,
            "correction='bh' adjusts p-values",
        ),
        (
            {"test": "bayesian", "correction": "holm"},
            ValueError,
            "correction='holm' adjusts p-values",
        ),
        ({"n_jobs": 0}, ValueError, "n_jobs == 0"),
        ({"y": np.r_[np.nan, np.zeros(149)]}, ValueError, "NaN"),
    ],
)
def test_compare_estimators_bad_input(clf_data, kwargs, err, match):
    X, y = clf_data
    params = {"estimators": _three_models(), "X": X, "y": y}
    params.update(kwargs)
    with pytest.raises(err, match=match):
        compare_estimators(
            params.pop("estimators"), params.pop("X"), params.pop("y"), **params
        )


def test_5x2cv_functions_share_folds_and_match_array_tests(clf_data):
    X, y = clf_data
    a, b = LogisticRegression(), DummyClassifier()
    t = paired_ttest_5x2cv(a, b, X, y, random_state=0)
    f = combined_ftest_5x2cv(a, b, X, y, random_state=0)
    np.testing.assert_array_equal(t.scores_a, f.scores_a)
    assert t.scores_a.shape == (5, 2)
    assert t.statistic == pytest.approx(ttest_5x2cv(t.scores_a, t.scores_b).statistic)
    assert f.statistic == pytest.approx(ftest_5x2cv(f.scores_a, f.scores_b).statistic)
    assert t.df == 5 and f.df == (10, 5)
    assert f.pvalue < 0.05
    # repetition i uses stratified 2-fold shuffled by seed i
    seed = int(t.seeds[2])
    train, test = next(StratifiedKFold(2, shuffle=True, random_state=seed).split(X, y))
    score = LogisticRegression().fit(X[train], y[train]).score(X[test], y[test])
    assert t.scores_a[2, 0] == pytest.approx(score)
    assert np.all(t.scores_b <= 0.6)  # the dummy


def test_compare_estimators_splitter_objects(reg_data):
    from sklearn.model_selection import ShuffleSplit

    X, y, _ = reg_data
    models = {"lr": LinearRegression(), "mean": DummyRegressor()}
    # a random splitter is re-seeded per seed, even when given unseeded
    runs = [
        compare_estimators(
            models, X, y, cv=ShuffleSplit(3, test_size=0.3), n_seeds=2, random_state=0
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].scores["lr"], runs[1].scores["lr"])
    assert runs[0].folds_reseeded
    # each seed's folds are ShuffleSplit's with that seed (direct fits)
    for j, seed in enumerate(runs[0].seeds):
        splitter = ShuffleSplit(3, test_size=0.3, random_state=int(seed))
        for k, (train, test) in enumerate(splitter.split(X)):
            fit = LinearRegression().fit(X[train], y[train])
            assert runs[0].scores["lr"][j, k] == pytest.approx(
                fit.score(X[test], y[test])
            )


def _corrected_t(d, n_train, n_test):
    """Nadeau and Bengio's statistic, written out."""
    d = np.ravel(d)
    return d.mean() / np.sqrt((1 / d.size + n_test / n_train) * d.var(ddof=1))


def test_corrected_t_statistic_by_hand_with_unequal_train_and_test_sizes(reg_data):
    """60 rows, ShuffleSplit(test_size=12): n_train=48, n_test=12 in every cell."""
    from sklearn.model_selection import ShuffleSplit

    X, y, _ = reg_data
    res = compare_estimators(
        {"lr": LinearRegression(), "mean": DummyRegressor()},
        X,
        y,
        cv=ShuffleSplit(4, test_size=12),
        n_seeds=3,
        random_state=0,
    )
    # the cells, recomputed by direct fits on every seed's re-seeded splits
    for j, seed in enumerate(res.seeds):
        splitter = ShuffleSplit(4, test_size=12, random_state=int(seed))
        for k, (train, test) in enumerate(splitter.split(X)):
            fit = LinearRegression().fit(X[train], y[train])
            assert res.scores["lr"][j, k] == pytest.approx(fit.score(X[test], y[test]))
    d = res.scores["lr"] - res.scores["mean"]
    t = _corrected_t(d, 48, 12)  # with n_train and n_test swapped: 48/12 = 4
    pair = res.pairwise[("lr", "mean")]
    assert pair.statistic == pytest.approx(t, rel=1e-12)
    assert pair.df == 11
    assert pair.pvalue == pytest.approx(2 * stats.t.sf(abs(t), 11))
    assert abs(_corrected_t(d, 12, 48)) < abs(t) / 2  # the swap is detectable


@pytest.mark.parametrize("fixed", ["kfold", "groupkfold", "list"])
def test_fixed_folds_warn_and_count_each_split_once(reg_data, fixed):
    """A splitter that cannot be re-seeded: a warning, and J = n_splits cells."""
    from sklearn.model_selection import GroupKFold

    X, y, _ = reg_data
    groups = np.arange(60) % 4 if fixed == "groupkfold" else None
    cv = {
        "kfold": KFold(4),
        "groupkfold": GroupKFold(4),
        "list": list(KFold(4).split(X)),
    }[fixed]
    models = {"tree": DecisionTreeRegressor(max_depth=3), "mean": DummyRegressor()}
    with pytest.warns(UserWarning, match="cannot be re-seeded"):
        res = compare_estimators(
            models, X, y, cv=cv, n_seeds=3, groups=groups, random_state=0
        )
    assert not res.folds_reseeded
    # every seed sees the same test folds
    np.testing.assert_array_equal(res.n_test, np.full((3, 4), 15.0))
    per_split = (res.scores["tree"] - res.scores["mean"]).mean(axis=0)
    t = _corrected_t(per_split, 45, 15)
    pair = res.pairwise[("tree", "mean")]
    assert pair.statistic == pytest.approx(t, rel=1e-12)
    assert pair.df == 3  # J - 1 with J = n_splits, not n_seeds * n_splits - 1
    # one seed repeats nothing: no warning, the cells as they are
    one = compare_estimators(models, X, y, cv=cv, n_seeds=1, groups=groups)
    assert one.pairwise[("tree", "mean")].df == 3
    with pytest.raises(ValueError, match="same folds for every seed"):
        compare_estimators(
            models, X, y, cv=[next(KFold(4).split(X))], n_seeds=3, random_state=0
        )


def _null_grids(n_exp, *, n=40, n_seeds=5, n_splits=5, seed=0):
    """Score grids of two exchangeable models on fixed contiguous folds.

    ``y = x1 + x2 + e``; model A regresses y on x1, model B on x2 (through
    the origin), so they are equally good (a true null); the seed draws
    exponential row weights for both (a bagging-like randomness). Folds are
    KFold without shuffling, the same for every seed. Returns the negative
    test MSE of every (model, experiment, seed, split) and the sizes.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_exp, 2, n))
    y = X.sum(axis=1) + rng.normal(size=(n_exp, n))
    fold = np.arange(n) * n_splits // n
    train = fold[None, :] != np.arange(n_splits)[:, None]  # (n_splits, n)
    w = rng.exponential(size=(n_exp, n_seeds, 1, n)) * train
    scores = np.empty((2, n_exp, n_seeds, n_splits))
    for m in range(2):
        x = X[:, m][:, None, None, :]
        b = (w * x * y[:, None, None, :]).sum(-1) / (w * x * x).sum(-1)
        sq = (y[:, None, None, :] - b[..., None] * x) ** 2
        scores[m] = -(sq * ~train).sum(-1) / (~train).sum(-1)
    n_train = np.tile(train.sum(axis=1), (n_seeds, 1)).astype(float)
    return scores, n_train, n - n_train


@pytest.mark.slow
def test_type_one_error_with_fixed_folds_by_simulation():
    """Fixed folds: at most alpha + 3 sigma of true nulls rejected.

    Counting the 5 x 5 repeated cells as resamples (the code before issue 15)
    rejects about 8% of these true nulls; the tolerance (3 binomial sigmas
    over 1500 experiments, 1.7 points) catches it. One k-fold run with the
    Nadeau-Bengio correction is conservative (about 2%), so the rejection
    rate must also stay above a floor: a test that never rejects fails.
    """
    from skvariance.model_selection._compare import _pairwise_tests

    n_exp, alpha = 1500, 0.05
    scores, n_train, n_test = _null_grids(n_exp, seed=1)
    tol = 3 * np.sqrt(alpha * (1 - alpha) / n_exp)

    def rate(reseeded):
        return np.mean(
            [
                _pairwise_tests(
                    scores[:, e],
                    n_train,
                    n_test,
                    test="corrected_ttest",
                    rope=0.0,
                    reseeded=reseeded,
                )[(0, 1)].pvalue
                <= alpha
                for e in range(n_exp)
            ]
        )

    fixed = rate(False)
    assert fixed <= alpha + tol, fixed
    assert fixed >= 0.005, fixed  # not a test that never rejects
    # the simulation can see the old error: all cells counted as resamples
    assert rate(True) > alpha + tol


def test_bayesian_posterior_by_hand_with_a_rope(reg_data):
    """Benavoli et al.'s posterior written out: rope and sizes reach the test."""
    from sklearn.model_selection import ShuffleSplit

    X, y, _ = reg_data
    rope = 0.45  # near the mean difference (0.42): every probability matters
    res = compare_estimators(
        {"lr": LinearRegression(), "tree": DecisionTreeRegressor(max_depth=4)},
        X,
        y,
        cv=ShuffleSplit(4, test_size=12),
        n_seeds=3,
        test="bayesian",
        rope=rope,
        random_state=0,
    )
    d = np.ravel(res.scores["lr"] - res.scores["tree"])
    J = d.size
    scale = np.sqrt((1 / J + 12 / 48) * d.var(ddof=1))
    post = stats.t(J - 1, loc=d.mean(), scale=scale)
    pair = res.pairwise[("lr", "tree")]
    assert pair.prob_b_better == pytest.approx(post.cdf(-rope))
    assert pair.prob_equivalent == pytest.approx(post.cdf(rope) - post.cdf(-rope))
    assert pair.prob_a_better == pytest.approx(post.sf(rope))
    assert 0.01 < pair.prob_equivalent < 0.99  # the rope matters here
    assert res.correction is None


# -- several metrics at once (issue 19) ---------------------------------------------
class _CountingTree(DecisionTreeClassifier):
    """Counts its fits in a list shared by its clones (a class attribute)."""

    fits = []

    def fit(self, X, y, sample_weight=None):
        self.fits.append(len(y))
        return super().fit(X, y, sample_weight=sample_weight)


def test_compare_estimators_several_metrics_equal_single_metric_runs(clf_data):
    from sklearn.metrics import get_scorer

    from skvariance.model_selection import MultiMetricCompareResult

    X, y = clf_data
    kwargs = dict(cv=3, n_seeds=2, random_state=4)
    _CountingTree.fits.clear()
    multi = compare_estimators(
        {"tree": _CountingTree(max_depth=2), "dummy": DummyClassifier()},
        X,
        y,
        scoring=["accuracy", "neg_log_loss"],
        **kwargs,
    )
    # one fit per cell, scored by both metrics
    assert len(_CountingTree.fits) == 2 * 3
    assert isinstance(multi, MultiMetricCompareResult)
    assert multi.metrics == ["accuracy", "neg_log_loss"] == list(multi)
    assert multi.names == ["tree", "dummy"]
    stacked = multi.to_frame()
    assert stacked["metric"].tolist() == ["accuracy", "neg_log_loss"]
    for metric in multi.metrics:
        single = compare_estimators(
            {"tree": DecisionTreeClassifier(max_depth=2), "dummy": DummyClassifier()},
            X,
            y,
            scoring=metric,
            **kwargs,
        )
        for name in single.names:
            np.testing.assert_array_equal(
                multi[metric].scores[name], single.scores[name]
            )
        frame = single.to_frame()
        assert multi[metric].to_frame().equals(frame)
        row = stacked[stacked.metric == metric].drop(columns="metric")
        assert row.reset_index(drop=True).equals(frame)
    by_dict = compare_estimators(
        {"tree": DecisionTreeClassifier(max_depth=2), "dummy": DummyClassifier()},
        X,
        y,
        scoring={"acc": get_scorer("accuracy")},
        **kwargs,
    )
    assert by_dict.metrics == ["acc"]
    np.testing.assert_array_equal(
        by_dict["acc"].scores["tree"], multi["accuracy"].scores["tree"]
    )


def test_compare_estimators_several_metrics_bad_scoring(clf_data):
    X, y = clf_data
    models = {"a": DummyClassifier(), "b": DummyClassifier(strategy="uniform")}
    with pytest.raises(TypeError, match="scoring must be a list or a dict"):
        compare_estimators(models, X, y, scoring={"accuracy", "f1"})
    with pytest.raises(ValueError, match="scoring is an empty dict"):
        compare_estimators(models, X, y, scoring={})
    with pytest.raises(ValueError, match="Empty list"):
        compare_estimators(models, X, y, scoring=[])


def test_compare_estimators_several_metrics_route_weights_per_scorer(clf_data):
    from sklearn.metrics import accuracy_score, make_scorer

    X, y = clf_data
    w = np.random.RandomState(1).uniform(0.1, 2.0, size=len(y))
    kwargs = dict(cv=3, n_seeds=2, random_state=2, params={"sample_weight": w})
    with sklearn.config_context(enable_metadata_routing=True):
        models = {
            "logreg": LogisticRegression().set_fit_request(sample_weight=True),
            "dummy": DummyClassifier().set_fit_request(sample_weight=True),
        }
        weighted = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        plain = make_scorer(accuracy_score).set_score_request(sample_weight=False)
        multi = compare_estimators(
            models, X, y, scoring={"weighted": weighted, "plain": plain}, **kwargs
        )
        for name, scorer in (("weighted", weighted), ("plain", plain)):
            single = compare_estimators(models, X, y, scoring=scorer, **kwargs)
            for model in single.names:
                np.testing.assert_array_equal(
                    multi[name].scores[model], single.scores[model]
                )
    assert not np.array_equal(
        multi["weighted"].scores["dummy"], multi["plain"].scores["dummy"]
    )

"""SMOTER: relevance, geometry of the synthetic rows, counts, pipelines, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor, NearestNeighbors

from skvariance.resampling import SMOTER
from skvariance.resampling._smoter import (
    density_relevance,
    extremes_control_points,
    extremes_relevance,
    iqr_control_points,
    iqr_relevance,
    silverman_bandwidth,
)


def _two_tails(n=400, seed=0):
    """Features and a heavy-tailed target with outliers on both sides."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    y = 2.0 * X[:, 0] + rng.standard_t(df=2, size=n)
    return X, y


def _skewed(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = np.exp(X[:, 0] + 0.5 * X[:, 1]) + rng.normal(scale=0.3, size=n)
    return X, y


# -- relevance ----------------------------------------------------------------
def test_iqr_control_points_are_the_boxplot_adjacent_values():
    y = np.concatenate([np.arange(1.0, 21.0), [60.0, -40.0]])
    low, median, high = iqr_control_points(y)
    q1, q3 = np.percentile(y, [25, 75])
    iqr = q3 - q1
    assert median == np.median(y)
    assert low == y[y >= q1 - 1.5 * iqr].min() == 1.0
    assert high == y[y <= q3 + 1.5 * iqr].max() == 20.0
    # a side without an outlier is not relevant
    assert iqr_control_points(np.arange(1.0, 21.0)) == (None, 10.5, None)
    y_skew = np.concatenate([np.arange(1.0, 21.0), [60.0]])
    assert iqr_control_points(y_skew)[0] is None


def test_iqr_control_points_sit_at_tukeys_fences():
    # points 0.01 inside and outside each fence Q1 - 1.5 IQR, Q3 + 1.5 IQR
    # (the quartiles written out on the final sample: the extreme points'
    # values do not move the quartiles, only their ranks do)
    y = np.concatenate([np.arange(100.0), [-1e3, -1e3, 1e3, 1e3]])
    q1, median, q3 = np.percentile(y, [25, 50, 75])
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    y[100:] = [low_fence + 0.01, low_fence - 0.01, high_fence - 0.01, high_fence + 0.01]
    assert iqr_control_points(y) == (low_fence + 0.01, median, high_fence - 0.01)


def test_iqr_relevance_is_the_cubic_step_between_median_and_adjacent():
    points = (-2.0, 0.0, 4.0)
    y = np.array([-5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 9.0])
    t = np.array([1.0, 1.0, 0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    np.testing.assert_allclose(iqr_relevance(y, points), 3 * t**2 - 2 * t**3)
    np.testing.assert_array_equal(
        iqr_relevance(y, (None, 0.0, 4.0))[:4], np.zeros(4)
    )  # the low side is not relevant


def test_density_relevance_marks_the_rarer_values():
    y = np.array([0.0] * 70 + [1.0] * 30)
    phi = density_relevance(y)
    np.testing.assert_allclose(phi[:70], 0.0)
    np.testing.assert_allclose(phi[70:], 1.0)
    # a small mode between two large ones is rare although not an outlier
    rng = np.random.RandomState(0)
    y = np.concatenate(
        [rng.normal(-5, 1, 400), rng.normal(0, 0.3, 15), rng.normal(5, 1, 400)]
    )
    phi = density_relevance(y)
    assert phi[400:415].mean() > 0.9
    assert np.median(phi[:400]) < 0.5
    np.testing.assert_array_equal(density_relevance(np.array([1.0, 2.0] * 5)), 0.0)


# -- output layout and geometry ---------------------------------------------------
def test_synthetic_rows_lie_on_segments_within_a_tail_with_the_same_lambda():
    X, y = _two_tails()
    k = 3
    sampler = SMOTER(k_neighbors=k, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    n_low, n_high = sampler.sampling_strategy_.values()
    assert n_low > 0 and n_high > 0
    rare = sampler.relevance_ >= sampler.threshold
    start = len(X)
    for tail, n_new, side in (
        ("low", n_low, y < sampler.median_),
        ("high", n_high, y >= sampler.median_),
    ):
        index = np.flatnonzero(rare & side)
        assert index.size == sampler.n_rare_[tail]
        Xt, yt = X[index], y[index]
        nn = NearestNeighbors(n_neighbors=k + 1).fit(Xt).kneighbors(Xt)[1][:, 1:]
        new_X = X_res[start : start + n_new]
        new_y = y_res[start : start + n_new]
        start += n_new
        base = Xt[:, None, :]  # (n, 1, d)
        seg = Xt[nn] - base  # (n, k, d)
        diff = new_X[:, None, None, :] - base[None]  # (m, n, 1, d)
        lam = (diff * seg[None]).sum(-1) / (seg**2).sum(-1)[None]  # (m, n, k)
        resid = np.linalg.norm(diff - lam[..., None] * seg[None], axis=-1)
        ok = (resid < 1e-9) & (lam >= -1e-12) & (lam <= 1 + 1e-12)
        assert ok.any(axis=(1, 2)).all(), f"{tail}: a row off every segment"
        # the target is interpolated with the same lambda
        y_seg = yt[nn] - yt[:, None]
        y_pred = yt[:, None][None] + lam * y_seg[None]
        match = ok & (np.abs(y_pred - new_y[:, None, None]) < 1e-8)
        assert match.any(axis=(1, 2)).all()
        # so the synthetic targets stay within the tail's range
        assert new_y.min() >= yt.min() - 1e-12 and new_y.max() <= yt.max() + 1e-12
    assert start == len(X_res)


def test_originals_kept_first_in_order_and_containers_preserved():
    X, y = _two_tails(n=200)
    X_res, y_res = SMOTER(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)

    X_df = pd.DataFrame(X, columns=list("abcd"))
    y_s = pd.Series(y, name="target")
    X_res_df, y_res_s = SMOTER(random_state=0).fit_resample(X_df, y_s)
    assert list(X_res_df.columns) == list("abcd") and y_res_s.name == "target"
    np.testing.assert_array_equal(X_res_df.to_numpy(), X_res)
    np.testing.assert_array_equal(y_res_s.to_numpy(), y_res)

    X_list, y_list = SMOTER(random_state=0).fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_list, list) and isinstance(y_list, list)
    np.testing.assert_array_equal(np.asarray(X_list), X_res)

    X32, y32 = SMOTER(random_state=0).fit_resample(
        X.astype(np.float32), y.astype(np.float32)
    )
    assert X32.dtype == np.float32 and y32.dtype == np.float32


def test_integer_and_label_like_targets_are_accepted_as_numbers():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    y = np.array([0] * 80 + [5] * 20)
    sampler = SMOTER(relevance="density", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert y_res.dtype == np.float64
    assert sampler.n_rare_ == {"low": 0, "high": 20}
    assert sampler.sampling_strategy_ == {"low": 0, "high": 60}
    np.testing.assert_array_equal(y_res[100:], 5.0)  # both parents have y = 5


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("balance", lambda c, r: max(c - r, 0)),
        (0.5, lambda c, r: max(round(0.5 * c) - r, 0)),
        (2.0, lambda c, r: max(round(2.0 * c) - r, 0)),
    ],
)
def test_counts_per_strategy(strategy, expected):
    X, y = _two_tails()
    sampler = SMOTER(sampling_strategy=strategy, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    rare = sampler.relevance_ >= 0.5
    assert sampler.n_common_ == int((~rare).sum())
    assert sum(sampler.n_rare_.values()) == int(rare.sum())
    for tail in ("low", "high"):
        n_rare = sampler.n_rare_[tail]
        assert sampler.sampling_strategy_[tail] == expected(sampler.n_common_, n_rare)
    assert len(X_res) == len(X) + sum(sampler.sampling_strategy_.values())


def test_dict_strategy_and_threshold_change_the_counts():
    X, y = _two_tails()
    sampler = SMOTER(sampling_strategy={"high": 17}, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.sampling_strategy_ == {"low": 0, "high": 17}
    assert len(X_res) == len(X) + 17
    loose = SMOTER(relevance="iqr", threshold=0.2).fit(X, y)
    strict = SMOTER(relevance="iqr", threshold=1.0, k_neighbors=2).fit(X, y)
    assert sum(loose.n_rare_.values()) > sum(strict.n_rare_.values())
    assert strict.n_rare_ == {
        "low": int((y <= strict.control_points_[0]).sum()),
        "high": int((y >= strict.control_points_[2]).sum()),
    }


def test_callable_relevance():
    X, y = _two_tails(n=200)
    top = np.quantile(y, 0.9)

    def upper_decile(values):
        return (values >= top).astype(float)

    sampler = SMOTER(relevance=upper_decile, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.n_rare_ == {"low": 0, "high": int((y >= top).sum())}
    assert sampler.control_points_ is None


def test_sample_weight_is_interpolated_with_the_same_lambda():
    X, y = _two_tails(n=300)
    w = 2.0 * (y - y.min()) + 1.0  # affine in y: must stay affine in y_res
    X_res, y_res, w_res = SMOTER(random_state=0).fit_resample(X, y, sample_weight=w)
    np.testing.assert_array_equal(w_res[: len(w)], w)
    np.testing.assert_allclose(w_res, 2.0 * (y_res - y.min()) + 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        SMOTER().fit_resample(X, y, sample_weight=-np.ones(len(y)))


def test_reproducible_and_independent_of_n_jobs():
    X, y = _two_tails()
    first = SMOTER(random_state=3, n_jobs=1).fit_resample(X, y)
    second = SMOTER(random_state=3, n_jobs=2).fit_resample(X, y)
    other = SMOTER(random_state=4, n_jobs=1).fit_resample(X, y)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    np.testing.assert_array_equal(first[0][: len(X)], other[0][: len(X)])


# -- pipelines and the effect on the rare region -------------------------------------
def test_in_imblearn_pipeline_and_grid_search_over_threshold():
    X, y = _skewed(300, 0)
    pipe = make_pipeline(SMOTER(random_state=0), Ridge())
    pipe.fit(X, y)
    assert pipe.predict(X[:7]).shape == (7,)
    search = GridSearchCV(
        pipe, {"smoter__threshold": [0.3, 0.8]}, cv=3, error_score="raise"
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_smoter_reduces_error_on_the_rare_region_of_a_skewed_target():
    # A k-NN regressor pulls predictions for rare large targets toward the
    # bulk; SMOTER fills the rare region with synthetic neighbours. Over 10
    # independent simulations, count those where the error on test rows with
    # rare targets drops: with no effect each would be a coin flip, and
    # P(at least 9 of 10) = 11/1024 ~ 1%.
    wins, errors = 0, []
    for seed in range(10):
        X, y = _skewed(400, seed)
        X_test, y_test = _skewed(2000, 1000 + seed)
        points = SMOTER(relevance="iqr").fit(X, y).control_points_
        rare = iqr_relevance(y_test, points) >= 0.5
        plain = KNeighborsRegressor(n_neighbors=10).fit(X, y)
        resampled = make_pipeline(
            SMOTER(relevance="iqr", random_state=seed),
            KNeighborsRegressor(n_neighbors=10),
        ).fit(X, y)
        e_plain = np.abs(plain.predict(X_test[rare]) - y_test[rare]).mean()
        e_res = np.abs(resampled.predict(X_test[rare]) - y_test[rare]).mean()
        wins += e_res < e_plain
        errors.append((e_plain, e_res))
    errors = np.mean(errors, axis=0)
    assert wins >= 9
    assert errors[1] < 0.95 * errors[0]


# -- bad input -------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_rejected(bad):
    X, y = _two_tails(n=100)
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[3, 1] = bad
    y_bad[5] = bad
    with pytest.raises(ValueError, match="Input X contains"):
        SMOTER().fit_resample(X_bad, y)
    with pytest.raises(ValueError, match="Input y contains NaN or infinity"):
        SMOTER().fit_resample(X, y_bad)


def test_small_tail_error_names_the_tail_and_its_count():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    # rare at threshold 1: the adjacent value 1.0 and the three outliers
    y = np.concatenate([np.linspace(0, 1, 57), [30.0, 31.0, 32.0]])
    small = SMOTER(
        relevance="iqr", threshold=1.0, k_neighbors=5, sampling_strategy={"high": 9}
    )
    with pytest.raises(ValueError, match=r"The high tail has 4 rare sample\(s\)"):
        small.fit_resample(X, y)
    # with an automatic strategy the small tail is left out, with a warning
    with pytest.warns(UserWarning, match=r"too few in each tail"):
        X_res, y_res = SMOTER(
            relevance="iqr", threshold=1.0, k_neighbors=5
        ).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    X_res, _ = SMOTER(
        relevance="iqr", threshold=1.0, k_neighbors=3, random_state=0
    ).fit_resample(X, y)
    assert len(X_res) > len(X)


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5])
def test_threshold_outside_unit_interval(threshold):
    X, y = _two_tails(n=100)
    with pytest.raises(ValueError, match="threshold"):
        SMOTER(threshold=threshold).fit_resample(X, y)


@pytest.mark.parametrize("relevance", ["density", "iqr"])
def test_nothing_rare_returns_the_data_unchanged_with_a_warning(relevance):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    # no outlier on either side, and both values equally frequent
    y_uniform = np.tile([0.0, 1.0], 50)
    sampler = SMOTER(relevance=relevance)
    with pytest.warns(UserWarning, match="returns the data unchanged"):
        X_res, y_res, w_res = sampler.fit_resample(
            X, y_uniform, sample_weight=np.ones(100)
        )
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y_uniform)
    np.testing.assert_array_equal(w_res, np.ones(100))
    assert sampler.sampling_strategy_ == {"low": 0, "high": 0}
    with pytest.raises(ValueError, match="y is constant"):
        SMOTER().fit_resample(X, np.ones(100))


def _real_targets():
    """Real regression targets shipped with the installed packages."""
    from sklearn.datasets import load_diabetes

    targets = {"diabetes": load_diabetes().target.astype(float)}
    try:
        import statsmodels.api as sm
    except ImportError:  # pragma: no cover
        return targets
    targets["engel foodexp"] = sm.datasets.engel.load_pandas().data["foodexp"]
    return {name: np.asarray(y, dtype=float) for name, y in targets.items()}


def test_default_relevance_rare_means_a_small_share():
    # the former default ("density") marked 39% of a lognormal target, 25%
    # of a normal one, 20% of Engel's food expenditure and 25% of the
    # diabetes target as rare
    rng = np.random.RandomState(0)
    targets = {
        "lognormal": np.exp(rng.normal(size=3000)),
        "normal": rng.normal(size=3000),
        **_real_targets(),
    }
    for name, y in targets.items():
        X = rng.normal(size=(y.size, 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a tail too small
            sampler = SMOTER().fit(X, y)
        share = sum(sampler.n_rare_.values()) / y.size
        assert share <= 0.12, name
    # the two simulated ones: a thin tail is found, and its size is the
    # formula's (normal: |z| beyond Q3 + 1.5 IQR / 2 = 1.686, 9.2%)
    y = targets["normal"]
    rare = SMOTER().fit(np.empty((y.size, 1)), y).relevance_ >= 0.5
    assert 0.08 < rare.mean() < 0.105
    y = targets["lognormal"]
    sampler = SMOTER().fit(np.empty((y.size, 1)), y)
    assert sampler.n_rare_["low"] == 0 and 0.08 < sampler.n_rare_["high"] / y.size


@pytest.mark.parametrize("seed", range(4))
def test_default_relevance_marks_both_tails_of_a_symmetric_target(seed):
    rng = np.random.RandomState(seed)
    y = rng.normal(size=600)
    sampler = SMOTER().fit(rng.normal(size=(600, 2)), y)
    low, high = sampler.n_rare_["low"], sampler.n_rare_["high"]
    assert min(low, high) >= 0.6 * max(low, high) and low + high >= 0.05 * y.size


@pytest.mark.parametrize("seed", range(3))
def test_balance_keeps_a_symmetric_target_symmetric(seed):
    # the former default flagged one tail of a nearly symmetric target and
    # "balance" then skewed it (+0.15 -> -0.67)
    from scipy.stats import skew

    rng = np.random.RandomState(seed)
    X = rng.normal(size=(800, 3))
    y = X[:, 0] + 0.3 * rng.normal(size=800)
    X_res, y_res = SMOTER(random_state=0).fit_resample(X, y)
    assert len(y_res) > 1.5 * len(y)
    assert abs(skew(y_res) - skew(y)) < 0.2


def test_extremes_relevance_is_the_cubic_step_from_quartile_to_fence():
    y = np.concatenate([np.arange(0.0, 21.0), [-30.0, 60.0]])
    q1, m, q3 = np.percentile(y, [25, 50, 75])
    points = extremes_control_points(y)
    assert points == (q1 - 3 * (m - q1), q1, m, q3, q3 + 3 * (q3 - m))
    # skewed quartiles: the fence moves out on the long side only
    skewed = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 30.0])
    low_fence, q1, m, q3, high_fence = extremes_control_points(skewed)
    assert (q1, m, q3) == (1.5, 3.0, 10.5)
    assert low_fence == 1.5 - 4.5 and high_fence == 10.5 + 22.5
    phi = extremes_relevance(np.array([-10.0, -3.0, -0.75, 1.5, 5.0, 10.5,
                                       16.125, 21.75, 33.0, 40.0]),
                             (low_fence, q1, m, q3, high_fence))  # fmt: skip
    t = np.array([1.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(phi, 3 * t**2 - 2 * t**3)
    # a quartile equal to the median: everything beyond it is rare
    phi = extremes_relevance(np.array([0.0, 1.0, 1.0, 2.0]), (1.0, 1.0, 1.0, 1.0, 1.0))
    np.testing.assert_array_equal(phi, [1.0, 0.0, 0.0, 1.0])
    sampler = SMOTER().fit(np.empty((y.size, 1)), y)
    np.testing.assert_array_equal(
        sampler.relevance_, extremes_relevance(y, extremes_control_points(y))
    )
    assert sampler.control_points_ == extremes_control_points(y)


@pytest.mark.parametrize("n", [300, 3000])
def test_density_relevance_uses_silvermans_bandwidth(n):
    # the kernel density written out with Silverman's rule of thumb,
    # h = 0.9 min(sd, IQR / 1.34) n^(-1/5); 300 distinct values take the
    # exact path, 3,000 the binned one (1,024 bins)
    y = np.random.RandomState(n).standard_t(4, size=n)
    q1, q3 = np.percentile(y, [25, 75])
    h = 0.9 * min(y.std(), (q3 - q1) / 1.34) * n ** (-1 / 5)
    assert silverman_bandwidth(y) == pytest.approx(h, rel=1e-12)
    p = np.exp(-0.5 * ((y[:, None] - y[None, :]) / h) ** 2).sum(1)
    expected = (p.max() - p) / (p.max() - p.min())
    atol = 1e-10 if n <= 1024 else 0.01
    np.testing.assert_allclose(density_relevance(y), expected, atol=atol)
    # constant-IQR data fall back on the standard deviation
    flat = np.array([0.0] * 10 + [1.0, 5.0])
    h_flat = 0.9 * flat.std() * 12 ** (-1 / 5)
    assert silverman_bandwidth(flat) == pytest.approx(h_flat, rel=1e-12)


def test_other_bad_inputs():
    X, y = _two_tails(n=100)
    with pytest.raises(TypeError, match="y must be numeric"):
        SMOTER().fit_resample(X, np.array(["a", "b"] * 50))
    with pytest.raises(ValueError, match="Multi-output targets"):
        SMOTER().fit_resample(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SMOTER().fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="keys must be 'low' and/or 'high'"):
        SMOTER(sampling_strategy={"middle": 3}).fit_resample(X, y)
    with pytest.raises(ValueError, match="non-negative int"):
        SMOTER(sampling_strategy={"high": -1}).fit_resample(X, y)
    with pytest.raises(ValueError, match="relevance must return values in"):
        SMOTER(relevance=lambda v: 2.0 * np.ones_like(v)).fit_resample(X, y)
    with pytest.raises(ValueError, match="relevance must return an array of shape"):
        SMOTER(relevance=lambda v: np.ones(3)).fit_resample(X, y)
    skewed_X, skewed_y = _skewed(200, 0)
    with pytest.raises(ValueError, match="low tail, which has no rare rows"):
        SMOTER(relevance="iqr", sampling_strategy={"low": 5}).fit_resample(
            skewed_X, skewed_y
        )


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_result_in_its_format(fmt):
    X, y = _two_tails(n=200)
    X[np.abs(X) < 0.5] = 0.0
    dense = SMOTER(random_state=0).fit_resample(X, y)
    Xs = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    X_res, y_res = SMOTER(random_state=0).fit_resample(Xs, y)
    assert sparse.issparse(X_res) and X_res.format == fmt
    np.testing.assert_allclose(X_res.toarray(), dense[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(y_res, dense[1])


def test_feature_names_out_follow_the_input():
    X, y = _two_tails(n=120)
    X_df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    sampler = SMOTER(random_state=0)
    sampler.fit_resample(X_df, y)
    assert sampler.get_feature_names_out().tolist() == ["a", "b", "c", "d"]
    sampler.fit_resample(X, y)
    assert sampler.get_feature_names_out().tolist() == ["x0", "x1", "x2", "x3"]


def test_check_estimator_passes_with_default_parameters():
    import warnings

    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator

    # scikit-learn announces the checks it skips (array API without
    # SCIPY_ARRAY_API) with a SkipTestWarning; every check that runs must pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(SMOTER(), on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) > 30

"""Tests for calibration_error and reliability_bins."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from skvariance.metrics import calibration_error, reliability_bins


def _reference(conf, out, n_bins, strategy, method, norm):
    """The estimators written out bin by bin with explicit interval tests."""
    if strategy == "uniform":
        edges = [b / n_bins for b in range(n_bins + 1)]
    else:
        edges = list(np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100))
    total, n = 0.0, len(conf)
    for b in range(n_bins):
        if b == 0:
            rows = [i for i in range(n) if conf[i] <= edges[1] or n_bins == 1]
        elif b == n_bins - 1:
            rows = [i for i in range(n) if conf[i] > edges[b]]
        else:
            rows = [i for i in range(n) if edges[b] < conf[i] <= edges[b + 1]]
        m = len(rows)
        if m == 0:
            continue
        pbar = sum(conf[i] for i in rows) / m
        ybar = sum(out[i] for i in rows) / m
        if method == "binned":
            total += m / n * abs(pbar - ybar) ** (1 if norm == "l1" else 2)
        elif m >= 2:
            total += m / n * ((pbar - ybar) ** 2 - ybar * (1 - ybar) / (m - 1))
    if norm == "l1":
        return total
    return max(total, 0.0) ** 0.5


def _binary(seed=3, n=300):
    rng = np.random.RandomState(seed)
    p = rng.beta(2.0, 3.0, size=n)
    y = (rng.uniform(size=n) < np.clip(p + 0.1, 0, 1)).astype(int)
    return y, p


def _multiclass(seed=4, n=400, k=4):
    rng = np.random.RandomState(seed)
    logits = rng.normal(size=(n, k)) * 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array(
        [rng.choice(k, p=row) for row in proba**1.5 / (proba**1.5).sum(1)[:, None]]
    )
    return y, proba


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize(
    "method, norm", [("binned", "l1"), ("binned", "l2"), ("debiased", "l2")]
)
@pytest.mark.parametrize("n_bins", [1, 7, 15])
def test_binary_matches_the_reference(strategy, method, norm, n_bins):
    y, p = _binary()
    got = calibration_error(
        y, p, method=method, norm=norm, n_bins=n_bins, strategy=strategy
    )
    ref = _reference(p, y, n_bins, strategy, method, norm)
    assert got == pytest.approx(ref, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("method, norm", [("binned", "l1"), ("debiased", "l2")])
def test_multiclass_is_top_label(method, norm):
    y, proba = _multiclass()
    top = np.argmax(proba, axis=1)
    conf = proba.max(axis=1)
    out = (top == y).astype(float)
    got = calibration_error(y, proba, method=method, norm=norm, n_bins=10)
    assert got == pytest.approx(_reference(conf, out, 10, "uniform", method, norm))
    # string labels through classes give the same value
    names = np.array(["a", "b", "c", "d"])
    assert calibration_error(
        names[y], proba, method=method, norm=norm, n_bins=10, classes=names
    ) == pytest.approx(got, rel=1e-15)


def test_squared_and_debiased_small_bins():
    # one bin of 1 row (contributes 0 to the debiased sum) and one of 3 rows
    y = np.array([1, 0, 1, 1])
    p = np.array([0.05, 0.9, 0.8, 0.95])
    # bin 0: p=.05, y=1 (single); bin 1: mean p .8833, mean y 2/3
    square = 3 / 4 * ((0.9 + 0.8 + 0.95) / 3 - 2 / 3) ** 2 - 3 / 4 * (2 / 9) / 2
    got = calibration_error(y, p, method="debiased", n_bins=2, squared=True)
    assert got == pytest.approx(square, rel=1e-12)
    plug = 1 / 4 * 0.95**2 + 3 / 4 * ((0.9 + 0.8 + 0.95) / 3 - 2 / 3) ** 2
    assert calibration_error(y, p, norm="l2", n_bins=2, squared=True) == pytest.approx(
        plug, rel=1e-12
    )
    assert calibration_error(y, p, norm="l2", n_bins=2) == pytest.approx(plug**0.5)


def test_reliability_bins_match_sklearn_calibration_curve():
    y, p = _binary(seed=8, n=500)
    for strategy in ("uniform", "quantile"):
        bins = reliability_bins(y, p, n_bins=9, strategy=strategy)
        prob_true, prob_pred = calibration_curve(y, p, n_bins=9, strategy=strategy)
        full = bins.counts > 0
        np.testing.assert_allclose(bins.frequency[full], prob_true, rtol=1e-12)
        np.testing.assert_allclose(bins.mean_confidence[full], prob_pred, rtol=1e-12)
        assert np.all(np.isnan(bins.frequency[~full]))
        assert bins.counts.sum() == 500


def test_equals_mapie_expected_calibration_error():
    mapie_cal = pytest.importorskip("mapie.metrics.calibration")
    y, proba = _multiclass(seed=11, n=350, k=3)
    correct = (np.argmax(proba, axis=1) == y).astype(int)
    for n_bins in (5, 15):
        ours = calibration_error(y, proba, n_bins=n_bins)
        theirs = mapie_cal.expected_calibration_error(
            correct, proba, num_bins=n_bins + 1, split_strategy="uniform"
        )
        assert ours == pytest.approx(theirs, rel=1e-12)
    yb, pb = _binary(seed=12, n=250)  # no probability is exactly 0
    assert calibration_error(yb, pb, n_bins=10) == pytest.approx(
        mapie_cal.expected_calibration_error(
            yb, pb, num_bins=11, split_strategy="uniform"
        ),
        rel=1e-12,
    )


def _simulate(n_sims, q_shift, seed):
    """Fixed probabilities, one per bin (5 values x 6 rows), outcomes ~ B(p + shift)."""
    levels = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    p = np.repeat(levels, 6)
    q = p + q_shift
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=(n_sims, p.size)) < q).astype(int)
    truth = np.mean((levels - (levels + q_shift)) ** 2)
    # E[(p - ybar)^2] = (p - q)^2 + q (1 - q) / 6 in each bin
    plug_mean = np.mean(
        (q_shift) ** 2 + (levels + q_shift) * (1 - levels - q_shift) / 6
    )
    return p, y, truth, plug_mean


@pytest.mark.parametrize("shift", [0.0, 0.05])
def test_debiased_is_unbiased_and_plugin_biased_upward(shift):
    n_sims = 600
    p, y, truth, plug_mean = _simulate(n_sims, shift, seed=int(shift * 100) + 1)
    deb = np.array(
        [
            calibration_error(yi, p, method="debiased", n_bins=5, squared=True)
            for yi in y
        ]
    )
    plug = np.array(
        [calibration_error(yi, p, norm="l2", n_bins=5, squared=True) for yi in y]
    )
    se_deb = deb.std() / np.sqrt(n_sims)
    se_plug = plug.std() / np.sqrt(n_sims)
    # unbiased from both sides; n_b - 1 -> n_b moves the debiased mean by
    # mean q (1 - q) / 36 ~ 0.005, more than 5 standard errors
    assert abs(deb.mean() - truth) < 3.5 * se_deb
    assert abs(plug.mean() - plug_mean) < 3.5 * se_plug
    assert plug.mean() - truth > 0.025  # the plug-in bias, mean q (1 - q) / 6


@pytest.mark.slow
def test_bootstrap_interval_covers_the_truth_at_its_level():
    # discrete probabilities at bin centres, outcomes shifted by 0.2:
    # the binned l1 error of the population is exactly 0.2
    rng = np.random.RandomState(5)
    levels = np.array([0.1, 0.3, 0.5, 0.7])
    n_sims, n, hits = 250, 200, 0
    for s in range(n_sims):
        p = levels[rng.randint(4, size=n)]
        y = (rng.uniform(size=n) < p + 0.2).astype(int)
        ci = calibration_error(
            y,
            p,
            n_bins=5,
            confidence_level=0.8,
            n_resamples=300,
            random_state=s,
        )
        hits += ci.low <= 0.2 <= ci.high
    cover = hits / n_sims
    # 0.8 +- 3 binomial sd (0.076)
    assert 0.72 < cover < 0.88


def test_bootstrap_result_is_reproducible_and_centred():
    y, p = _binary(seed=21)
    a = calibration_error(y, p, confidence_level=0.9, n_resamples=400, random_state=3)
    b = calibration_error(y, p, confidence_level=0.9, n_resamples=400, random_state=3)
    assert a.estimate == calibration_error(y, p)
    assert (a.low, a.high) == (b.low, b.high)
    assert a.low < a.estimate < a.high
    assert a.bootstrap_distribution.shape == (400,)
    assert a.confidence_level == 0.9


@pytest.mark.parametrize(
    "kwargs, y_prob, match",
    [
        ({}, [0.2, 1.2, 0.5], "outside"),
        ({}, [0.2, -0.1, 0.5], "outside"),
        ({}, [0.2, np.nan, 0.5], "NaN"),
        ({}, [[0.5, 0.4], [0.5, 0.5], [0.2, 0.8]], "sum to 1"),
        ({"n_bins": 0}, [0.2, 0.4, 0.5], "n_bins"),
        ({"method": "kde"}, [0.2, 0.4, 0.5], "method"),
        ({"strategy": "equal"}, [0.2, 0.4, 0.5], "strategy"),
        ({"norm": "l3"}, [0.2, 0.4, 0.5], "norm"),
        ({"method": "debiased", "norm": "l1"}, [0.2, 0.4, 0.5], "l2"),
        ({"squared": True}, [0.2, 0.4, 0.5], "squared"),
        ({"confidence_level": 1.2}, [0.2, 0.4, 0.5], "confidence_level"),
    ],
)
def test_bad_input_rejected(kwargs, y_prob, match):
    with pytest.raises(ValueError, match=match):
        calibration_error([0, 1, 1], y_prob, **kwargs)


def test_bad_labels_rejected():
    with pytest.raises(ValueError, match="0 and 1"):
        calibration_error([0, 2, 1], [0.2, 0.4, 0.5])
    with pytest.raises(ValueError, match="not among"):
        calibration_error([0, 3], [[0.5, 0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match="classes"):
        calibration_error(["a", "b"], [[0.5, 0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match="entries"):
        calibration_error([0, 1], [0.5, 0.5, 0.2])
    with pytest.raises(TypeError, match="n_bins"):
        calibration_error([0, 1], [0.5, 0.5], n_bins=2.0)

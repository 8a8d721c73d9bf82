"""ConformalCalibration (sorted once, per group) against a plain NumPy reference."""

import numpy as np
import pytest

from skvariance.calibration.base import ConformalCalibration, encode_groups


def reference(scores, groups, weights, levels, group_of_test, test_weights):
    """Per test point: that group's scores, sorted by a stable sort, quantile."""
    labels = np.unique(groups)
    out = np.empty((group_of_test.size, len(levels)))
    for j, g in enumerate(group_of_test):
        rows = np.flatnonzero(groups == labels[g])
        order = np.argsort(scores[rows], kind="mergesort")
        s = scores[rows][order]
        n = s.size
        for k, level in enumerate(levels):
            if weights is None:
                rank = int(np.ceil((n + 1) * level - 1e-10 * (n + 1) * level))
                out[j, k] = s[max(rank, 1) - 1] if rank <= n else np.inf
            else:
                cum = np.cumsum(weights[rows][order])
                target = level * (cum[-1] + test_weights[j])
                target -= 1e-10 * target
                pos = np.searchsorted(cum, target, side="left")
                out[j, k] = s[pos] if pos < n else np.inf
    return out


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("encoded", [False, True])
def test_grouped_quantiles_match_reference(weighted, encoded):
    rng = np.random.RandomState(0)
    n = 300
    # ties (rounded scores), +inf scores, string labels of unequal sizes
    scores = np.round(np.abs(rng.normal(size=n)), 1)
    scores[rng.choice(n, 5, replace=False)] = np.inf
    groups = np.array(["b", "a", "c"])[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    weights = rng.uniform(0.1, 3.0, n) if weighted else None
    levels = np.array([0.1, 0.5, 0.8, 0.9, 0.97])
    n_test = 40
    group_of_test = rng.randint(0, 3, n_test)
    test_weights = rng.uniform(0.1, 3.0, n_test) if weighted else None

    cal = ConformalCalibration(
        scores, encode_groups(groups) if encoded else groups, weights
    )
    got = cal.quantiles(levels, group_of_test, test_weights)
    want = reference(scores, groups, weights, levels, group_of_test, test_weights)
    np.testing.assert_array_equal(got, want)
    assert cal.group_labels.tolist() == ["a", "b", "c"]
    assert cal.sizes == [int(np.sum(groups == g)) for g in ["a", "b", "c"]]
    for part in cal.sorted_scores:
        assert np.all(np.diff(part[np.isfinite(part)]) >= 0)


def test_ungrouped_calibration_does_not_touch_the_scores():
    scores = np.array([0.3, 0.1, 0.2, 0.1])
    cal = ConformalCalibration(scores)
    np.testing.assert_array_equal(scores, [0.3, 0.1, 0.2, 0.1])
    np.testing.assert_array_equal(cal.sorted_scores[0], [0.1, 0.1, 0.2, 0.3])
    q = cal.quantiles([0.5, 0.99], np.zeros(3, dtype=np.intp))
    # ceil(5 * 0.5) = 3rd smallest; ceil(5 * 0.99) = 5 > n: +inf
    np.testing.assert_array_equal(q, [[0.2, np.inf]] * 3)


@pytest.mark.parametrize(
    "groups",
    [
        np.random.RandomState(0).randint(0, 4, 500),  # small range: counted
        np.random.RandomState(1).randint(0, 10**9, 50),  # wide range: sorted
        np.array([-128, 127, 0, 127], dtype=np.int8),  # span beyond int8
        np.array([-100, 100, 0, 5, 5], dtype=np.int8),
        np.array([2**64 - 1, 2**64 - 3, 2**64 - 1], dtype=np.uint64),
        np.array([-(2**63), -(2**63) + 2]),
        np.array([7]),
        np.array(["b", "a", "b"]),
        np.array([0.5, -1.0, 0.5]),
    ],
)
def test_encode_groups_is_np_unique(groups):
    labels, codes = encode_groups(groups)
    want_labels, want_codes = np.unique(groups, return_inverse=True)
    assert labels.dtype == want_labels.dtype
    np.testing.assert_array_equal(labels, want_labels)
    np.testing.assert_array_equal(codes, want_codes.reshape(-1))


def test_the_family_takes_its_ranks_from_the_one_owner(monkeypatch):
    """min_calibration_size and the CV+ ranks call utils.stats.conformal_rank."""
    from sklearn.linear_model import Ridge
    from sklearn.naive_bayes import GaussianNB

    from skvariance.calibration import (
        ConformalClassifier,
        ConformalRegressor,
        _classifier,
        _regressor,
        base,
    )
    from skvariance.utils import stats

    calls = []

    def spy(n, level):
        calls.append((n, level))
        return stats.conformal_rank(n, level)

    for module in (base, _regressor, _classifier):
        if hasattr(module, "conformal_rank"):  # _regressor's CV+ ranks are base's
            monkeypatch.setattr(module, "conformal_rank", spy)
    assert base.min_calibration_size(0.9) == 9 and calls
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + rng.normal(size=60)
    calls.clear()
    reg = ConformalRegressor(Ridge(), method="cv_plus", cv=3).fit(X, y)
    bounds = reg.predict_interval(X[:4], coverage=0.8)
    assert (60, 0.8) in calls
    assert np.isfinite(bounds).all()
    labels = (y > 0).astype(int)
    calls.clear()
    clf = ConformalClassifier(GaussianNB(), method="cv_plus", cv=3, score="lac")
    clf.fit(X, labels).predict_set(X[:4], coverage=0.8)
    assert (60, 0.8) in calls

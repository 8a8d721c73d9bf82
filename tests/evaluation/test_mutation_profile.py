"""performance_profile: what the mutants of evaluation/_profile.py showed untested."""

import numpy as np
import pytest

from skvariance.evaluation import BootstrapCIDict, performance_profile
from skvariance.utils._seeds import MAX_SEED

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _draw(state, k, n):
    return (_mix((state + (k + 1) * _GOLDEN) & _MASK) >> 32) * n >> 32


@pytest.fixture
def scores():
    return np.random.RandomState(0).normal(0.5, 0.2, size=(5, 4))


def test_average_profile_with_task_bootstrap_rebuilt_by_hand(scores):
    # slot t holds the task of draw n_runs n_tasks + t; its runs are draws
    # t n_runs + i (documented stream layout of the kernels)
    n_runs, n_tasks = scores.shape
    tau = np.array([0.45, 0.5, 0.55])
    band = performance_profile(
        scores,
        tau,
        kind="average",
        n_resamples=30,
        task_bootstrap=True,
        random_state=4,
    )
    seed = int(np.random.RandomState(4).randint(MAX_SEED))
    ref = []
    for b in range(30):
        state = _mix(seed ^ _mix((b + _GOLDEN) & _MASK))
        means = []
        for t in range(n_tasks):
            task = _draw(state, n_runs * n_tasks + t, n_tasks)
            rows = [_draw(state, t * n_runs + i, n_runs) for i in range(n_runs)]
            means.append(np.mean(scores[rows, task]))
        ref.append((np.array(means)[:, None] > tau).mean(axis=0))
    np.testing.assert_allclose(band.bootstrap_distribution, ref, rtol=1e-12)


def test_a_threshold_equal_to_a_score_counts_only_strictly_above(scores):
    top, bottom = scores.max(), scores.min()
    band = performance_profile(
        scores, [top, bottom - 1.0], n_resamples=50, random_state=0
    )
    np.testing.assert_array_equal(band.bootstrap_distribution[:, 0], 0.0)
    np.testing.assert_array_equal(band.bootstrap_distribution[:, 1], 1.0)


@pytest.mark.parametrize(
    "kind, name", [("score", "performance_profile"), ("average", "average_profile")]
)
def test_band_records_the_call(scores, kind, name):
    band = performance_profile(
        scores,
        [0.5],
        kind=kind,
        n_resamples=20,
        confidence_level=0.8,
        random_state=0,
    )
    assert type(band.confidence_level) is float and band.confidence_level == 0.8
    assert band.method == "percentile"
    assert type(band.n_resamples) is int and band.n_resamples == 20
    assert band.statistic == name
    assert band.task_bootstrap is False
    assert band.bootstrap_distribution.shape == (20, 1)
    tb = performance_profile(
        scores,
        [0.5],
        kind=kind,
        n_resamples=20,
        task_bootstrap=True,
        random_state=0,
    )
    assert tb.task_bootstrap is True


def test_dict_profiles_keep_the_kind(scores):
    tau = np.array([0.6])
    # the two kinds differ on these scores
    by_score = (scores.ravel()[:, None] > tau).mean(axis=0)
    by_task = (scores.mean(axis=0)[:, None] > tau).mean(axis=0)
    assert by_score[0] != by_task[0]
    res = performance_profile({"a": scores}, tau)
    np.testing.assert_array_equal(res["a"], by_score)
    res = performance_profile({"a": scores}, tau, kind="average")
    np.testing.assert_array_equal(res["a"], by_task)


def test_dict_bands_and_two_runs(scores):
    two = scores[:2]
    res = performance_profile(
        {"a": scores, "b": two}, [0.5], n_resamples=20, random_state=0
    )
    assert isinstance(res, BootstrapCIDict) and list(res) == ["a", "b"]
    np.testing.assert_array_equal(res["b"].estimate, (two.ravel() > 0.5).mean())
    single = performance_profile(two, [0.5], n_resamples=20, random_state=0)
    np.testing.assert_array_equal(
        single.bootstrap_distribution, res["b"].bootstrap_distribution
    )
    with pytest.raises(ValueError, match=r"^scores\['b'\] needs at least 2 runs"):
        performance_profile({"a": scores, "b": two[:1]}, [0.5], n_resamples=20)
    with pytest.raises(ValueError, match=r"^scores needs at least 2 runs"):
        performance_profile(two[:1], [0.5], n_resamples=20)


@pytest.mark.parametrize(
    "thresholds, error, match",
    [
        (["a"], TypeError, r"^thresholds must be a float or a 1-d array of floats \("),
        (
            [[0.1, 0.2]],
            ValueError,
            r"^thresholds must be a float or a non-empty 1-d array\.$",
        ),
        ([0.1, np.nan], ValueError, r"^thresholds contains NaN\.$"),
    ],
)
def test_bad_thresholds_messages(scores, thresholds, error, match):
    with pytest.raises(error, match=match):
        performance_profile(scores, thresholds)


def test_bad_kind_and_flags_messages_without_resamples(scores):
    with pytest.raises(
        ValueError, match=r"^kind must be one of \('score', 'average'\), got 'x'\.$"
    ):
        performance_profile(scores, [0.5], kind="x")
    with pytest.raises(TypeError, match=r"^stratified must be a bool, got int\.$"):
        performance_profile(scores, [0.5], stratified=1)
    with pytest.raises(TypeError, match=r"^task_bootstrap must be a bool, got int\.$"):
        performance_profile(scores, [0.5], task_bootstrap=1)

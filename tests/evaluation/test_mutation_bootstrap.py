"""bootstrap_ci: behaviour the mutants of evaluation/_bootstrap.py showed untested."""

import numpy as np
import pytest
from scipy.stats import trim_mean

from skvariance.evaluation import bootstrap_ci
from skvariance.utils._seeds import MAX_SEED

# -- the documented SplitMix64 streams, written out in Python -----------------
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _draw(state, k, n):
    return (_mix((state + (k + 1) * _GOLDEN) & _MASK) >> 32) * n >> 32


def _poi_reference(x, y, n_resamples, random_state, stratified, task_bootstrap):
    """P(X > Y) + P(X = Y) / 2 on resamples rebuilt from the documented draws:
    task by task the n_x runs of x then the n_y runs of y (draws
    t (n_x + n_y) + ...; unstratified: draws 0 ... for every task); with task
    bootstrap slot t holds the task of draw n_tasks (n_x + n_y) + t."""
    n_x, n_tasks = x.shape
    n_y = y.shape[0]
    per_task = n_x + n_y
    seed = int(np.random.RandomState(random_state).randint(MAX_SEED))
    out = []
    for b in range(n_resamples):
        state = _mix(seed ^ _mix((b + _GOLDEN) & _MASK))
        acc = 0.0
        for t in range(n_tasks):
            task = (
                _draw(state, n_tasks * per_task + t, n_tasks) if task_bootstrap else t
            )
            base = t * per_task if stratified else 0
            xs = [x[_draw(state, base + i, n_x), task] for i in range(n_x)]
            ys = [y[_draw(state, base + n_x + j, n_y), task] for j in range(n_y)]
            wins = sum((a > c) + 0.5 * (a == c) for a in xs for c in ys)
            acc += wins / (n_x * n_y)
        out.append(acc / n_tasks)
    return np.array(out)


@pytest.fixture
def scores():
    return np.random.RandomState(0).normal(0.7, 0.1, size=(6, 3))


@pytest.mark.parametrize(
    "stratified, task_bootstrap", [(True, False), (False, False), (True, True)]
)
def test_probability_of_improvement_distribution_rebuilt_by_hand(
    stratified, task_bootstrap
):
    # kills stratified / task_bootstrap not handed to the pairwise kernel
    rng = np.random.RandomState(5)
    x = np.round(rng.normal(0.2, 1.0, size=(4, 3)), 1)  # ties between x and y
    y = np.round(rng.normal(0.0, 1.0, size=(5, 3)), 1)
    ci = bootstrap_ci(
        (x, y),
        "probability_of_improvement",
        n_resamples=40,
        stratified=stratified,
        task_bootstrap=task_bootstrap,
        random_state=3,
    )
    ref = _poi_reference(x, y, 40, 3, stratified, task_bootstrap)
    np.testing.assert_allclose(ci.bootstrap_distribution, ref, rtol=1e-12)


def test_integer_valued_callable_gives_float_results(scores):
    # kills the float64 casts of a callable's value (point and resamples)
    def above(r):
        return (r > 0.7).sum(axis=0)

    ci = bootstrap_ci(scores, above, n_resamples=20, random_state=0)
    assert ci.estimate.dtype == np.float64
    assert ci.bootstrap_distribution.dtype == np.float64
    np.testing.assert_array_equal(ci.estimate, (scores > 0.7).sum(axis=0))


def test_scalar_callable_gives_a_python_float(scores):
    ci = bootstrap_ci(scores, lambda r: np.max(r), n_resamples=20, random_state=0)
    assert type(ci.estimate) is float
    assert ci.estimate == np.max(scores)


def test_nan_on_the_observed_scores_only_raises(scores):
    # the resamples (almost surely never the observed matrix) give numbers
    def odd(r):
        return np.nan if np.array_equal(r, scores) else 1.0

    with pytest.raises(
        ValueError,
        match=r"statistic 'odd' returned NaN on the observed scores; a callable "
        r"statistic must return a number for every \(resampled\) score matrix\.",
    ):
        bootstrap_ci(scores, odd, n_resamples=20, random_state=0)


def test_nan_messages_name_the_statistic_and_the_fix(scores):
    def sometimes(r):
        return np.nan if r[0, 0] == r[1, 0] else 0.0

    with pytest.raises(
        ValueError,
        match=r"statistic 'sometimes' returned NaN on \d+ of 200 bootstrap "
        r"resamples; .*Make the statistic return a number for every resample "
        r"\(for example guard a division or a constant-column case\)\.",
    ):
        bootstrap_ci(scores, sometimes, n_resamples=200, random_state=0)

    def jack(r):  # NaN only with 5 rows: the leave-one-run-out samples
        return np.nan if r.shape[0] == 5 else 0.0

    with pytest.raises(ValueError, match=r"statistic 'jack' returned NaN on 6 of 6 "):
        bootstrap_ci(scores, jack, n_resamples=20, method="bca", random_state=0)


def test_result_records_the_call(scores):
    ci = bootstrap_ci(
        scores,
        "mean",
        n_resamples=30,
        confidence_level=0.8,
        method="bca",
        task_bootstrap=True,
        random_state=0,
    )
    assert type(ci.confidence_level) is float and ci.confidence_level == 0.8
    assert ci.method == "bca"
    assert type(ci.n_resamples) is int and ci.n_resamples == 30
    assert ci.task_bootstrap is True
    assert ci.statistic == "mean"
    res = bootstrap_ci({"a": scores}, "mean", n_resamples=30, random_state=0)
    assert res["a"].statistic == "mean"


def test_defaults_are_the_iqm_with_50000_resamples(scores):
    ci = bootstrap_ci(scores, random_state=0)
    assert ci.statistic == "iqm"
    assert ci.n_resamples == 50_000 == ci.bootstrap_distribution.shape[0]
    assert ci.estimate == pytest.approx(trim_mean(scores, 0.25, axis=None), rel=1e-12)


def test_callable_without_a_name_is_named_by_its_type(scores):
    class Spread:
        def __call__(self, r):
            return float(np.ptp(r))

    ci = bootstrap_ci(scores, Spread(), n_resamples=20, random_state=0)
    assert ci.statistic == "Spread"


@pytest.mark.parametrize("gamma", [np.inf, np.nan, True, "1"])
def test_gamma_must_be_a_finite_real(scores, gamma):
    with pytest.raises(TypeError, match=r"gamma must be a finite real number, got "):
        bootstrap_ci(scores, "optimality_gap", n_resamples=20, gamma=gamma)


def test_empty_dict_message():
    with pytest.raises(
        ValueError, match=r"^scores is an empty dict; expected name -> scores\.$"
    ):
        bootstrap_ci({}, "mean", n_resamples=20)


def test_two_runs_are_enough_and_one_is_not():
    two = np.array([[0.1, 0.5], [0.3, 0.9]])
    pair = (two, two[::-1] + 0.05)
    poi = "probability_of_improvement"
    assert bootstrap_ci(
        two, "mean", n_resamples=20, random_state=0
    ).estimate == pytest.approx(0.45)
    res = bootstrap_ci({"a": two}, "mean", n_resamples=20, random_state=0)
    assert res.estimate == pytest.approx({"a": 0.45})
    bootstrap_ci(pair, poi, n_resamples=20, random_state=0)
    bootstrap_ci({"p": pair}, poi, n_resamples=20, random_state=0)
    with pytest.raises(ValueError, match=r"^scores needs at least 2 runs"):
        bootstrap_ci(two[:1], "mean", n_resamples=20)
    with pytest.raises(ValueError, match=r"^scores\['a'\] needs at least 2 runs"):
        bootstrap_ci({"a": two[:1]}, "mean", n_resamples=20)
    with pytest.raises(ValueError, match=r"^scores\[0\] needs at least 2 runs"):
        bootstrap_ci((two[:1], two), poi, n_resamples=20)
    with pytest.raises(ValueError, match=r"^scores\['p'\]\[1\] needs at least 2 runs"):
        bootstrap_ci({"p": (two, two[:1])}, poi, n_resamples=20)

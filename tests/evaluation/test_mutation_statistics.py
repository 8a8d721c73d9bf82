"""iqm, optimality_gap, probability_of_improvement: what the mutants of
evaluation/_statistics.py showed untested."""

import numpy as np
import pytest
from scipy.stats import trim_mean

from skvariance.evaluation import iqm, optimality_gap, probability_of_improvement


def test_float32_scores_are_averaged_in_float64():
    x32 = np.random.RandomState(0).uniform(0.0, 1.3, size=(250, 4)).astype(np.float32)
    x64 = x32.astype(np.float64)
    # the references in float64 differ from a float32 computation here
    ref_iqm = trim_mean(x64, 0.25, axis=None)
    ref_gap = 1.0 - np.mean(np.minimum(x64, 1.0))
    assert float(trim_mean(x32, 0.25, axis=None)) != ref_iqm
    assert float(1.0 - np.mean(np.minimum(x32, 1.0))) != ref_gap
    assert iqm(x32) == pytest.approx(ref_iqm, rel=1e-14, abs=0)
    assert optimality_gap(x32) == pytest.approx(ref_gap, rel=1e-14, abs=0)


def test_a_pooled_iqm_is_a_python_float():
    assert type(iqm([[1.0, 2.0], [3.0, 4.0]])) is float


def test_dict_inputs_pass_axis_and_gamma_on():
    a = np.random.RandomState(1).normal(size=(8, 3))
    res = iqm({"a": a}, axis=0)
    np.testing.assert_allclose(res["a"], trim_mean(a, 0.25, axis=0), rtol=1e-14)
    gap = optimality_gap({"a": a}, gamma=0.5)
    assert gap["a"] == pytest.approx(0.5 - np.mean(np.minimum(a, 0.5)), rel=1e-14)


@pytest.mark.parametrize(
    "scores, match",
    [
        ([[1.0, 2.0], [3.0]], r"^scores must be a rectangular numeric array \("),
        (np.empty((0, 3)), r"^scores is empty: shape \(0, 3\)\.$"),
        (
            [[1.0, np.inf]],
            r"^scores contains infinite scores; scores must be finite\.$",
        ),
    ],
)
def test_check_messages_name_the_scores(scores, match):
    with pytest.raises(ValueError, match=match):
        iqm(scores)


def test_one_score_is_not_empty():
    assert iqm([[0.25]]) == 0.25


def test_task_mismatch_message_names_the_pair():
    with pytest.raises(
        ValueError,
        match=r"^\(scores_x, scores_y\): scores_x and scores_y must have the same "
        r"number of tasks",
    ):
        probability_of_improvement(np.zeros((3, 2)), np.zeros((3, 4)))

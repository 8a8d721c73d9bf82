"""Validation of score arrays, dicts and pairs."""

import numpy as np
import pytest

from skvariance.evaluation._validation import (
    check_pair,
    check_score_array,
    check_score_dict,
)


def test_one_dimensional_scores_are_one_task():
    assert check_score_array([1, 2, 3]).shape == (3, 1)


@pytest.mark.parametrize(
    "scores, error, match",
    [
        ([[1.0, np.nan]], ValueError, "NaN"),
        ([[1.0, np.inf]], ValueError, "infinite"),
        ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
        (np.zeros((0, 3)), ValueError, "empty"),
        (np.zeros((2, 2, 2)), ValueError, "shape"),
        ([["a", "b"]], TypeError, "numeric"),
    ],
)
def test_bad_arrays(scores, error, match):
    with pytest.raises(error, match=match):
        check_score_array(scores)


def test_min_runs_names_the_array():
    with pytest.raises(ValueError, match=r"scores\['a'\] needs at least 2 runs"):
        check_score_dict({"a": [[1.0, 2.0]]}, min_runs=2)


def test_ragged_dict_rejected():
    with pytest.raises(ValueError, match="ragged"):
        check_score_dict({"a": np.zeros((3, 2)), "b": np.zeros((3, 4))})
    with pytest.raises(ValueError, match="empty dict"):
        check_score_dict({})
    # different numbers of runs are fine
    out = check_score_dict({"a": np.zeros((3, 2)), "b": np.zeros((5, 2))})
    assert out["b"].shape == (5, 2)


def test_pairs():
    with pytest.raises(TypeError, match="pair"):
        check_pair(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 items|pair"):
        check_pair((np.zeros(3),))
    x, y = check_pair(([1.0, 2.0], [3.0, 4.0, 5.0]))
    assert x.shape == (2, 1) and y.shape == (3, 1)


def test_public_check_scores_validates_arrays_and_dicts():
    from skvariance.evaluation import check_scores

    out = check_scores({"a": [[1, 2]], "b": [[3.0, 4.0], [5.0, 6.0]]})
    assert list(out) == ["a", "b"] and out["a"].dtype == np.float64
    with pytest.raises(ValueError, match="at least 2 runs"):
        check_scores([[1.0, 2.0]], min_runs=2)
    with pytest.raises(ValueError, match=r"scores\['b'\] contains NaN"):
        check_scores({"a": [[1.0]], "b": [[np.nan]]})


def test_module_structure_has_no_cycles_or_private_cross_family_imports():
    """_statistics, _bootstrap and _profile import base/_validation, not each
    other; the plotting Displays import only public evaluation names."""
    import ast
    from pathlib import Path

    import skvariance

    root = Path(skvariance.__file__).parent

    def imported(path):
        tree = ast.parse(path.read_text())
        return {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }

    siblings = {"_statistics", "_bootstrap", "_profile"}
    for name in siblings:
        modules = imported(root / "evaluation" / f"{name}.py")
        assert not modules & siblings, (name, modules & siblings)
    plotting = imported(root / "plotting" / "_evaluation.py")
    assert not [m for m in plotting if m.startswith("evaluation.")], plotting

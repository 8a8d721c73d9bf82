"""check_scores forwards min_runs to every array of a dict."""

import re

import numpy as np
import pytest

from skvariance.evaluation import check_scores


def test_check_scores_dict_respects_min_runs():
    scores = {"a": [[1.0, 2.0], [3.0, 4.0]], "b": [[5.0, 6.0]]}
    msg = "scores['b'] needs at least 2 runs (rows), got 1 (shape (1, 2))."
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        check_scores(scores, min_runs=2)
    out = check_scores({"a": [[1.0], [2.0]], "b": [[3.0], [4.0]]}, min_runs=2)
    assert list(out) == ["a", "b"]
    np.testing.assert_array_equal(out["b"], [[3.0], [4.0]])

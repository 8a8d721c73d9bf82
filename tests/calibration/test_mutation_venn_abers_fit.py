"""Mutation tests of VennAbersClassifier.fit (issue 17/18).

Each test kills mutants of the decorated body that the behaviour tests of
test_venn_abers.py let survive; references are computed independently.
"""

import re

import numpy as np
import pytest
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 2)) + y[:, None]
    return X, y


@pytest.mark.parametrize(
    "n_jobs, err, msg",
    [
        (
            0,
            ValueError,
            "n_jobs == 0 has no meaning; use None, a positive int, or a "
            "negative int (-1 for all cores).",
        ),
    ],
)
def test_fit_checks_n_jobs(n_jobs, err, msg):
    X, y = _data()
    va = VennAbersClassifier(GaussianNB(), n_jobs=n_jobs, random_state=0)
    with pytest.raises(err, match="^" + re.escape(msg) + "$"):
        va.fit(X, y)


@pytest.mark.parametrize("method", ["inductive", "cross"])
def test_fit_string_labels_match_integer_labels(method):
    # y is not numeric: string labels are encoded like their integer twins
    X, y = _data()
    names = np.array(["a", "b", "c"])
    kw = dict(method=method, random_state=0)
    ints = VennAbersClassifier(GaussianNB(), **kw).fit(X, y)
    strs = VennAbersClassifier(GaussianNB(), **kw).fit(X, names[y])
    assert strs.classes_.tolist() == ["a", "b", "c"]
    assert strs.pairs_.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    np.testing.assert_array_equal(strs.predict_proba(X), ints.predict_proba(X))
    np.testing.assert_array_equal(strs.predict(X), names[ints.predict(X)])

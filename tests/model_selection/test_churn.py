"""seed_churn: prediction churn across seeds."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from skvariance.model_selection import seed_churn


# -- seed churn --------------------------------------------------------------------
def test_seed_churn_equals_brute_force_on_direct_fits(clf_data):
    """Predictions from direct fits; churn measures by brute force over pairs."""
    from sklearn.base import clone

    from skvariance.utils import set_random_state

    X, y = clf_data
    tree = DecisionTreeClassifier(max_features=2)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    res = seed_churn(tree, X, y, cv=folds, n_seeds=3, random_state=0)
    preds = np.empty((3, len(y)), dtype=y.dtype)
    for j, seed in enumerate(res.seeds):
        for train, test in folds.split(X, y):
            member = set_random_state(clone(tree), int(seed))
            preds[j, test] = member.fit(X[train], y[train]).predict(X[test])
    np.testing.assert_array_equal(res.predictions, preds)
    pairs = [(i, j) for i in range(3) for j in range(3) if i != j]
    # flip probability: share of ordered pairs of seeds that disagree
    flips = np.mean([preds[i] != preds[j] for i, j in pairs], axis=0)
    np.testing.assert_allclose(res.flip_probability, flips)
    assert res.disagreement == pytest.approx(flips.mean())
    # negative flips: right under seed i, wrong under seed j, over all rows
    nfr = np.mean([np.mean((preds[i] == y) & (preds[j] != y)) for i, j in pairs])
    assert res.negative_flip_rate == pytest.approx(nfr)
    np.testing.assert_allclose(res.accuracy, [np.mean(p == y) for p in preds])
    assert 0 < res.disagreement < 0.5


def test_seed_churn_deterministic_model_and_bad_input(clf_data):
    from sklearn.model_selection import ShuffleSplit

    X, y = clf_data
    res = seed_churn(LogisticRegression(), X, y, cv=3, n_seeds=2, random_state=0)
    assert res.disagreement == 0.0 and res.negative_flip_rate == 0.0
    with pytest.raises(ValueError, match="n_seeds"):
        seed_churn(LogisticRegression(), X, y, n_seeds=1)
    with pytest.raises(ValueError, match="at least 2 folds"):
        seed_churn(LogisticRegression(), X, y, cv=1)
    with pytest.raises(ValueError, match="exactly one test fold"):
        seed_churn(
            LogisticRegression(), X, y, cv=ShuffleSplit(2, random_state=0), n_seeds=2
        )

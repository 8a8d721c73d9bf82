"""ResampledClassifier vs imbalanced-learn pipelines and ``class_weight``.

Data: ``make_classification`` with 20 features, a 5% minority class and 1%
label noise; the model is ``LogisticRegression``; half the rows train, half
are held out. Each case rebalances to equal classes and is timed on the
same data in this process (fit only):

* ``upweight`` against ``LogisticRegression(class_weight="balanced")``:
  the same weighted loss, so ``max_coef_diff`` should be ~0;
* ``upsample`` against ``imblearn.pipeline.make_pipeline(RandomOverSampler(),
  LogisticRegression())``;
* ``smote`` against ``make_pipeline(imblearn SMOTE(), LogisticRegression())``
  (ours runs skvariance's SMOTE, through its public ``fit_resample``).

Quality columns, on the held-out half: ROC AUC of each side (rebalancing by
the same strategy should rank alike), and log-loss of each side: ours
applies the prior correction by default, the peers do not, which is the
calibration that ``ResampledClassifier`` adds.
"""

from functools import partial

import numpy as np
from _harness import compare, print_table
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from skvariance.resampling import ResampledClassifier

try:
    from imblearn.over_sampling import SMOTE as ImbSMOTE
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline
except ImportError:  # pragma: no cover
    ImbSMOTE = RandomOverSampler = make_pipeline = None


def _data(n, seed=0):
    X, y = make_classification(
        n_samples=2 * n,
        n_features=20,
        n_informative=8,
        weights=[0.95],
        flip_y=0.01,
        random_state=seed,
    )
    return X[:n], y[:n], X[n:], y[n:]


def _fit(model, X, y):
    return model.fit(X, y)


def _coef(model):
    return model.coef_ if hasattr(model, "coef_") else model.estimator_.coef_


def _quality(X_test, y_test, *, coef=False):
    def quality(ours, peer):
        p_ours = ours.predict_proba(X_test)[:, 1]
        row = {
            "auc_ours": roc_auc_score(y_test, p_ours),
            "logloss_ours": log_loss(y_test, p_ours),
        }
        if peer is not None:
            p_peer = peer.predict_proba(X_test)[:, 1]
            row["auc_peer"] = roc_auc_score(y_test, p_peer)
            row["logloss_peer"] = log_loss(y_test, p_peer)
            if coef:
                row["max_coef_diff"] = float(np.max(np.abs(_coef(ours) - _coef(peer))))
        return row

    return quality


def main(quick: bool = False):
    sizes = [20_000] if quick else [20_000, 200_000]
    rows = []
    for n in sizes:
        X, y, X_test, y_test = _data(n)
        lr = partial(LogisticRegression, tol=1e-8, max_iter=1000)
        cases = [
            ("upweight", lr(class_weight="balanced"), True),
            (
                "upsample",
                make_pipeline(RandomOverSampler(random_state=0), lr())
                if RandomOverSampler
                else None,
                False,
            ),
            (
                "smote",
                make_pipeline(ImbSMOTE(random_state=0), lr()) if ImbSMOTE else None,
                False,
            ),
        ]
        for strategy, peer, coef in cases:
            ours = ResampledClassifier(lr(), strategy=strategy, random_state=0)
            rows.append(
                compare(
                    f"{strategy} n={n:,}",
                    partial(_fit, ours, X, y),
                    None if peer is None else partial(_fit, peer, X, y),
                    repeat=1 if n > 100_000 else 3,
                    quality=_quality(X_test, y_test, coef=coef),
                )
            )
    print_table(
        "ResampledClassifier(LogisticRegression()) fit, balanced classes",
        rows,
        peer="peer",
    )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

"""Which ``prior_correction`` should ``ResampledClassifier`` default to? (issue 16)

Someone who rebalances a classifier usually does it to catch the rare
class. With the analytic prior correction (the default before issue 16),
``predict`` maps the probabilities back to the training prior, so the
decision rule is the unbalanced one again and the rebalancing is undone
for ``predict``. This prints, for held-out halves of real data sets with a
rare class, the rare class's recall and precision at ``predict``, the
balanced accuracy, and the log-loss of ``predict_proba`` for
``prior_correction`` False / True / "cv", over several seeds (a seed draws
the split and the resampler's randomness), as a markdown table.

Data: statsmodels ``fair`` (``affairs > 0``, 32%), statsmodels ``randhie``
(``hlthp``, poor health, 1.5%; 8,000 rows), scikit-learn ``breast_cancer``
with the malignant class subsampled to 6%, scikit-learn ``digits`` (8
against the rest, 5%). Models: a scaled ``LogisticRegression`` and
``HistGradientBoostingClassifier``, strategies ``"smote"`` and
``"upweight"``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_resampled_default.py``.
"""

from __future__ import annotations

import numpy as np

# the same four data sets as the trust benchmark (one definition)
from bench_resampled_trust import datasets
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    balanced_accuracy_score,
    log_loss,
    precision_score,
    recall_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.resampling import ResampledClassifier

MODELS = {
    "logistic": lambda seed: make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000)
    ),
    "hgb": lambda seed: HistGradientBoostingClassifier(max_iter=100, random_state=seed),
}
CORRECTIONS = (False, True, "cv")


def main(seeds=range(5)):
    print(
        "| data | model | strategy | prior_correction | recall | precision "
        "| balanced acc. | log-loss |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, X, y in datasets():
        for model_name, model in MODELS.items():
            for strategy in ("smote", "upweight"):
                rows = {c: [] for c in CORRECTIONS}
                for seed in seeds:
                    X_tr, X_te, y_tr, y_te = train_test_split(
                        X, y, test_size=0.3, stratify=y, random_state=seed
                    )
                    for correction in CORRECTIONS:
                        clf = ResampledClassifier(
                            model(seed),
                            strategy=strategy,
                            prior_correction=correction,
                            k_neighbors=3,
                            random_state=seed,
                        ).fit(X_tr, y_tr)
                        pred = clf.predict(X_te)
                        proba = clf.predict_proba(X_te)[:, 1]
                        rows[correction].append(
                            (
                                recall_score(y_te, pred),
                                precision_score(y_te, pred, zero_division=0),
                                balanced_accuracy_score(y_te, pred),
                                log_loss(y_te, proba),
                            )
                        )
                for correction, values in rows.items():
                    m = np.mean(values, axis=0)
                    print(
                        f"| {name} | {model_name} | {strategy} | {correction} | "
                        f"{m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.4f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()

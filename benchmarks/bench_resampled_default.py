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
from sklearn.datasets import load_breast_cancer, load_digits
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


def _subsample_rare(X, y, share, seed):
    rng = np.random.RandomState(seed)
    rare, common = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_rare = int(round(share * len(common) / (1 - share)))
    keep = np.sort(np.r_[common, rng.choice(rare, n_rare, replace=False)])
    return X[keep], y[keep]


def datasets():
    import statsmodels.api as sm

    fair = sm.datasets.fair.load_pandas().data
    yield (
        "fair (affairs>0)",
        fair.drop(columns="affairs").to_numpy(float),
        (fair["affairs"] > 0).to_numpy(int),
    )
    rand = sm.datasets.randhie.load_pandas().data.iloc[:8000]
    yield (
        "randhie (hlthp)",
        rand.drop(columns=["hlthp", "hlthg", "hlthf"]).to_numpy(float),
        rand["hlthp"].to_numpy(int),
    )
    X, y = load_breast_cancer(return_X_y=True)
    yield ("breast_cancer (6%)",) + _subsample_rare(X, 1 - y, 0.06, seed=0)
    X, y = load_digits(return_X_y=True)
    yield ("digits (8 vs rest, 5%)",) + _subsample_rare(
        X, (y == 8).astype(int), 0.05, 0
    )


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

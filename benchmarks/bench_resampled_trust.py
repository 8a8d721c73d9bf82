"""Can ResampledClassifier's probabilities be trusted? (issue 15)

Two experiments, printed as markdown tables.

1. **Prior correction with a flexible learner.** HistGradientBoosting on
   real data sets with a rare class, held-out log-loss and recall (of the
   rare class, threshold 0.5) for strategy ``"none"``, and ``"upweight"`` /
   ``"smote"`` with the analytic correction (``prior_correction=True``, the
   only one before issue 15) and the cross-fitted one
   (``prior_correction="cv"``), over several seeds (a seed draws the
   train/test split and the model's and resampler's randomness). Data:

   * statsmodels ``fair``: ``affairs > 0`` (32%), 6,366 rows;
   * statsmodels ``randhie``: ``hlthp`` (poor health, 1.5%), 8,000 of the
     20,190 rows, without the other health dummies;
   * scikit-learn ``breast_cancer`` with the malignant class subsampled to
     6% of the rows (23 of 380);
   * scikit-learn ``digits``: digit 8 against the rest, 8 subsampled to 5%.

2. **A stream that forgets.** One batch with both classes (5% rare), then
   six batches of the majority class only; ``SGDClassifier`` with a
   constant step (0.1) behind ``ResampledClassifier(strategy="upsample")``;
   mean predicted probability of the rare class on 4,000 held-out rows,
   divided by its rate there, without replay (the behaviour before issue
   15) and with the default replay memory. Also with SGD's default
   ``"optimal"`` step size, for the record.

Run against an older tree (``PYTHONPATH=<old tree> python
bench_resampled_trust.py``) to get the "before" numbers: options that do
not exist there are skipped. ``OMP_NUM_THREADS=1`` keeps the boosting from
oversubscribing a shared machine.
"""

from __future__ import annotations

import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import train_test_split

from skvariance.resampling import ResampledClassifier

NEW = "replay_size" in ResampledClassifier(None).get_params()


def _subsample_rare(X, y, share, seed):
    """Keep every common row and enough rare rows to make ``share`` of all."""
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


CASES = [("none", True), ("upweight", True), ("smote", True)]
if NEW:
    CASES += [("upweight", "cv"), ("smote", "cv"), ("none", "cv")]


def prior_correction_table(seeds):
    print("| data | rate | strategy | correction | log-loss | recall |")
    print("|---|---|---|---|---|---|")
    for name, X, y in datasets():
        scores = {case: [] for case in CASES}
        for seed in seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.5, stratify=y, random_state=seed
            )
            hgb = HistGradientBoostingClassifier(random_state=seed)
            for strategy, correction in CASES:
                clf = ResampledClassifier(
                    hgb,
                    strategy=strategy,
                    prior_correction=correction,
                    k_neighbors=3,
                    random_state=seed,
                ).fit(X_tr, y_tr)
                proba = clf.predict_proba(X_te)[:, 1]
                scores[(strategy, correction)].append(
                    (log_loss(y_te, proba), recall_score(y_te, proba > 0.5))
                )
        for (strategy, correction), rows in scores.items():
            rows = np.array(rows)
            m, s = rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(len(rows))
            print(
                f"| {name} | {y.mean():.3f} | {strategy} | {correction} | "
                f"{m[0]:.4f} ± {s[0]:.4f} | {m[1]:.3f} ± {s[1]:.3f} |",
                flush=True,
            )


def _stream(seed, batch=500, n_batches=7, minority=0.05):
    X, y = make_classification(
        n_samples=n_batches * batch + 4000,
        n_features=5,
        n_informative=3,
        weights=[1 - minority, minority],
        class_sep=1.5,
        flip_y=0.0,
        random_state=seed,
    )
    X_test, y_test = X[-4000:], y[-4000:]
    X, y = X[:-4000], y[:-4000]
    rare, common = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    parts = np.array_split(common, n_batches)
    return X, y, [np.r_[parts[0], rare]] + parts[1:], X_test, y_test


def stream_table(seeds):
    print("| SGD step | replay | mean p(rare) / rate: mean (min, max) over seeds |")
    print("|---|---|---|")
    steps = {
        "constant 0.1": dict(learning_rate="constant", eta0=0.1),
        "optimal (default)": {},
    }
    replays = [0, "auto"] if NEW else [None]
    for step, sgd in steps.items():
        for replay in replays:
            ratios = []
            for seed in seeds:
                X, y, batches, X_test, y_test = _stream(seed)
                params = {} if replay is None else {"replay_size": replay}
                clf = ResampledClassifier(
                    SGDClassifier(loss="log_loss", random_state=0, **sgd),
                    strategy="upsample",
                    random_state=0,
                    **params,
                )
                for b in batches:
                    clf.partial_fit(X[b], y[b], classes=[0, 1])
                ratios.append(clf.predict_proba(X_test)[:, 1].mean() / y_test.mean())
            ratios = np.array(ratios)
            label = "none (before)" if replay is None else replay
            print(
                f"| {step} | {label} | {ratios.mean():.3f} "
                f"({ratios.min():.3f}, {ratios.max():.3f}) |",
                flush=True,
            )


def main(quick: bool = False):
    seeds = range(2) if quick else range(5)
    stream_table(range(4) if quick else range(10))
    prior_correction_table(seeds)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

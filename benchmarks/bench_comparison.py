"""Model comparison: skvariance vs mlxtend, baycomp, autorank and optuna.

One process, the same data and the same splits for both sides:

- McNemar (exact and chi-squared): ``mcnemar_test`` vs mlxtend's
  ``mcnemar(mcnemar_table(...))`` on the predictions of two classifiers.
- 5x2cv paired t-test and combined F-test: statistics on mlxtend's own five
  2-fold splits (its ``train_test_split`` seeds reproduced) with
  deterministic models, so both sides must agree to rounding; times are of
  the full functions (20 fits each; ours with ``n_jobs=None``).
- Bayesian correlated t-test: ``bayesian_correlated_ttest`` vs baycomp's
  ``CorrelatedTTest.probs`` on a 10 x 10-fold score table.
- Friedman / Nemenyi: ``friedman_nemenyi`` vs autorank (forced
  non-parametric) on 30 data sets x 6 models: average ranks, p-value, CD.
- Hyperparameter importance: ``hyperparameter_importance(method="fanova")``
  vs optuna's ``FanovaImportanceEvaluator`` on the same RandomizedSearchCV
  trials of a HistGradientBoostingClassifier: rank agreement (Kendall tau,
  same top hyperparameter). The two fANOVAs differ on purpose: optuna weighs
  the hyperparameter ranges uniformly (on the log scale for log
  distributions), we weigh the sampled values (the search's own
  distribution), so shares differ while rankings should agree.

McNemar and the correlated t-test take microseconds: they are timed
interleaved (ours, peer, peer, ours, ...) in rounds of many calls, best
round per side (``_harness.compare_interleaved``), on a machine shared with
other work. ``--quick`` uses fewer trials and repetitions.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
from _harness import compare, compare_interleaved, environment, print_table
from scipy.stats import kendalltau, loguniform, randint
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.evaluation import (
    bayesian_correlated_ttest,
    friedman_nemenyi,
    ftest_5x2cv,
    mcnemar_test,
    ttest_5x2cv,
)
from skvariance.model_selection import (
    combined_ftest_5x2cv,
    hyperparameter_importance,
    paired_ttest_5x2cv,
)


def _peer(name):
    try:
        return __import__(name)
    except Exception:  # any import failure means "no peer"
        return None


#: interleaved rounds per side of the microsecond tests (McNemar, correlated
#: t), each timing INNER back-to-back calls
REPEAT_FAST = 41
INNER = 200

mlxtend = _peer("mlxtend")
baycomp = _peer("baycomp")
autorank_mod = _peer("autorank")
optuna = _peer("optuna")


def _models():
    return (
        make_pipeline(StandardScaler(), LogisticRegression(C=0.05)),
        GaussianNB(),
    )


def bench_mcnemar(X, y, repeat):
    from mlxtend.evaluate import mcnemar, mcnemar_table

    a, b = _models()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0)
    pa = a.fit(X_tr, y_tr).predict(X_te)
    pb = b.fit(X_tr, y_tr).predict(X_te)
    rows = []
    for exact in (True, False):
        row = compare_interleaved(
            f"McNemar exact={exact}",
            lambda exact=exact: mcnemar_test(y_te, pa, pb, exact=exact),
            lambda exact=exact: mcnemar(
                mcnemar_table(y_te, pa, pb), exact=exact, corrected=True
            ),
            repeat=repeat,
            inner=INNER,
            quality=lambda o, p: {
                "stat_ours": o.statistic,
                "stat_peer": p[0] if p[0] is not None else o.statistic,
                "p_ours": o.pvalue,
                "p_peer": p[1],
            },
        )
        rows.append(row)
    return rows


def _mlxtend_splits(n, random_seed):
    rng = np.random.RandomState(random_seed)
    out = []
    for _ in range(5):
        seed = rng.randint(low=0, high=32767)
        i1, i2 = train_test_split(np.arange(n), test_size=0.5, random_state=seed)
        out.append((i1, i2))
    return out


def _scores_on(splits, model, X, y):
    table = np.empty((5, 2))
    for i, (i1, i2) in enumerate(splits):
        table[i, 0] = model.fit(X[i1], y[i1]).score(X[i2], y[i2])
        table[i, 1] = model.fit(X[i2], y[i2]).score(X[i1], y[i1])
    return table


def bench_5x2cv(X, y, repeat):
    from mlxtend.evaluate import combined_ftest_5x2cv as mlx_f
    from mlxtend.evaluate import paired_ttest_5x2cv as mlx_t

    a, b = _models()
    splits = _mlxtend_splits(len(y), 1)
    sa, sb = _scores_on(splits, a, X, y), _scores_on(splits, b, X, y)
    same_t, same_f = ttest_5x2cv(sa, sb), ftest_5x2cv(sa, sb)
    rows = [
        compare(
            "5x2cv paired t (20 fits)",
            lambda: paired_ttest_5x2cv(a, b, X, y, random_state=0),
            lambda: mlx_t(a, b, X, y, random_seed=1),
            repeat=repeat,
            quality=lambda o, p: {
                "stat_ours": same_t.statistic,
                "stat_peer": p[0],
                "p_ours": same_t.pvalue,
                "p_peer": p[1],
            },
        ),
        compare(
            "5x2cv combined F (20 fits)",
            lambda: combined_ftest_5x2cv(a, b, X, y, random_state=0),
            lambda: mlx_f(a, b, X, y, random_seed=1),
            repeat=repeat,
            quality=lambda o, p: {
                "stat_ours": same_f.statistic,
                "stat_peer": p[0],
                "p_ours": same_f.pvalue,
                "p_peer": p[1],
            },
        ),
    ]
    return rows


def bench_bayesian(repeat):
    from baycomp import CorrelatedTTest

    rng = np.random.RandomState(0)
    x = 0.80 + 0.02 * rng.randn(100)
    y = x + 0.004 + 0.01 * rng.randn(100)
    rows = []
    for rope in (0.0, 0.01):
        row = compare_interleaved(
            f"correlated t, 10x10 CV, rope={rope}",
            lambda rope=rope: bayesian_correlated_ttest(
                x, y, n_train=9, n_test=1, rope=rope
            ),
            lambda rope=rope: CorrelatedTTest.probs(x, y, rope=rope, runs=10),
            repeat=repeat,
            inner=INNER,
            quality=lambda o, p: {
                # baycomp: (P(y - x < -rope), [P(rope),] P(y - x > rope))
                "P(x better) ours": o.prob_a_better,
                "P(x better) peer": p[0],
                "P(y better) ours": o.prob_b_better,
                "P(y better) peer": p[-1],
            },
        )
        rows.append(row)
    return rows


def bench_friedman(repeat):
    import pandas as pd
    from autorank import autorank

    rng = np.random.RandomState(0)
    scores = rng.rand(30, 6) * 0.3 + np.array([0.0, 0.02, 0.05, 0.1, 0.12, 0.2])
    names = [f"m{j}" for j in range(6)]
    frame = pd.DataFrame(scores, columns=names)

    def peer():
        # autorank prints its tables even with verbose=False
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return autorank(
                frame,
                alpha=0.05,
                verbose=False,
                order="descending",
                force_mode="nonparametric",
            )

    def quality(o, p):
        peer_ranks = p.rankdf["meanrank"].reindex(names).to_numpy()
        return {
            "max |rank diff|": float(np.max(np.abs(o.ranks - peer_ranks))),
            "p ours": o.pvalue,
            "p peer": p.pvalue,
            "CD ours": o.critical_difference,
            "CD peer": p.cd,
        }

    return [
        compare(
            "Friedman + Nemenyi, 30 x 6",
            lambda: friedman_nemenyi(scores, names=names),
            peer,
            repeat=repeat,
            quality=quality,
        )
    ]


def bench_importance(quick, repeat):
    from optuna.distributions import FloatDistribution, IntDistribution
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    X, y = load_breast_cancer(return_X_y=True)
    space = {
        "learning_rate": loguniform(1e-3, 1.0),
        "max_leaf_nodes": randint(2, 64),
        "l2_regularization": loguniform(1e-4, 10.0),
        "min_samples_leaf": randint(1, 60),
    }
    search = RandomizedSearchCV(
        HistGradientBoostingClassifier(max_iter=30, random_state=0),
        space,
        n_iter=15 if quick else 50,
        cv=3,
        random_state=0,
    ).fit(X, y)
    dists = {
        "learning_rate": FloatDistribution(1e-3, 1.0, log=True),
        "max_leaf_nodes": IntDistribution(2, 63),
        "l2_regularization": FloatDistribution(1e-4, 10.0, log=True),
        "min_samples_leaf": IntDistribution(1, 59),
    }
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    for params, value in zip(
        search.cv_results_["params"], search.cv_results_["mean_test_score"]
    ):
        study.add_trial(
            optuna.trial.create_trial(
                params={
                    k: (
                        int(v)
                        if k in ("max_leaf_nodes", "min_samples_leaf")
                        else float(v)
                    )
                    for k, v in params.items()
                },
                distributions=dists,
                value=float(value),
            )
        )

    def ours():
        return hyperparameter_importance(search, method="fanova", random_state=0)

    def peer():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return get_param_importances(
                study, evaluator=FanovaImportanceEvaluator(seed=0), normalize=True
            )

    def quality(o, p):
        names = sorted(dists)
        ours_imp = np.array([o.importances[n] for n in names])
        peer_imp = np.array([p[n] for n in names])
        top_o = names[int(np.argmax(ours_imp))]
        top_p = names[int(np.argmax(peer_imp))]
        ours_share = ours_imp / ours_imp.sum()
        return {
            "kendall tau": float(kendalltau(ours_imp, peer_imp).statistic),
            "top ours": top_o,
            "top peer": top_p,
            "shares ours": "/".join(f"{v:.2f}" for v in ours_share),
            "shares peer": "/".join(f"{v:.2f}" for v in peer_imp),
        }

    return [
        compare(
            f"fANOVA, {len(study.trials)} trials (order: {', '.join(sorted(dists))})",
            ours,
            peer,
            repeat=repeat,
            quality=quality,
        )
    ]


def main(quick: bool = False) -> None:
    print(environment(), "\n")
    repeat = 3 if quick else 5
    X, y = load_breast_cancer(return_X_y=True)
    if mlxtend is not None:
        print_table(
            f"McNemar: skvariance vs mlxtend -- best of {REPEAT_FAST} interleaved "
            f"rounds of {INNER} calls per side (s per call)",
            bench_mcnemar(X, y, REPEAT_FAST),
            peer="mlxtend",
        )
        print_table(
            "5x2cv tests: skvariance vs mlxtend (statistics on mlxtend's splits)",
            bench_5x2cv(X, y, 1 if quick else repeat),
            peer="mlxtend",
        )
    else:
        print("mlxtend not installed: McNemar and 5x2cv rows skipped\n")
    if baycomp is not None:
        print_table(
            f"Bayesian correlated t-test: skvariance vs baycomp -- best of "
            f"{REPEAT_FAST} interleaved rounds of {INNER} calls per side (s per call)",
            bench_bayesian(REPEAT_FAST),
            peer="baycomp",
        )
    if autorank_mod is not None:
        print_table(
            "Friedman / Nemenyi: skvariance vs autorank",
            bench_friedman(repeat),
            peer="autorank",
        )
    if optuna is not None:
        print_table(
            "Hyperparameter importance: skvariance vs optuna fANOVA",
            bench_importance(quick, repeat),
            peer="optuna",
        )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

"""Active testing (LURE) against uniform labelling at equal numbers of labels.

Active testing has no pip-installable peer: Kossen et al. (2021) published
research code only (github.com/jlko/active-testing), tied to their
experiment configs. So the "peer" columns say ``n/a`` and the comparison is
against the method it replaces, **uniform labelling**: ``M`` pool points drawn
uniformly without replacement, the sample mean, and the textbook interval
``mean -/+ z sqrt((1 - M/N) s^2 / M)`` (written out here, not taken from
skvariance).

Real data, none of which the tests use: scikit-learn's bundled ``digits``
and ``breast_cancer`` sets. A logistic regression is fitted on 40% of the
rows; the other 60% are the test pool whose mean loss (cross-entropy or
0-1 loss) is the target. Surrogates of the per-point expected loss:

* ``self``: the model's own predicted probabilities ``p`` (expected
  cross-entropy ``-sum_k p_k log p_k``, expected 0-1 loss ``1 - max_k p_k``);
* ``forest``: a random forest fitted on the same training rows, probabilities
  ``pi`` (``-sum_k pi_k log p_k``; ``1 - pi_{argmax p}``);
* ``noise``: uniform random numbers, an uninformative surrogate (to see what
  a useless surrogate costs).

For every case, ``repeats`` seeds of each method: RMSE of the estimate
against the pool's true mean loss, mean interval width and coverage of the
95% interval; ``rmse_ratio`` = active (default ``mixing=0.3``) / uniform
(below 1: active testing needs fewer labels). ``ours_s`` is the time of one
active-testing run (proposal of ``M`` points and the LURE estimate).
"""

import numpy as np
from _harness import environment, measure, print_table
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.evaluation import active_testing_estimate

Z = stats.norm.ppf(0.975)


def _data(name):
    loader = {"digits": load_digits, "breast_cancer": load_breast_cancer}[name]
    X, y = loader(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, train_size=0.4, random_state=0, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    model.fit(X_tr, y_tr)
    forest = RandomForestClassifier(n_estimators=200, random_state=0).fit(X_tr, y_tr)
    p = np.clip(model.predict_proba(X_te), 1e-12, 1.0)
    pi = forest.predict_proba(X_te)
    rows = np.arange(len(y_te))
    pred = p.argmax(axis=1)
    losses = {
        "log_loss": -np.log(p[rows, y_te]),
        "zero_one": (pred != y_te).astype(float),
    }
    surrogates = {
        "log_loss": {
            "self": -(p * np.log(p)).sum(axis=1),
            "forest": -(pi * np.log(p)).sum(axis=1),
        },
        "zero_one": {"self": 1.0 - p.max(axis=1), "forest": 1.0 - pi[rows, pred]},
    }
    noise = np.random.default_rng(0).uniform(size=len(y_te))
    for loss in surrogates:
        surrogates[loss]["noise"] = noise
    return losses, surrogates


def _uniform(loss, m, rng):
    n = loss.size
    idx = rng.choice(n, size=m, replace=False)
    est = loss[idx].mean()
    se = np.sqrt((1 - m / n) * loss[idx].var(ddof=1) / m)
    return est, est - Z * se, est + Z * se


def _summary(results, truth):
    est, low, high = (np.array(c) for c in zip(*results))
    rmse = float(np.sqrt(np.mean((est - truth) ** 2)))
    width = float(np.mean(high - low))
    cover = float(np.mean((low <= truth) & (truth <= high)))
    return rmse, width, cover


def main(quick: bool = False):
    print(environment(), "\n")
    repeats = 100 if quick else 400
    budgets = (50,) if quick else (25, 50, 100)
    for name in ("digits", "breast_cancer"):
        losses, surrogates = _data(name)
        rows = []
        for loss_name, loss in losses.items():
            truth = float(loss.mean())
            for m in budgets:
                rng = np.random.default_rng(1)
                uni = _summary([_uniform(loss, m, rng) for _ in range(repeats)], truth)
                for sur_name, expected in surrogates[loss_name].items():

                    def run(seed=0, expected=expected, loss=loss, m=m):
                        return active_testing_estimate(
                            expected, loss, m, random_state=seed
                        )

                    seconds, _ = measure(run, repeat=3)
                    act = [run(s) for s in range(repeats)]
                    act = _summary([(r.estimate, r.low, r.high) for r in act], truth)
                    rows.append(
                        {
                            "case": f"{loss_name} M={m} {sur_name}",
                            "ours_s": seconds,
                            "peer_s": None,
                            "rmse_active": act[0],
                            "rmse_uniform": uni[0],
                            "rmse_ratio": act[0] / uni[0],
                            "width_active": act[1],
                            "width_uniform": uni[1],
                            "cover_active": act[2],
                            "cover_uniform": uni[2],
                        }
                    )
        n_pool = len(next(iter(losses.values())))
        print_table(
            f"{name} (pool N={n_pool}, {repeats} repeats, 95% intervals)",
            rows,
            peer="paper-code (no pip peer)",
        )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

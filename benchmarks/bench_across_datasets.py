"""Across-data-set comparisons: skvariance vs scipy, scikit-posthocs and autorank.

One process, the same score tables for both sides:

- Wilcoxon signed-rank: ``wilcoxon_test`` vs ``scipy.stats.wilcoxon`` with
  Demšar's zero split (``zero_method="zsplit"``), on Demšar's Table 6 and on
  random tables of 30 and 200 data sets rounded to two decimals (ties and
  zero differences).
- Comparisons with a control: ``compare_to_control`` (Holm and
  Bonferroni-Dunn) vs scikit-posthocs' ``posthoc_demsar`` with
  ``p_adjust="holm"`` / ``"bonferroni"``: adjusted p-values and decisions.
- Conover's post-hoc test: ``conover_posthoc`` vs
  ``posthoc_conover_friedman`` (unadjusted and Holm).
- Effect sizes: ``effect_size`` vs autorank's ``_cohen_d``,
  ``_cliffs_delta``, ``_akinshin_gamma`` and ``_effect_level``.
- t-test interval: ``corrected_resampled_ttest(..., correction=False)
  .confidence_interval()`` vs ``scipy.stats.ttest_1samp(...)
  .confidence_interval()`` (the same interval when uncorrected).

``--quick`` uses fewer repetitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _harness import compare, environment, print_table
from scipy import stats

from skvariance.evaluation import (
    compare_to_control,
    conover_posthoc,
    corrected_resampled_ttest,
    effect_size,
    wilcoxon_test,
)

DEMSAR = np.array(
    [
        [0.763, 0.768, 0.771, 0.798],
        [0.599, 0.591, 0.590, 0.569],
        [0.954, 0.971, 0.968, 0.967],
        [0.628, 0.661, 0.654, 0.657],
        [0.882, 0.888, 0.886, 0.898],
        [0.936, 0.931, 0.916, 0.931],
        [0.661, 0.668, 0.609, 0.685],
        [0.583, 0.583, 0.563, 0.625],
        [0.775, 0.838, 0.866, 0.875],
        [1.000, 1.000, 1.000, 1.000],
        [0.940, 0.962, 0.965, 0.962],
        [0.619, 0.666, 0.614, 0.669],
        [0.972, 0.981, 0.975, 0.975],
        [0.957, 0.978, 0.946, 0.970],
    ]
)


def _peer(name):
    try:
        return __import__(name)
    except Exception:  # any import failure means "no peer"
        return None


sp = _peer("scikit_posthocs")
autorank_mod = _peer("autorank")


def _tables():
    rng = np.random.RandomState(0)
    return {
        "Demsar 14x4": DEMSAR,
        "random 30x6": np.round(rng.rand(30, 6) + np.linspace(0, 0.2, 6), 2),
        "random 200x10": np.round(rng.rand(200, 10) + np.linspace(0, 0.1, 10), 2),
    }


def bench_wilcoxon(repeat):
    rows = []
    for case, table in _tables().items():
        a, b = table[:, 1], table[:, 0]

        def quality(ours, ref):
            return {
                "abs_diff_stat": abs(ours.statistic - ref.statistic),
                "abs_diff_p": abs(ours.pvalue - ref.pvalue),
            }

        rows.append(
            compare(
                case,
                lambda a=a, b=b: wilcoxon_test(a, b, zero_method="zsplit"),
                lambda a=a, b=b: stats.wilcoxon(a, b, zero_method="zsplit"),
                repeat=repeat,
                quality=quality,
            )
        )
    return rows


def bench_control(repeat):
    rows = []
    for case, table in _tables().items():
        for method, adjust in (("holm", "holm"), ("bonferroni_dunn", "bonferroni")):

            def quality(ours, ref):
                ref = ref.to_numpy()
                return {
                    "max_abs_diff_p": float(
                        np.max(np.abs(ours.pvalues_adjusted - ref))
                    ),
                    "same_decisions": bool(
                        np.array_equal(ours.significant, ref <= 0.05)
                    ),
                }

            rows.append(
                compare(
                    f"{case} {method}",
                    lambda t=table, m=method: compare_to_control(t, 0, method=m),
                    lambda t=table, a=adjust: sp.posthoc_demsar(
                        t, control=0, p_adjust=a, to_matrix=False
                    ),
                    repeat=repeat,
                    quality=quality,
                )
            )
    return rows


def bench_conover(repeat):
    rows = []
    for case, table in _tables().items():
        for adjust in (None, "holm"):

            def quality(ours, ref):
                diff = np.abs(ours.pvalues - ref.to_numpy())
                return {"max_abs_diff_p": float(np.max(diff))}

            rows.append(
                compare(
                    f"{case} p_adjust={adjust}",
                    lambda t=table, a=adjust: conover_posthoc(t, p_adjust=a),
                    lambda t=table, a=adjust: sp.posthoc_conover_friedman(
                        t, p_adjust=a
                    ),
                    repeat=repeat,
                    quality=quality,
                )
            )
    return rows


def bench_effect_sizes(repeat):
    from autorank._util import (
        _akinshin_gamma,
        _cliffs_delta,
        _cohen_d,
        _effect_level,
    )

    peers = {
        "cohen_d": _cohen_d,
        "cliff_delta": _cliffs_delta,
        "akinshin_gamma": _akinshin_gamma,
    }
    rng = np.random.RandomState(1)
    rows = []
    for n in (30, 1000):
        a = pd.Series(np.round(rng.randn(n) + 0.3, 2))
        b = pd.Series(np.round(rng.randn(n), 2))
        for kind, peer in peers.items():

            def quality(ours, ref, kind=kind):
                return {
                    "abs_diff": abs(ours.value - ref),
                    "same_magnitude": ours.magnitude == _effect_level(ref, kind),
                }

            rows.append(
                compare(
                    f"n={n} {kind}",
                    lambda a=a, b=b, k=kind: effect_size(a, b, kind=k),
                    lambda a=a, b=b, p=peer: p(a, b),
                    repeat=repeat,
                    quality=quality,
                )
            )
    return rows


def bench_interval(repeat):
    rng = np.random.RandomState(2)
    rows = []
    for n in (10, 1000):
        d = rng.randn(n) + 0.2
        zeros = np.zeros(n)

        def quality(ours, ref):
            return {
                "abs_diff_low": abs(ours[0] - ref[0]),
                "abs_diff_high": abs(ours[1] - ref[1]),
            }

        rows.append(
            compare(
                f"n={n} 95%",
                lambda d=d, z=zeros: corrected_resampled_ttest(
                    d, z, n_train=1, n_test=1, correction=False
                ).confidence_interval(0.95),
                lambda d=d: tuple(stats.ttest_1samp(d, 0.0).confidence_interval(0.95)),
                repeat=repeat,
                quality=quality,
            )
        )
    return rows


def main(quick: bool = False) -> None:
    print(environment(), "\n")
    repeat = 3 if quick else 7
    print_table(
        "Wilcoxon signed-rank (zsplit): skvariance vs scipy",
        bench_wilcoxon(repeat),
        peer="scipy",
    )
    print_table(
        "t-test interval (uncorrected): skvariance vs scipy ttest_1samp",
        bench_interval(repeat),
        peer="scipy",
    )
    if sp is not None:
        print_table(
            "Comparisons with a control: skvariance vs scikit-posthocs posthoc_demsar",
            bench_control(repeat),
            peer="posthocs",
        )
        print_table(
            "Conover post-hoc: skvariance vs scikit-posthocs",
            bench_conover(repeat),
            peer="posthocs",
        )
    else:
        print("scikit-posthocs not installed: control and Conover rows skipped\n")
    if autorank_mod is not None:
        print_table(
            "Effect sizes: skvariance vs autorank",
            bench_effect_sizes(repeat),
            peer="autorank",
        )
    else:
        print("autorank not installed: effect-size rows skipped\n")


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

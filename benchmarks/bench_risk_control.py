"""Risk control: skvariance's RiskController vs MAPIE 1.6's ``risk_control``.

Both sides calibrate the same prefitted model on the same calibration rows,
in this process:

* Learn-then-Test for a binary classifier's threshold (precision and
  recall), ours ``RiskController(method="ltt",
  p_value="hoeffding_bentkus_mapie").conformalize`` vs MAPIE's
  ``BinaryClassificationController.calibrate`` on the same grid
  ``np.linspace(0, 0.99, 100)``, fixed-sequence and Holm FWER control; on
  statsmodels' anes96 vote data (real) and on a larger synthetic set;
* conformal risk control of the false-negative rate of multilabel sets,
  ours ``RiskController(risk="fnr", grid=1 - t)`` vs MAPIE's
  ``MultiLabelClassificationController(risk="recall", method="crc")`` on its
  grid ``t = np.arange(0, 1, 0.01)`` (MAPIE thresholds ``p > t``, we
  ``1 - p <= lambda``); on a multilabel target derived from the digits
  (real features) and on ``make_multilabel_classification``. A third row
  times ours with ``grid=None``, the exact infimum over every calibration
  score (no peer).

Agreement columns: ``same_threshold`` (ours ``threshold_`` equal to MAPIE's
``best_predict_param``, or ``1 -`` it for CRC, to 1e-12),
``same_valid`` (the same valid thresholds) and ``max_rel_p_diff`` /
``max_abs_risk_diff`` (p-values / risk curves).

Timing: both sides are warmed up once, then run ``repeat`` times
interleaved (ours, peer, peer, ours, ...), best and median of each; the
machine is small and shared with other work, so the medians are noisy.
"""

from __future__ import annotations

import warnings

import numpy as np
from _harness import compare_interleaved, print_table
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_multilabel_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier

from skvariance.calibration import RiskController


def _binary_data(quick):
    import statsmodels.api as sm

    data = sm.datasets.anes96.load_pandas().data
    X = data.drop(columns=["vote"]).to_numpy(float)
    y = data["vote"].to_numpy(int)
    yield "anes96", train_test_split(X, y, test_size=0.5, random_state=0)
    n = 4_000 if quick else 40_000
    X, y = make_classification(
        n_samples=n, n_features=20, weights=[0.7], flip_y=0.05, random_state=0
    )
    yield f"synthetic n={n}", train_test_split(X, y, test_size=0.5, random_state=0)


def _multilabel_data(quick):
    X, d = load_digits(return_X_y=True)
    Y = np.stack(
        [
            d % 2 == 0,
            d >= 5,
            np.isin(d, [2, 3, 5, 7]),
            d % 3 == 0,
            np.isin(d, [0, 1, 4, 9]),
        ],
        axis=1,
    ).astype(int)
    size = 300 if quick else 900
    yield (
        "digits",
        train_test_split(X / 16, Y, train_size=800, test_size=size, random_state=0),
    )
    n = 1_000 if quick else 3_000
    X, Y = make_multilabel_classification(n_samples=2 * n, n_classes=5, random_state=1)
    Y[Y.sum(axis=1) == 0, 0] = 1  # MAPIE needs a label in every row
    yield f"synthetic n_cal={n}", train_test_split(X, Y, test_size=0.5, random_state=0)


LEVEL_LTT = 0.8  # precision or recall guaranteed (MAPIE's target_level)
LEVEL_CRC = 0.9  # recall of the multilabel sets (1 - FNR)


def ltt_rows(quick, repeat):
    from mapie.risk_control import BinaryClassificationController

    rows = []
    for name, (X_train, X_cal, y_train, y_cal) in _binary_data(quick):
        clf = LogisticRegression(max_iter=2000).fit(X_train, y_train)
        for risk in ("precision", "recall"):
            for fwer in ("fixed_sequence", "bonferroni_holm"):

                def ours(risk=risk, fwer=fwer, clf=clf, X_cal=X_cal, y_cal=y_cal):
                    return RiskController(
                        clf,
                        risk=risk,
                        target=1 - LEVEL_LTT,
                        method="ltt",
                        fwer_method=fwer,
                        p_value="hoeffding_bentkus_mapie",
                    ).conformalize(X_cal, y_cal)

                def peer(risk=risk, fwer=fwer, clf=clf, X_cal=X_cal, y_cal=y_cal):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        return BinaryClassificationController(
                            clf.predict_proba,
                            risk,
                            target_level=LEVEL_LTT,
                            confidence_level=0.9,
                            fwer_method=fwer,
                        ).calibrate(X_cal, y_cal)

                def quality(a, b):
                    best = b.best_predict_param
                    ok = np.isfinite(b.p_values[:, 0])
                    rel = np.abs(a.p_values_[ok] - b.p_values[ok, 0]) / np.maximum(
                        b.p_values[ok, 0], 1e-300
                    )
                    return {
                        "threshold": a.threshold_,
                        "same_threshold": (best is None and not a.controlled_)
                        or (best is not None and abs(a.threshold_ - best) < 1e-12),
                        "same_valid": bool(
                            np.array_equal(
                                a.valid_thresholds_, np.sort(b.valid_predict_params)
                            )
                        ),
                        "max_rel_p_diff": float(rel.max()),
                    }

                rows.append(
                    compare_interleaved(
                        f"LTT {risk} {fwer}, {name} (n_cal={len(y_cal)})",
                        ours,
                        peer,
                        repeat=repeat,
                        quality=quality,
                    )
                )
    return rows


def crc_rows(quick, repeat):
    from mapie.risk_control import MultiLabelClassificationController

    rows = []
    t = np.arange(0, 1, 0.01)
    for name, (X_train, X_cal, Y_train, Y_cal) in _multilabel_data(quick):
        clf = MultiOutputClassifier(LogisticRegression(max_iter=2000))
        clf.fit(X_train, Y_train)

        def ours(clf=clf, X_cal=X_cal, Y_cal=Y_cal):
            return RiskController(
                clf, risk="fnr", target=1 - LEVEL_CRC, grid=(1 - t)[::-1]
            ).conformalize(X_cal, Y_cal)

        def peer(clf=clf, X_cal=X_cal, Y_cal=Y_cal):
            return MultiLabelClassificationController(
                clf.predict_proba, risk="recall", method="crc", target_level=LEVEL_CRC
            ).calibrate(X_cal, Y_cal)

        def quality(a, b):
            return {
                "threshold": a.threshold_,
                "same_threshold": bool(
                    abs(a.threshold_ - (1 - b.best_predict_param[0])) < 1e-12
                ),
                "max_abs_risk_diff": float(np.abs(a.risk_curve_ - b.r_hat[::-1]).max()),
            }

        case = f"CRC fnr, {name} (n_cal={len(Y_cal)})"
        rows.append(
            compare_interleaved(case, ours, peer, repeat=repeat, quality=quality)
        )

        def exact(clf=clf, X_cal=X_cal, Y_cal=Y_cal):
            return RiskController(clf, risk="fnr", target=1 - LEVEL_CRC).conformalize(
                X_cal, Y_cal
            )

        row = compare_interleaved(
            case + ", ours exact grid", exact, None, repeat=repeat
        )
        row["threshold"] = exact().threshold_
        rows.append(row)
    return rows


def main(quick: bool = False):
    repeat = 3 if quick else 9
    print_table(
        f"Learn-then-Test (binary), best of {repeat}",
        ltt_rows(quick, repeat),
        peer="mapie",
    )
    # MAPIE's multilabel controller loops in Python over rows and thresholds
    repeat = 3
    print_table(
        f"Conformal risk control (multilabel FNR), best of {repeat}",
        crc_rows(quick, repeat),
        peer="mapie",
    )


if __name__ == "__main__":
    main()

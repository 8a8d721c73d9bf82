"""Time-series conformal intervals: skvariance vs MAPIE's TimeSeriesRegressor.

Real series shipped with statsmodels (CO2 weekly, sunspots yearly, El Niño
monthly). Each row predicts the next value from the previous four
(``LinearRegression``); the first rows fit and calibrate, then the rest
arrive one at a time: each side gives the interval of the next row, then is
told its value. What is timed is that whole run, from ``(X, y)`` to the last
interval, on both sides:

* EnbPI: our ``EnbPIRegressor(symmetric=False)`` and MAPIE's
  ``TimeSeriesRegressor(method="enbpi")`` with the same ``BlockBootstrap``
  (30 resamplings, blocks of 10, overlapping, seed 0), the window updated
  after every step (MAPIE: ``update(..., ensemble=True)``, the paper's rule).
  ``max_abs_diff`` is the largest difference of the two sides' bounds over
  the run: the same method, so it must be at rounding level.
* ACI: our ``AdaptiveConformalRegressor`` (split calibration on the second
  half of the training rows, ``gamma=0.05``, all past scores) and MAPIE's
  ACI (``method="aci"``: EnbPI residuals, ``adapt_conformal_inference``
  with ``gamma=0.05``, then ``update``). Not the same method (MAPIE clips
  ``alpha_t`` to [0, 1] and reads signed EnbPI residuals), so the agreement
  column is the difference of long-run coverage, and both coverages and
  mean widths are shown; our conformal PID (no MAPIE counterpart) is listed
  beside it.

Timing: the machine is small and shared with other jobs; both sides run
interleaved in this process (ours, peer, peer, ours, ...), best of N.
"""

from __future__ import annotations

import warnings
from functools import partial
from importlib.util import find_spec

import numpy as np
from _harness import compare_interleaved, environment, print_table
from sklearn.linear_model import LinearRegression

from skvariance.calibration import AdaptiveConformalRegressor, EnbPIRegressor

TARGET = 0.9


def _series():
    from statsmodels.datasets import co2, elnino, sunspots

    return {
        "co2": co2.load_pandas().data["co2"].interpolate().bfill().to_numpy(),
        "sunspots": sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(),
        "elnino": elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel(),
    }


def _lagged(y, n_lags=4):
    X = np.column_stack([y[i : len(y) - n_lags + i] for i in range(n_lags)])
    return X, y[n_lags:]


def _summary(bounds, y):
    bounds = np.asarray(bounds)
    cover = (y >= bounds[:, 0]) & (y <= bounds[:, 1])
    width = bounds[:, 1] - bounds[:, 0]
    return float(cover.mean()), float(np.median(width))


def _cv():
    from mapie.subsample import BlockBootstrap

    return BlockBootstrap(n_resamplings=30, length=10, overlapping=True, random_state=0)


def ours_enbpi(Xtr, ytr, Xte, yte):
    model = EnbPIRegressor(bootstrap=_cv(), symmetric=False, coverage=TARGET)
    model.fit(Xtr, ytr)
    out = np.empty((len(yte), 2))
    for t in range(len(yte)):
        out[t] = model.predict_interval(Xte[t : t + 1])[0]
        model.update(Xte[t : t + 1], yte[t : t + 1])
    return out


def mapie_enbpi(Xtr, ytr, Xte, yte, method="enbpi", gamma=None):
    from mapie.regression import TimeSeriesRegressor

    model = TimeSeriesRegressor(
        LinearRegression(), method=method, cv=_cv(), agg_function="mean"
    ).fit(Xtr, ytr)
    out = np.empty((len(yte), 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # update()'s API notice
        for t in range(len(yte)):
            x, y = Xte[t : t + 1], yte[t : t + 1]
            _, b = model.predict(x, confidence_level=TARGET, allow_infinite_bounds=True)
            out[t] = b[0, :, 0]
            if gamma is not None:
                model.adapt_conformal_inference(
                    x, y, gamma=gamma, confidence_level=TARGET, ensemble=True
                )
            model.update(x, y, ensemble=True)
    return out


def ours_online(Xtr, ytr, Xte, yte, method="aci"):
    model = AdaptiveConformalRegressor(
        method=method, gamma=0.05, coverage=TARGET, calibration_size=0.5
    ).fit(Xtr, ytr)
    out = np.empty((len(yte), 2))
    for t in range(len(yte)):
        out[t] = model.predict_interval(Xte[t : t + 1])[0]
        model.update(Xte[t : t + 1], yte[t : t + 1])
    return out


def main(quick: bool = False) -> None:
    print(environment())
    n_steps = 100 if quick else 300
    repeat = 1 if quick else 2
    has_mapie = find_spec("mapie") is not None
    rows_enbpi, rows_aci = [], []
    for name, y in _series().items():
        X, t = _lagged(y)
        n_train = min(len(t) // 3, 400)
        Xtr, ytr = X[:n_train], t[:n_train]
        Xte, yte = X[n_train : n_train + n_steps], t[n_train : n_train + n_steps]
        case = f"{name} (train {n_train}, {len(yte)} steps)"

        def quality_enbpi(ours, peer, yte=yte):
            c_o, w_o = _summary(ours, yte)
            row = {"cov_ours": c_o, "width_ours": w_o}
            if peer is not None:
                c_p, w_p = _summary(peer, yte)
                row |= {"cov_peer": c_p, "width_peer": w_p}
                row["max_abs_diff"] = float(np.max(np.abs(ours - peer)))
            return row

        rows_enbpi.append(
            compare_interleaved(
                case,
                partial(ours_enbpi, Xtr, ytr, Xte, yte),
                partial(mapie_enbpi, Xtr, ytr, Xte, yte) if has_mapie else None,
                repeat=repeat,
                quality=quality_enbpi,
            )
        )

        pid = ours_online(Xtr, ytr, Xte, yte, method="pid")
        c_pid, w_pid = _summary(pid, yte)

        def quality_aci(ours, peer, yte=yte, c_pid=c_pid, w_pid=w_pid):
            c_o, w_o = _summary(ours, yte)
            row = {"cov_ours": c_o, "width_ours": w_o}
            if peer is not None:
                c_p, w_p = _summary(peer, yte)
                row |= {"cov_peer": c_p, "width_peer": w_p}
                row["cov_diff"] = c_o - c_p
            row |= {"cov_pid": c_pid, "width_pid": w_pid}
            return row

        rows_aci.append(
            compare_interleaved(
                case,
                partial(ours_online, Xtr, ytr, Xte, yte),
                partial(mapie_enbpi, Xtr, ytr, Xte, yte, "aci", 0.05)
                if has_mapie
                else None,
                repeat=repeat,
                quality=quality_aci,
            )
        )
    print_table(
        f"EnbPI, one step at a time (best of {repeat}; widths are medians)",
        rows_enbpi,
        peer="mapie",
    )
    print_table(
        f"ACI (gamma=0.05) and conformal PID, one step at a time (best of {repeat})",
        rows_aci,
        peer="mapie",
    )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

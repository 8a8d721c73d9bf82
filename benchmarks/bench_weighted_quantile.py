"""Row-wise weighted quantiles: skvariance's numba kernel vs NumPy.

The peer is ``np.quantile(..., method="inverted_cdf", weights=...)`` (NumPy
>= 2.0), the same definition, applied row by row as a user would. Quality
column: the largest absolute difference between the two (must be 0).
"""

from functools import partial

import numpy as np
from _harness import compare, print_table

from skvariance.utils import weighted_quantile

LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])


def _numpy_rows(values, weights):
    return np.stack(
        [
            np.quantile(v, LEVELS, method="inverted_cdf", weights=w)
            for v, w in zip(values, weights)
        ]
    )


def main(quick: bool = False):
    rng = np.random.RandomState(0)
    sizes = [(1_000, 50), (200, 2_000)] if quick else [(10_000, 50), (1_000, 5_000)]
    rows = []
    for n_rows, n_values in sizes:
        values = rng.normal(size=(n_rows, n_values))
        weights = rng.exponential(size=(n_rows, n_values))

        def quality(ours, peer):
            return {"max_abs_diff": float(np.max(np.abs(ours - peer)))}

        rows.append(
            compare(
                f"{n_rows} rows x {n_values} values",
                partial(weighted_quantile, values, LEVELS, sample_weight=weights),
                partial(_numpy_rows, values, weights),
                repeat=3,
                quality=quality,
            )
        )
    return print_table("weighted quantiles, 5 levels", rows, peer="numpy")


if __name__ == "__main__":
    main()

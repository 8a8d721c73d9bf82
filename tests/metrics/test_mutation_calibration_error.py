"""Tests added after mutation testing of calibration_error."""

import pytest

from skvariance.metrics import calibration_error


def test_debiased_bin_of_two_rows_subtracts_its_variance():
    # bin 0: p = (0.1, 0.2), y = (1, 0); bin 1: p = (0.7, 0.8, 0.9), y = (1, 1, 0)
    y = [1, 0, 1, 1, 0]
    p = [0.1, 0.2, 0.7, 0.8, 0.9]
    two = 2 / 5 * ((0.15 - 0.5) ** 2 - 0.25 / 1)
    three = 3 / 5 * ((0.8 - 2 / 3) ** 2 - (2 / 9) / 2)
    got = calibration_error(y, p, method="debiased", n_bins=2, squared=True)
    assert got == pytest.approx(two + three, rel=1e-12)

"""Mutation tests of ``worst_slab_coverage``: its default number of directions
and the bookkeeping of the worst slab across blocks of directions.

The data are built so that one direction, known in advance, is the unique
worst: the ``m`` rows with the largest projection on it are missed, so its
worst slab has coverage 0, while the other directions (nearly orthogonal in
many features) mix missed and covered rows. The reference is a brute force
over every slab of every direction, written here.
"""

import numpy as np
import pytest

import skvariance.metrics._conditional_coverage as cc
from skvariance.metrics import worst_slab_coverage


def _directions(seed, n_directions, n_features):
    # the documented draw: rows of random_state.normal(size=(D, p)), normalised
    g = np.random.RandomState(seed).normal(size=(n_directions, n_features))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _brute(X, hits, dirs, m):
    """Lowest coverage over the slabs of >= m rows, for each direction (no ties)."""
    z = X @ dirs.T
    cum = np.cumsum(hits[np.argsort(z, axis=0)], axis=0)
    cum = np.vstack([np.zeros((1, z.shape[1])), cum])
    cut = np.arange(X.shape[0] + 1)
    span = cut[None, :] - cut[:, None]  # rows in the slab between cuts i < j
    ok = span >= m
    cov = (cum[None, :, :] - cum[:, None, :]) / np.where(ok, span, 1)[:, :, None]
    return np.where(ok[:, :, None], cov, np.inf).min(axis=(0, 1))


def _missed_on_top(X, v, m):
    """y = 0 with [-1, 1] (covered) except on the m largest ``X @ v``: [1, 2]."""
    hits = np.ones(X.shape[0])
    hits[np.argsort(X @ v)[-m:]] = 0.0
    lower = np.where(hits == 1, -1.0, 1.0)
    return hits, np.column_stack([lower, lower + 2 - hits])


def test_the_default_draws_1000_directions():
    # the unique worst direction is the 1001st of the seed's stream: the
    # default (1000 directions) never sees it
    n, p, m = 60, 20, 12
    dirs = _directions(0, 1001, p)
    X = np.random.RandomState(100).normal(size=(n, p))
    hits, iv = _missed_on_top(X, dirs[1000], m)
    brute = _brute(X, hits, dirs, m)
    assert brute[1000] == 0.0 < brute[:1000].min()
    res = worst_slab_coverage(X, np.zeros(n), iv, delta=0.2, random_state=0)
    assert res.coverage == pytest.approx(brute[:1000].min(), abs=1e-15)
    np.testing.assert_array_equal(res.direction, dirs[int(np.argmin(brute[:1000]))])


def test_the_worst_direction_in_a_later_block_is_found_and_named(monkeypatch):
    # directions in blocks of 3: the first block's worst is its first
    # direction (coverage 1/3), the unique worst (coverage 0) is direction 4,
    # the second of the second block
    n, p, m = 30, 8, 6
    dirs = _directions(8, 6, p)
    X = np.random.RandomState(208).normal(size=(n, p))
    hits, iv = _missed_on_top(X, dirs[4], m)
    brute = _brute(X, hits, dirs, m)
    assert int(np.argmin(brute[:3])) == 0 and brute[0] == pytest.approx(1 / 3)
    assert brute[4] == 0.0 < np.delete(brute, 4).min()
    monkeypatch.setattr(cc, "_SLAB_BLOCK", 3 * n)
    res = worst_slab_coverage(
        X, np.zeros(n), iv, delta=0.2, n_directions=6, random_state=8
    )
    assert res.coverage == 0.0
    np.testing.assert_array_equal(res.direction, dirs[4])
    top = np.sort(X @ dirs[4])[-m:]
    assert res.count == m
    np.testing.assert_allclose([res.a, res.b], [top[0], top[-1]], rtol=1e-12)

"""Stratified bootstrap of score matrices (n_runs, n_tasks), with statistics.

Random numbers
--------------
The kernels draw their resampling indices from a **counter-based** generator
(SplitMix64) seeded by one integer: resample ``b`` has its own stream whose
state is ``mix(seed ^ mix(b + GOLDEN))``, and its ``k``-th draw is
``mix(state + (k + 1) * GOLDEN)``. Each resample is therefore a pure function
of ``(seed, b)``: the result is bit-identical for a given seed whatever the
number of numba threads (resamples are split into a fixed number of chunks,
each written to its own slots, with no reduction across threads). An index in
``[0, n)`` is ``((r >> 32) * n) >> 32`` (Lemire's multiply-shift), whose bias
is below ``n / 2**32``.

Within a resample the draws come task by task: for task ``t`` the ``n_runs``
draws ``t * n_runs ... (t + 1) * n_runs - 1`` pick the runs of that task
(stratified). Unstratified, the first ``n_runs`` draws pick whole runs (rows),
shared by every task. With **task bootstrap** (rliable's
``task_bootstrap=True``) the tasks are resampled too: task slot ``t`` holds
the task drawn by draw ``n_runs * n_tasks + t`` (after every run draw), and
its runs are drawn from that task as above. :func:`bootstrap_indices`
materialises exactly these indices, for callable statistics and for the
tests.

Statistics
----------
A resample of a matrix is a multiset of its entries, so every order statistic
is computed from *counts* over the entries sorted once: the interquartile mean
(and any trimmed mean) and the fraction of scores above thresholds cost
O(n_runs * n_tasks) per resample with no sort and no selection at all. The
probability of improvement uses per-task counts over each algorithm's sorted
runs and cumulative counts, O(n_x + n_y) per task instead of O(n_x * n_y).
"""

import numpy as np
from numba import prange

from ._config import array_elements, kernel

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)

#: Resamples are processed in this many chunks (a constant, so the split does
#: not depend on the number of threads; each chunk allocates scratch once).
N_CHUNKS = 64


@kernel(inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel(inline="always")
def _stream(seed, b):
    return _mix(np.uint64(seed) ^ _mix(np.uint64(b) + GOLDEN))


@kernel(inline="always")
def _index(state, k, n):
    """Draw ``k`` of the stream ``state``: an integer in ``[0, n)``."""
    r = _mix(state + (np.uint64(k) + np.uint64(1)) * GOLDEN)
    return np.int64(((r >> _S32) * np.uint64(n)) >> _S32)


@kernel(inline="always")
def _draw(state, stratified, t, i, n_runs):
    if stratified:
        return _index(state, t * n_runs + i, n_runs)
    return _index(state, i, n_runs)


@kernel(inline="always")
def _task(state, task_bootstrap, t, n_draws, n_tasks):
    """The task held by slot ``t``: itself, or draw ``n_draws + t``."""
    if task_bootstrap:
        return _index(state, n_draws + t, n_tasks)
    return t


@kernel(inline="always")
def _resample_counts(rank, seed, b, stratified, task_bootstrap, counts):
    """Resample ``b`` as counts over the sorted positions in ``rank``."""
    n_runs, n_tasks = rank.shape
    state = _stream(seed, b)
    counts[:] = 0
    for t in range(n_tasks):
        task = _task(state, task_bootstrap, t, n_runs * n_tasks, n_tasks)
        for i in range(n_runs):
            counts[rank[_draw(state, stratified, t, i, n_runs), task]] += 1


@kernel(parallel=True)
def bootstrap_indices(
    seed, start, n_runs, n_tasks, stratified, task_bootstrap, out, out_tasks
):
    """Resampled indices of resamples ``start ... start + len(out) - 1``.

    ``out`` (n_block, n_runs, n_tasks) int64 receives ``out[b, i, t]``, the
    run drawn for position ``i`` of task slot ``t`` in resample ``start + b``,
    and ``out_tasks`` (n_block, n_tasks) int64 the task each slot holds
    (``t`` itself without task bootstrap): the resample is
    ``scores[out[b], out_tasks[b]]``.
    """
    n_block = out.shape[0]
    for b in prange(n_block):
        state = _stream(seed, start + b)
        for t in range(n_tasks):
            out_tasks[b, t] = _task(state, task_bootstrap, t, n_runs * n_tasks, n_tasks)
            for i in range(n_runs):
                out[b, i, t] = _draw(state, stratified, t, i, n_runs)
    return out


def _resample_work(*args):
    """Work of a statistic kernel: every resample (row of ``out``, the last
    argument) redraws all the entries of the input arrays."""
    return args[-1].shape[0] * array_elements(*args[:-1])


@kernel(parallel=True, work=_resample_work)
def bootstrap_mean(scores, seed, stratified, task_bootstrap, out):
    """Mean of every resample of ``scores`` (n_runs, n_tasks) into ``out``.

    The mean over all entries; with a transformed matrix it also gives the
    optimality gap (``gamma - mean(min(scores, gamma))``).
    """
    n_runs, n_tasks = scores.shape
    n_resamples = out.shape[0]
    total = n_runs * n_tasks
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            state = _stream(seed, b)
            acc = 0.0
            for t in range(n_tasks):
                task = _task(state, task_bootstrap, t, total, n_tasks)
                for i in range(n_runs):
                    acc += scores[_draw(state, stratified, t, i, n_runs), task]
            out[b] = acc / total
    return out


@kernel(inline="always")
def _task_means(scores, seed, b, stratified, task_bootstrap, means):
    """The mean of each task slot's resampled runs in resample ``b``."""
    n_runs, n_tasks = scores.shape
    state = _stream(seed, b)
    for t in range(n_tasks):
        task = _task(state, task_bootstrap, t, n_runs * n_tasks, n_tasks)
        acc = 0.0
        for i in range(n_runs):
            acc += scores[_draw(state, stratified, t, i, n_runs), task]
        means[t] = acc / n_runs


@kernel(parallel=True, work=_resample_work)
def bootstrap_median_of_task_means(scores, seed, stratified, task_bootstrap, out):
    """Median over tasks of the per-task mean, for every resample."""
    n_runs, n_tasks = scores.shape
    n_resamples = out.shape[0]
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        means = np.empty(n_tasks)
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            _task_means(scores, seed, b, stratified, task_bootstrap, means)
            out[b] = np.median(means)
    return out


@kernel(parallel=True, work=_resample_work)
def bootstrap_task_mean_exceedance(
    scores, thresholds, seed, stratified, task_bootstrap, out
):
    """Fraction of task means above each threshold, for every resample.

    The bands of the average-score profile (rliable's
    ``use_score_distribution=False``): in each resample the mean of each task
    slot's runs, then ``mean(task_means > thresholds[j])``. ``thresholds``
    must be sorted in ascending order (NaN last). A NaN task mean is above no
    threshold, as in NumPy.
    """
    n_runs, n_tasks = scores.shape
    n_resamples, n_thr = out.shape
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        means = np.empty(n_tasks)
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            _task_means(scores, seed, b, stratified, task_bootstrap, means)
            means.sort()  # NaN sort last
            n_valid = n_tasks
            while n_valid > 0 and np.isnan(means[n_valid - 1]):
                n_valid -= 1
            # sweep the thresholds upwards: k = number of means <= threshold
            k = 0
            for j in range(n_thr):
                if np.isnan(thresholds[j]):
                    out[b, j] = 0.0
                    continue
                while k < n_valid and means[k] <= thresholds[j]:
                    k += 1
                out[b, j] = (n_valid - k) / n_tasks
    return out


@kernel(parallel=True, work=_resample_work)
def bootstrap_trimmed_mean(
    sorted_values, rank, lo, hi, seed, stratified, task_bootstrap, out
):
    """Mean of the entries of rank ``lo ... hi - 1`` of every resample.

    ``sorted_values`` (n_runs * n_tasks,) are all entries in ascending order
    and ``rank`` (n_runs, n_tasks) int64 the position of each entry in it; the
    interquartile mean is ``lo = int(0.25 * N)``, ``hi = N - lo`` (SciPy's
    ``trim_mean(..., 0.25)``). A resample is held as counts over the sorted
    positions and the window is summed in ascending order: no sort per
    resample.
    """
    n_runs, n_tasks = rank.shape
    n_total = sorted_values.shape[0]
    n_resamples = out.shape[0]
    width = hi - lo
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        counts = np.zeros(n_total, dtype=np.int64)
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            _resample_counts(rank, seed, b, stratified, task_bootstrap, counts)
            seen = 0
            acc = 0.0
            for k in range(n_total):
                m = counts[k]
                if m == 0:
                    continue
                first = max(seen, lo)
                last = min(seen + m, hi)
                if last > first:
                    acc += (last - first) * sorted_values[k]
                seen += m
                if seen >= hi:
                    break
            out[b] = acc / width
    return out


@kernel(parallel=True, work=_resample_work)
def bootstrap_exceedance(rank, positions, seed, stratified, task_bootstrap, out):
    """Fraction of resampled entries above each threshold, per resample.

    ``positions[j]`` is the number of sorted entries ``<= thresholds[j]``
    (``searchsorted(sorted_values, thresholds, side="right")``); ``out``
    (n_resamples, n_thresholds) receives the fraction of the resample's
    entries with sorted position ``>= positions[j]``, i.e. ``> thresholds[j]``.
    """
    n_runs, n_tasks = rank.shape
    n_total = n_runs * n_tasks
    n_resamples, n_thr = out.shape
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        counts = np.zeros(n_total + 1, dtype=np.int64)
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            _resample_counts(rank, seed, b, stratified, task_bootstrap, counts)
            # counts[k] becomes the number of entries at sorted position >= k.
            for k in range(n_total - 1, -1, -1):
                counts[k] += counts[k + 1]
            for j in range(n_thr):
                out[b, j] = counts[positions[j]] / n_total
    return out


@kernel(parallel=True, work=_resample_work)
def bootstrap_probability_of_improvement(
    x_rank, y_rank, y_less, y_equal, seed, stratified, task_bootstrap, out
):
    """Average over tasks of P(X > Y) + P(X = Y) / 2, independent resamples.

    Inputs are prepared per task from the two score matrices
    ``x`` (n_x, n_tasks) and ``y`` (n_y, n_tasks):

    ``x_rank`` (n_x, n_tasks) int64
        Position of each ``x[i, t]`` in the ascending order of ``x[:, t]``
        (distinct positions, ties broken by a stable sort).
    ``y_less``, ``y_equal`` (n_x, n_tasks) int64
        For the ``k``-th smallest ``x`` of task ``t``: the number of sorted
        ``y[:, t]`` strictly below it, and the number below or equal.
    ``y_rank`` (n_y, n_tasks) int64
        Position of each ``y[j, t]`` in the ascending order of ``y[:, t]``.

    In resample ``b`` the stream draws, task by task, the ``n_x`` runs of x
    then the ``n_y`` runs of y (draws ``t * (n_x + n_y) + ...``). Unstratified,
    draws ``0 ... n_x - 1`` pick the x rows and ``n_x ... n_x + n_y - 1`` the y
    rows for every task. With task bootstrap, slot ``t`` holds the task of
    draw ``n_tasks * (n_x + n_y) + t``, the same for x and y (tasks are
    paired).
    """
    n_x, n_tasks = x_rank.shape
    n_y = y_rank.shape[0]
    n_resamples = out.shape[0]
    per_task = n_x + n_y
    chunk = (n_resamples + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        cx = np.zeros(n_x, dtype=np.int64)
        cy = np.zeros(n_y + 1, dtype=np.int64)
        for b in range(c * chunk, min((c + 1) * chunk, n_resamples)):
            state = _stream(seed, b)
            acc = 0.0
            for t in range(n_tasks):
                task = _task(state, task_bootstrap, t, n_tasks * per_task, n_tasks)
                cx[:] = 0
                cy[:] = 0
                base = t * per_task if stratified else 0
                for i in range(n_x):
                    cx[x_rank[_index(state, base + i, n_x), task]] += 1
                for j in range(n_y):
                    cy[y_rank[_index(state, base + n_x + j, n_y), task] + 1] += 1
                # cy[k] becomes the number of resampled y among the k smallest.
                for k in range(1, n_y + 1):
                    cy[k] += cy[k - 1]
                wins = 0.0
                for k in range(n_x):
                    if cx[k] == 0:
                        continue
                    below = cy[y_less[k, task]]
                    tied = cy[y_equal[k, task]] - below
                    wins += cx[k] * (below + 0.5 * tied)
                acc += wins / (n_x * n_y)
            out[b] = acc / n_tasks
    return out

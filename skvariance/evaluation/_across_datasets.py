"""Frequentist comparisons of models across data sets, and effect sizes.

Demšar's recommendations for scores of several models on several data
sets: Wilcoxon's signed-rank test for two models, comparisons of every model
with a control by Friedman ranks (Holm's step-down or Bonferroni-Dunn),
Conover's post-hoc test of every pair after Friedman's test, and the effect
sizes with the magnitude labels autorank reports. Pure statistics on score
tables; :func:`~skvariance.evaluation.friedman_nemenyi` and
:func:`~skvariance.evaluation.adjust_pvalues` are reused, never copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import stats

from ._comparison import (
    _ALTERNATIVES,
    _check_alpha,
    _finite_array,
    _frame,
    _one_row,
    _paired,
    _ratio,
    _score_table,
    adjust_pvalues,
)

__all__ = [
    "ConoverResult",
    "ControlComparisonResult",
    "EffectSizeResult",
    "WilcoxonResult",
    "compare_to_control",
    "conover_posthoc",
    "effect_size",
    "wilcoxon_test",
]

_ZERO_METHODS = ("wilcox", "pratt", "zsplit")
_WILCOXON_METHODS = ("auto", "exact", "approx")
_CONTROL_METHODS = ("holm", "bonferroni_dunn")
_CONOVER_ADJUST = ("holm", "bh", "bonferroni", "single-step")
_EFFECT_KINDS = ("cohen_d", "cliff_delta", "akinshin_gamma")

#: Upper bounds of "negligible", "small" and "medium" for ``|effect|``, as in
#: autorank: Cohen (1988) for d and gamma, Romano et al. (2006) for delta.
EFFECT_THRESHOLDS = {
    "cohen_d": (0.2, 0.5, 0.8),
    "akinshin_gamma": (0.2, 0.5, 0.8),
    "cliff_delta": (0.147, 0.33, 0.474),
}
_MAGNITUDES = ("negligible", "small", "medium", "large")


def _check_choice(value, choices, name):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}.")
    return value


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


# -- Wilcoxon signed-rank ------------------------------------------------------------
@dataclass(eq=False)
class WilcoxonResult:
    """Outcome of :func:`wilcoxon_test`.

    Attributes
    ----------
    statistic : float
        :math:`\\min(R^+, R^-)` for the two-sided test, :math:`R^+` for a
        one-sided one (as :func:`scipy.stats.wilcoxon`).
    pvalue : float
        p-value for ``alternative``, :func:`scipy.stats.wilcoxon`'s.
    r_plus, r_minus : float
        Rank sums of the data sets where model A scores higher (``r_plus``)
        and lower (``r_minus``); zero differences counted by ``zero_method``.
    rank_biserial : float
        Matched-pairs rank-biserial correlation
        :math:`(R^+ - R^-)/(R^+ + R^-)` in [-1, 1], an effect size.
    n_datasets : int
        Number of data sets (pairs).
    n_zero : int
        Data sets on which the two models score the same.
    zero_method, alternative, method : str
        The options of the test.
    correction : bool
        Continuity correction of the normal approximation.

    Examples
    --------
    >>> from skvariance.evaluation import wilcoxon_test
    >>> res = wilcoxon_test([0.9, 0.8, 0.85, 0.7], [0.8, 0.82, 0.8, 0.6])
    >>> res.r_plus, res.r_minus
    (9.0, 1.0)
    """

    statistic: float
    pvalue: float
    r_plus: float
    r_minus: float
    rank_biserial: float
    n_datasets: int
    n_zero: int
    zero_method: str = "zsplit"
    correction: bool = False
    alternative: str = "two-sided"
    method: str = "auto"

    def to_frame(self):
        """The result as a one-row pandas DataFrame."""
        return _one_row(
            self,
            [
                "statistic",
                "pvalue",
                "r_plus",
                "r_minus",
                "rank_biserial",
                "n_datasets",
                "n_zero",
                "zero_method",
                "correction",
                "alternative",
                "method",
            ],
        )


def _signed_rank_sums(d, zero_method):
    """``(R+, R-)`` of the differences ``d`` as ``zero_method`` counts zeros."""
    zero = d == 0
    if zero_method == "wilcox":
        d = d[~zero]  # `zero` is only read by "zsplit"
    ranks = stats.rankdata(np.abs(d))
    r_plus = float(np.sum(ranks[d > 0]))
    r_minus = float(np.sum(ranks[d < 0]))
    if zero_method == "zsplit":
        half = float(np.sum(ranks[zero])) / 2.0
        r_plus += half
        r_minus += half
    return r_plus, r_minus


def wilcoxon_test(
    scores_a,
    scores_b,
    *,
    zero_method: str = "zsplit",
    correction: bool = False,
    alternative: str = "two-sided",
    method: str = "auto",
) -> WilcoxonResult:
    """Wilcoxon's signed-rank test of two models' scores over data sets.

    Demšar's recommended test for two models compared on ``N`` data sets:
    the differences :math:`d_i = a_i - b_i` are ranked by absolute value
    (ties averaged) and

    .. math:: R^+ = \\sum_{d_i > 0} \\mathrm{rank}(d_i), \\qquad
        R^- = \\sum_{d_i < 0} \\mathrm{rank}(d_i),

    the zero differences being split evenly between the two sums
    (``zero_method="zsplit"``, Demšar's rule), ranked and then dropped
    (``"pratt"``) or dropped before ranking (``"wilcox"``). The statistic is
    :math:`T = \\min(R^+, R^-)`. Unlike the paired t-test it does not assume
    normal differences, and unlike the sign test it uses their sizes; it
    is robust to outlying data sets.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_datasets,)
        Scores of models A and B, one per data set, same order; higher is
        better. At least 2 data sets and one non-zero difference.
    zero_method : {"zsplit", "pratt", "wilcox"}, default="zsplit"
        Treatment of zero differences (ties on a data set), as in
        :func:`scipy.stats.wilcoxon`, whose default is ``"wilcox"``.
    correction : bool, default=False
        Continuity correction of the normal approximation.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: A scores higher than B.
    method : {"auto", "exact", "approx"}, default="auto"
        Null distribution, as in :func:`scipy.stats.wilcoxon`.

    Returns
    -------
    result : WilcoxonResult
        ``statistic``, ``pvalue``, ``r_plus``, ``r_minus``,
        ``rank_biserial``; ``to_frame()``.

    See Also
    --------
    compare_to_control : more than two models, one of them a control.
    effect_size : Cohen's d, Cliff's delta, Akinshin's gamma.
    corrected_resampled_ttest : two models on the CV cells of one data set.

    Notes
    -----
    Statistic and p-value equal :func:`scipy.stats.wilcoxon` with the same
    options (the p-value is scipy's: its ``"auto"`` rule picks the exact or
    the normal distribution). Every difference zero raises a
    ``ValueError``: there is nothing to rank.

    References
    ----------
    .. [1] Demšar, J. "Statistical Comparisons of Classifiers over Multiple
       Data Sets", JMLR 7, 2006, section 3.1.3.
    .. [2] Wilcoxon, F. "Individual Comparisons by Ranking Methods",
       Biometrics Bulletin 1, 1945.

    Examples
    --------
    >>> from skvariance.evaluation import wilcoxon_test
    >>> a = [0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661, 0.583, 0.775,
    ...      1.000, 0.940, 0.619, 0.972, 0.957]
    >>> b = [0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668, 0.583, 0.838,
    ...      1.000, 0.962, 0.666, 0.981, 0.978]
    >>> res = wilcoxon_test(b, a)
    >>> res.r_plus, res.r_minus, res.statistic
    (93.0, 12.0, 12.0)
    >>> round(res.pvalue, 4)
    0.011
    """
    zero_method = _check_choice(zero_method, _ZERO_METHODS, "zero_method")
    correction = _check_bool(correction, "correction")
    alternative = _check_choice(alternative, _ALTERNATIVES, "alternative")
    method = _check_choice(method, _WILCOXON_METHODS, "method")
    d = _paired(scores_a, scores_b)
    if d.ndim != 1:
        raise ValueError(
            "scores_a and scores_b must be 1-d: one score per data set, got shape "
            f"{d.shape}."
        )
    if not np.any(d != 0):
        raise ValueError(
            "every difference scores_a - scores_b is zero: the signed-rank test "
            "has nothing to rank."
        )
    r_plus, r_minus = _signed_rank_sums(d, zero_method)
    statistic = min(r_plus, r_minus) if alternative == "two-sided" else r_plus
    res = stats.wilcoxon(
        d,
        zero_method=zero_method,
        correction=correction,
        alternative=alternative,
        method=method,
    )
    total = r_plus + r_minus
    return WilcoxonResult(
        statistic=float(statistic),
        pvalue=float(res.pvalue),
        r_plus=r_plus,
        r_minus=r_minus,
        rank_biserial=float((r_plus - r_minus) / total),
        n_datasets=int(d.size),
        n_zero=int(np.sum(d == 0)),
        zero_method=zero_method,
        correction=correction,
        alternative=alternative,
        method=method,
    )


# -- comparisons with a control ------------------------------------------------------
@dataclass(eq=False)
class ControlComparisonResult:
    """Outcome of :func:`compare_to_control`.

    Attributes
    ----------
    control : str
        Name of the control model.
    names : list of str
        Every model, in column order (the control included).
    ranks : ndarray of shape (n_models,)
        Average Friedman rank of every model, 1 = best.
    others : list of str
        The models compared with the control, in column order.
    z : ndarray of shape (n_models - 1,)
        :math:`(R_{control} - R_i) / \\sqrt{k(k+1)/(6N)}`: positive when
        model ``i`` ranks better than the control.
    pvalues : ndarray of shape (n_models - 1,)
        Unadjusted normal p-values of ``z`` for ``alternative``.
    pvalues_adjusted : ndarray of shape (n_models - 1,)
        Holm's step-down (``method="holm"``) or Bonferroni's
        (``method="bonferroni_dunn"``) adjusted p-values.
    significant : ndarray of bool, shape (n_models - 1,)
        ``pvalues_adjusted <= alpha``.
    critical_difference : float
        Bonferroni-Dunn critical difference of average ranks at ``alpha``:
        :math:`z_{1-\\alpha/(2(k-1))} \\sqrt{k(k+1)/(6N)}` (one-sided
        quantile :math:`z_{1-\\alpha/(k-1)}` for a one-sided alternative).
    method : str
        ``"holm"`` or ``"bonferroni_dunn"``.
    alternative : str
        ``"two-sided"``, ``"greater"`` (model better than the control) or
        ``"less"``.
    alpha : float
        Level of ``significant`` and of the critical difference.
    n_datasets : int
        Number of data sets (rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from skvariance.evaluation import compare_to_control
    >>> scores = pd.DataFrame({"base": [0.7, 0.6, 0.8, 0.7],
    ...                        "new": [0.8, 0.7, 0.9, 0.75],
    ...                        "other": [0.75, 0.5, 0.85, 0.6]})
    >>> res = compare_to_control(scores, "base")
    >>> res.others, [round(float(z), 3) for z in res.z]
    (['new', 'other'], [2.121, 0.0])
    """

    control: str
    names: list
    ranks: np.ndarray
    others: list
    z: np.ndarray
    pvalues: np.ndarray
    pvalues_adjusted: np.ndarray
    significant: np.ndarray
    critical_difference: float
    method: str = "holm"
    alternative: str = "two-sided"
    alpha: float = 0.05
    n_datasets: int = 0

    def to_frame(self):
        """One row per model compared with the control, indexed by its name.

        Columns ``rank``, ``rank_difference`` (control's rank minus the
        model's: positive when the model ranks better), ``z``, ``pvalue``,
        ``pvalue_adjusted``, ``significant``.
        """
        rank = dict(zip(self.names, np.asarray(self.ranks, dtype=float)))
        ranks = np.array([rank[n] for n in self.others])
        return _frame(
            {
                "rank": ranks,
                "rank_difference": rank[self.control] - ranks,
                "z": np.asarray(self.z, dtype=float),
                "pvalue": np.asarray(self.pvalues, dtype=float),
                "pvalue_adjusted": np.asarray(self.pvalues_adjusted, dtype=float),
                "significant": np.asarray(self.significant, dtype=bool),
            },
            self.others,
        )


def _control_index(control, names):
    if isinstance(control, str):
        if control not in names:
            raise ValueError(f"control {control!r} is not one of the models {names}.")
        return names.index(control)
    if isinstance(control, Integral) and not isinstance(control, (bool, np.bool_)):
        k = len(names)
        if not -k <= control < k:
            raise ValueError(
                f"control={control} is out of range for {k} models (columns)."
            )
        return int(control) % k
    raise TypeError(
        f"control must be a model name (str) or a column index (int), got {control!r}."
    )


def compare_to_control(
    scores,
    control,
    *,
    method: str = "holm",
    alpha: float = 0.05,
    alternative: str = "two-sided",
    names=None,
) -> ControlComparisonResult:
    """Compare every model with a control by Friedman ranks over data sets.

    Models are ranked on each of the ``N`` data sets (1 = highest score,
    ties averaged) and :math:`R_j` is model ``j``'s average rank. Model
    ``i`` is compared with the control ``c`` by

    .. math:: z_i = \\frac{R_c - R_i}{\\sqrt{k(k+1)/(6N)}},

    a standard normal under the null hypothesis of equal ranks. With
    ``method="holm"`` the ``k - 1`` p-values are adjusted by Holm's
    step-down procedure; with ``method="bonferroni_dunn"`` by Bonferroni's
    (Dunn's test), equivalently a model differs from the control when its
    average rank differs by more than the critical difference
    :math:`CD = z_{1-\\alpha/(2(k-1))} \\sqrt{k(k+1)/(6N)}`. Both control the
    family-wise error at ``alpha``; Holm's is uniformly more powerful.

    Parameters
    ----------
    scores : array-like of shape (n_datasets, n_models), DataFrame or dict
        One score per data set and model, higher is better; a DataFrame's
        columns or a dict's keys name the models. At least 2 data sets and
        2 models.
    control : str or int
        The control model: its name, or its column index.
    method : {"holm", "bonferroni_dunn"}, default="holm"
        Multiple-comparison procedure.
    alpha : float, default=0.05
        Family-wise error level of ``significant`` and of the critical
        difference.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: the model ranks better than the control.
    names : list of str, default=None
        Model names for an array; by default the DataFrame's columns or the
        dict's keys, else ``"model_0"``, ...

    Returns
    -------
    result : ControlComparisonResult
        ``ranks``, ``z``, ``pvalues``, ``pvalues_adjusted``, ``significant``,
        ``critical_difference``; ``to_frame()``.

    See Also
    --------
    friedman_nemenyi : Friedman's test and every pair by Nemenyi's test.
    conover_posthoc : every pair by Conover's more powerful test.
    wilcoxon_test : two models.

    Notes
    -----
    The p-values equal scikit-posthocs' ``posthoc_demsar(scores,
    control=..., p_adjust="holm")`` (``"bonferroni"`` for Bonferroni-Dunn),
    which ranks 1 = lowest score: ``z`` has the same sign because
    :math:`R_c - R_i` is the same difference of ranks counted from the
    other end. Demšar advises running these comparisons after Friedman's
    test rejects (:func:`friedman_nemenyi` gives it).

    References
    ----------
    .. [1] Demšar, J. "Statistical Comparisons of Classifiers over Multiple
       Data Sets", JMLR 7, 2006, section 3.2.2.
    .. [2] Holm, S. "A Simple Sequentially Rejective Multiple Test
       Procedure", Scandinavian Journal of Statistics 6, 1979.
    .. [3] Dunn, O. J. "Multiple Comparisons among Means", JASA 56, 1961.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import compare_to_control
    >>> rng = np.random.RandomState(0)
    >>> scores = rng.rand(20, 4) + [0.0, 0.05, 0.4, 0.6]
    >>> res = compare_to_control(scores, 0, names=["base", "A", "B", "C"])
    >>> res.others, res.significant.tolist()
    (['A', 'B', 'C'], [False, True, True])
    >>> dunn = compare_to_control(scores, "base", method="bonferroni_dunn",
    ...                           names=["base", "A", "B", "C"])
    >>> round(dunn.critical_difference, 3)
    0.98
    """
    method = _check_choice(method, _CONTROL_METHODS, "method")
    _check_alpha(alpha)
    alternative = _check_choice(alternative, _ALTERNATIVES, "alternative")
    arr, names = _score_table(scores, names)
    n, k = arr.shape
    if k < 2:
        raise ValueError(f"compare_to_control needs at least 2 models, got {k}.")
    if n < 2:
        raise ValueError(f"compare_to_control needs at least 2 data sets, got {n}.")
    c = _control_index(control, names)
    ranks = stats.rankdata(-arr, axis=1).mean(axis=0)
    se = np.sqrt(k * (k + 1) / (6.0 * n))
    others = [j for j in range(k) if j != c]
    z = (ranks[c] - ranks[others]) / se
    if alternative == "two-sided":
        pvalues = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
        quantile = stats.norm.isf(alpha / (2.0 * (k - 1)))
    else:
        pvalues = stats.norm.sf(z) if alternative == "greater" else stats.norm.cdf(z)
        quantile = stats.norm.isf(alpha / (k - 1))
    adjusted = adjust_pvalues(pvalues, "holm" if method == "holm" else "bonferroni")
    return ControlComparisonResult(
        control=names[c],
        names=names,
        ranks=ranks,
        others=[names[j] for j in others],
        z=z,
        pvalues=pvalues,
        pvalues_adjusted=adjusted,
        significant=adjusted <= alpha,
        critical_difference=float(quantile * se),
        method=method,
        alternative=alternative,
        alpha=float(alpha),
        n_datasets=n,
    )


# -- Conover's post-hoc test ------------------------------------------------------
@dataclass(eq=False)
class ConoverResult:
    """Outcome of :func:`conover_posthoc`.

    Attributes
    ----------
    pvalues : ndarray of shape (n_models, n_models)
        p-value of every pair (adjusted by ``p_adjust``), 1 on the diagonal.
    statistic : ndarray of shape (n_models, n_models)
        Conover's :math:`|t|` of every pair, 0 on the diagonal.
    names : list of str
        Model names, in column order.
    rank_sums : ndarray of shape (n_models,)
        Sum over the data sets of each model's rank (1 = highest score).
    df : float
        Degrees of freedom :math:`(N-1)(k-1)` of the t distribution.
    p_adjust : str or None
        The adjustment of the p-values.
    n_datasets : int
        Number of data sets (rows).

    Examples
    --------
    >>> from skvariance.evaluation import conover_posthoc
    >>> res = conover_posthoc({"a": [3, 2, 3, 1], "b": [2, 3, 1, 2],
    ...                        "c": [1, 1, 2, 3]})
    >>> res.names, res.rank_sums.tolist(), res.df
    (['a', 'b', 'c'], [7.0, 8.0, 9.0], 6.0)
    """

    pvalues: np.ndarray = field(repr=False)
    statistic: np.ndarray = field(repr=False)
    names: list = field(default_factory=list)
    rank_sums: np.ndarray = field(default=None)
    df: float = 0.0
    p_adjust: str | None = None
    n_datasets: int = 0

    def to_frame(self, kind: str = "pvalues"):
        """The p-value (or ``kind="statistic"``) matrix, models as rows and columns."""
        if kind not in ("pvalues", "statistic"):
            raise ValueError(f"kind must be 'pvalues' or 'statistic', got {kind!r}.")
        values = np.asarray(getattr(self, kind), dtype=float)
        return _frame(
            {name: values[:, j] for j, name in enumerate(self.names)}, self.names
        )


def conover_posthoc(scores, *, p_adjust: str | None = None, names=None):
    """Conover's post-hoc test of every pair of models after Friedman's test.

    With :math:`r_{ij}` the rank of model ``j`` on data set ``i`` (ties
    averaged), :math:`R_j = \\sum_i r_{ij}` its rank sum,
    :math:`A = \\sum_{ij} r_{ij}^2`,
    :math:`S^2 = (A - Nk(k+1)^2/4)/(k-1)` and Friedman's
    :math:`T = \\sum_j (R_j - N(k+1)/2)^2 / S^2`, models ``j`` and ``l``
    differ when

    .. math:: t_{jl} = \\frac{|R_j - R_l|}{\\sqrt{\\frac{2 N (k-1) S^2}{(N-1)(k-1)}
        \\Big(1 - \\frac{T}{N(k-1)}\\Big)}}

    is large on the Student t distribution with :math:`(N-1)(k-1)` degrees of
    freedom (two-sided). It uses the residual variation of the ranks, so it
    is more powerful than Nemenyi's test.

    Parameters
    ----------
    scores : array-like of shape (n_datasets, n_models), DataFrame or dict
        One score per data set and model; a DataFrame's columns or a dict's
        keys name the models. At least 2 data sets and 2 models.
    p_adjust : {"holm", "bh", "bonferroni", "single-step"} or None, default=None
        Adjustment over the :math:`k(k-1)/2` pairs
        (:func:`adjust_pvalues`); ``"single-step"`` refers
        :math:`\\sqrt 2\\, t` to the studentized range distribution (Tukey's
        single-step procedure) instead. ``None``: unadjusted.
    names : list of str, default=None
        Model names for an array; by default the DataFrame's columns or the
        dict's keys, else ``"model_0"``, ...

    Returns
    -------
    result : ConoverResult
        ``pvalues`` and ``statistic`` matrices; ``to_frame()`` is the p-value
        matrix labelled by the model names.

    See Also
    --------
    friedman_nemenyi : Friedman's test and Nemenyi's post-hoc test.
    compare_to_control : every model against one control.

    Notes
    -----
    The p-values equal scikit-posthocs'
    ``posthoc_conover_friedman(scores, p_adjust=...)`` (its ``"fdr_bh"``
    is ``"bh"`` here). When every model ties on every data set the ranks
    carry no information and every p-value is 1; when the models rank the
    same way on every data set the denominator is 0 and the p-value of each
    pair with different rank sums is 0.

    References
    ----------
    .. [1] Conover, W. J. and Iman, R. L. "On Multiple-Comparisons
       Procedures", Los Alamos Scientific Laboratory LA-7677-MS, 1979.
    .. [2] Conover, W. J. "Practical Nonparametric Statistics", 3rd ed.,
       Wiley, 1999.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.evaluation import conover_posthoc
    >>> x = np.array([[31, 27, 24], [31, 28, 31], [45, 29, 46], [21, 18, 48],
    ...               [42, 36, 46], [32, 17, 40]])
    >>> res = conover_posthoc(x, names=["a", "b", "c"])
    >>> res.to_frame().round(4)
            a       b       c
    a  1.0000  0.0233  0.4295
    b  0.0233  1.0000  0.0057
    c  0.4295  0.0057  1.0000
    """
    if p_adjust is not None:
        p_adjust = _check_choice(p_adjust, _CONOVER_ADJUST, "p_adjust")
    arr, names = _score_table(scores, names)
    n, k = arr.shape
    if k < 2:
        raise ValueError(f"conover_posthoc needs at least 2 models, got {k}.")
    if n < 2:
        raise ValueError(f"conover_posthoc needs at least 2 data sets, got {n}.")
    ranks = stats.rankdata(-arr, axis=1)
    rank_sums = ranks.sum(axis=0)
    s2 = (np.sum(ranks**2) - n * k * (k + 1) ** 2 / 4.0) / (k - 1)
    df = (n - 1) * (k - 1)
    diff = np.abs(rank_sums[:, None] - rank_sums[None, :])
    if s2 > 0:
        friedman_t = np.sum((rank_sums - n * (k + 1) / 2.0) ** 2) / s2
        denom2 = s2 * 2.0 * n * (k - 1) / df * (1.0 - friedman_t / (n * (k - 1)))
    else:  # every model tied on every data set
        denom2 = 0.0
    denom = float(np.sqrt(max(denom2, 0.0)))
    t = np.array([[_ratio(float(x), denom) for x in row] for row in diff])
    upper = np.triu_indices(k, 1)
    if p_adjust == "single-step":
        p = stats.studentized_range.sf(np.sqrt(2.0) * t[upper], k, np.inf)
    else:
        p = 2.0 * stats.t.sf(t[upper], df)
        p = adjust_pvalues(np.minimum(p, 1.0), p_adjust)
    pvalues = np.ones((k, k))
    pvalues[upper] = p
    pvalues.T[upper] = p
    return ConoverResult(
        pvalues=pvalues,
        statistic=t,
        names=names,
        rank_sums=rank_sums,
        df=float(df),
        p_adjust=p_adjust,
        n_datasets=n,
    )


# -- effect sizes -------------------------------------------------------------------
@dataclass(eq=False)
class EffectSizeResult:
    """Outcome of :func:`effect_size`.

    Attributes
    ----------
    value : float
        The effect size of A over B (positive when A scores higher).
    magnitude : str
        ``"negligible"``, ``"small"``, ``"medium"`` or ``"large"`` by the
        thresholds of ``kind`` (autorank's).
    kind : str
        ``"cohen_d"``, ``"cliff_delta"`` or ``"akinshin_gamma"``.
    n_a, n_b : int
        Number of scores of A and B.

    Examples
    --------
    >>> from skvariance.evaluation import effect_size
    >>> res = effect_size([3, 4, 5], [1, 2, 3], kind="cliff_delta")
    >>> round(res.value, 3), res.magnitude
    (0.889, 'large')
    """

    value: float
    magnitude: str
    kind: str
    n_a: int
    n_b: int

    def to_frame(self):
        """The result as a one-row pandas DataFrame."""
        return _one_row(self, ["value", "magnitude", "kind", "n_a", "n_b"])


def _magnitude(value, kind):
    """autorank's label of ``|value|``: the first threshold it is below."""
    small, medium, large = EFFECT_THRESHOLDS[kind]
    v = abs(value)
    if v < small:
        return _MAGNITUDES[0]
    if v < medium:
        return _MAGNITUDES[1]
    if v < large:
        return _MAGNITUDES[2]
    return _MAGNITUDES[3]


def _pooled(spread_a, spread_b, n_a, n_b):
    return np.sqrt(
        ((n_a - 1) * spread_a**2 + (n_b - 1) * spread_b**2) / (n_a + n_b - 2)
    )


def effect_size(scores_a, scores_b, kind: str = "cohen_d") -> EffectSizeResult:
    """Effect size of model A over model B, and its magnitude.

    With :math:`n_a, n_b` scores (for example over data sets):

    - ``"cohen_d"``: :math:`(\\bar a - \\bar b) / s_p`, :math:`s_p` the
      pooled standard deviation
      :math:`\\sqrt{((n_a-1)s_a^2 + (n_b-1)s_b^2)/(n_a+n_b-2)}` (``ddof=1``);
    - ``"akinshin_gamma"``: :math:`(\\tilde a - \\tilde b) / m_p`, medians
      over the same pooling of the median absolute deviations scaled by
      1.4826 (consistent for the normal standard deviation);
    - ``"cliff_delta"``: :math:`P(a > b) - P(a < b)` over every pair of one
      score of A and one of B, in [-1, 1].

    The magnitude is ``"negligible"`` below 0.2, ``"small"`` below 0.5,
    ``"medium"`` below 0.8 and ``"large"`` above for :math:`|d|` and
    :math:`|\\gamma|` (Cohen), with the bounds 0.147, 0.33 and 0.474 for
    :math:`|\\delta|` (Romano et al.).

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_a,) and (n_b,)
        Scores of A and B, at least 2 each; the lengths may differ.
    kind : {"cohen_d", "cliff_delta", "akinshin_gamma"}, default="cohen_d"
        The effect size.

    Returns
    -------
    result : EffectSizeResult
        ``value`` and ``magnitude``; ``to_frame()``.

    See Also
    --------
    wilcoxon_test : its ``rank_biserial`` is a paired effect size.

    Notes
    -----
    Values and labels equal autorank's ``_cohen_d``, ``_cliffs_delta``,
    ``_akinshin_gamma`` and ``_effect_level`` (autorank reports the effect
    of the best-ranked model over each other one). A zero pooled spread
    gives ``+-inf`` when the centres differ and 0 when they are equal
    (autorank divides and reports NaN as ``"large"``).

    References
    ----------
    .. [1] Cohen, J. "Statistical Power Analysis for the Behavioral
       Sciences", 2nd ed., 1988.
    .. [2] Cliff, N. "Dominance statistics: Ordinal analyses to answer
       ordinal questions", Psychological Bulletin 114, 1993.
    .. [3] Romano, J., Kromrey, J. D., Coraggio, J. and Skowronek, J.
       "Appropriate statistics for ordinal level data", annual meeting of
       the Florida Association of Institutional Research, 2006.
    .. [4] Akinshin, A. "A customization of Cohen's d for non-parametric
       distributions", 2020, https://aakinshin.net/posts/nonparametric-effect-size/
    .. [5] Herbold, S. "Autorank: A Python package for automated ranking of
       classifiers", JOSS 5, 2020.

    Examples
    --------
    >>> from skvariance.evaluation import effect_size
    >>> a = [0.84, 0.81, 0.90, 0.78, 0.88]
    >>> b = [0.80, 0.79, 0.85, 0.77, 0.82]
    >>> res = effect_size(a, b)
    >>> round(res.value, 3), res.magnitude
    (0.88, 'large')
    >>> delta = effect_size(a, b, kind="cliff_delta")
    >>> delta.value, delta.magnitude
    (0.44, 'medium')
    """
    kind = _check_choice(kind, _EFFECT_KINDS, "kind")
    a = _finite_array(scores_a, "scores_a")
    b = _finite_array(scores_b, "scores_b")
    for name, arr in (("scores_a", a), ("scores_b", b)):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-d, got shape {arr.shape}.")
        if arr.size < 2:
            raise ValueError(f"{name} needs at least 2 scores, got {arr.size}.")
    n_a, n_b = a.size, b.size
    if kind == "cohen_d":
        spread = _pooled(np.std(a, ddof=1), np.std(b, ddof=1), n_a, n_b)
        value = _ratio(float(np.mean(a) - np.mean(b)), float(spread))
    elif kind == "akinshin_gamma":
        mad_a = stats.median_abs_deviation(a, scale=1 / 1.4826)
        mad_b = stats.median_abs_deviation(b, scale=1 / 1.4826)
        spread = _pooled(mad_a, mad_b, n_a, n_b)
        value = _ratio(float(np.median(a) - np.median(b)), float(spread))
    else:
        signs = np.sign(a[:, None] - b[None, :])
        value = float(np.sum(signs)) / (n_a * n_b)
    return EffectSizeResult(
        value=float(value),
        magnitude=_magnitude(value, kind),
        kind=kind,
        n_a=int(n_a),
        n_b=int(n_b),
    )

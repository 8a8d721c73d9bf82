"""Conformal prediction sets for classifiers: LAC, APS and RAPS."""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._kernels._conformal import cumulative_label_scores
from ..utils._seeds import derive_seeds, set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
)
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.stats import conformal_rank
from ..utils.validation import check_groups, check_n_jobs, check_sample_weight
from .base import (
    BaseConformal,
    ConformalCalibration,
    ScoreParameter,
    check_shift_weights,
    encode_groups,
    min_calibration_size,
    safe_rows,
    seen_group_index,
)

__all__ = ["ConformalClassifier", "tune_raps"]


def _fit_one(estimator, X, y, params):
    return fit_estimator(estimator, X, y, **params)


#: float64 elements hashed at once by :func:`row_uniforms` (8 MB temporaries)
_HASH_CHUNK = 2**20


def _mix64(z):
    """splitmix64 finaliser, element-wise on uint64 (wraps modulo 2**64)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _entry_hashes(values, columns):
    """Hash of each (column, value) entry; 0 for a zero value."""
    # -0.0 needs no care (``values != 0`` below gives it hash 0, as 0.0); no
    # arithmetic on the values either: a signalling NaN would warn
    values = np.asarray(values, dtype=np.float64)
    values = np.where(np.isnan(values), np.nan, values)  # one NaN bit pattern
    bits = values.view(np.uint64)
    col = _mix64(np.asarray(columns, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    return np.where(values != 0, _mix64(bits ^ col), np.uint64(0))


def _row_keys(X):
    """A 64-bit hash of the content of each row of X.

    The sum (modulo 2**64) of a hash of every non-zero ``(column, value)``
    entry, so a dense row and the same row stored sparse get the same key.
    Non-numeric rows (object arrays) are hashed from the ``repr`` of their
    values.
    """
    n = X.shape[0]
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        keys = np.zeros(n, dtype=np.uint64)
        np.add.at(keys, rows, _entry_hashes(X.data, X.indices))
        return keys
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        return np.array(
            [
                int.from_bytes(
                    hashlib.blake2b(repr(tuple(row)).encode(), digest_size=8).digest(),
                    "little",
                )
                for row in X.tolist()
            ],
            dtype=np.uint64,
        )
    X = np.asarray(X, dtype=np.float64).reshape(n, -1)
    keys = np.zeros(n, dtype=np.uint64)
    step = max(1, _HASH_CHUNK // max(X.shape[1], 1))
    columns = np.arange(X.shape[1])
    for start in range(0, n, step):
        block = _entry_hashes(X[start : start + step], columns[None, :])
        keys[start : start + step] = block.sum(axis=1, dtype=np.uint64)
    return keys


def row_uniforms(X, seed):
    """One draw in (0, 1) per row of X, a function of the row's content only.

    ``u = splitmix64(hash(row) + splitmix64(seed))`` mapped to the 53-bit
    grid of (0, 1): a row gets the same ``u`` alone, in any batch and at any
    position, and identical rows get the same ``u``. Over seeds (drawn from
    ``random_state`` at fit) the draws of distinct rows behave as
    independent uniforms.
    """
    key = _mix64(np.array([seed], dtype=np.uint64))
    h = _mix64(_mix64(_row_keys(X) + key))
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def label_scores(proba, score, u, penalty=0.0, k_reg=1):
    """Non-conformity score of every label, shape (n_samples, n_classes).

    ``"lac"``: ``1 - p_y``; ``"aps"``/``"raps"``: the cumulative probability
    of the labels ranked above ``y``, plus ``u`` times ``p_y`` (plus the RAPS
    rank penalty ``penalty * max(0, rank - k_reg)``). ``u = 1`` is the
    non-randomised score of Romano et al.: the cumulative probability up to
    and including ``y``.
    """
    proba = np.ascontiguousarray(proba, dtype=np.float64)
    if not np.all(np.isfinite(proba)):
        raise ValueError("the estimator's predict_proba returned NaN or infinity.")
    if score == "lac":
        return 1.0 - proba
    lam = penalty if score == "raps" else 0.0
    return cumulative_label_scores(
        proba,
        np.ascontiguousarray(u, dtype=np.float64),
        float(lam),
        int(k_reg),
        np.empty_like(proba),
    )


def entry_scores(proba, scores):
    """Score of the label ranked just above each label (``-inf`` for the top).

    Non-randomised APS/RAPS (Romano et al., 2020, with ``u = 1``) put the
    labels in decreasing probability into the set until the cumulative score
    reaches the threshold ``tau``, the crossing label included: the label of
    rank ``r`` is in the set when the score of the label of rank ``r - 1``
    is ``< tau``. The top label is always in the set.
    """
    order = np.argsort(-proba, axis=1, kind="stable")  # ties by label index
    ranked = np.take_along_axis(scores, order, axis=1)
    above = np.concatenate(
        [np.full((ranked.shape[0], 1), -np.inf), ranked[:, :-1]], axis=1
    )
    out = np.empty_like(above)
    np.put_along_axis(out, order, above, axis=1)
    return out


#: odd 64-bit constant that spaces the per-label keys of the smoothing draws
_GOLDEN = 0x9E3779B97F4A7C15


def conformal_pvalues(below, at_most, total, test_weight, theta=None, strict=False):
    """Conformal p-values from counts (or weights) of calibration scores.

    ``below``, ``at_most``: the (weighted) number of calibration scores
    ``< s`` and ``<= s``; ``total`` their total; ``test_weight`` the test
    point's own weight (1 unweighted). Non-smoothed:
    ``(total - below + w) / (total + w)`` (the scores ``>= s``), or with
    ``strict`` ``(total - at_most + w) / (total + w)`` (the scores ``> s``,
    for the non-randomised APS entry score); smoothed (``theta`` given):
    ``(total - at_most + theta (at_most - below + w)) / (total + w)``.
    """
    if theta is not None:
        ties = at_most - below + test_weight
        return (total - at_most + theta * ties) / (total + test_weight)
    beat = total - (at_most if strict else below)
    return (beat + test_weight) / (total + test_weight)


#: the RAPS paper's grid of lambda (Angelopoulos et al., 2021; MAPIE's too)
RAPS_PENALTY_GRID = (0.001, 0.01, 0.1, 0.2, 0.5)


def tune_raps(proba, y, u, coverage, k_reg="auto", penalty="auto", randomized=True):
    """RAPS ``k_reg`` and ``lambda`` chosen on held-out tuning rows.

    The rule of Angelopoulos et al. (2021), as MAPIE applies it: ``k_reg``
    is the conformal ``coverage`` quantile (the order statistic of rank
    ``ceil((n + 1) coverage)``) of the true label's 1-based rank in
    decreasing probability ("pick_kreg"); ``lambda`` is the value of
    :data:`RAPS_PENALTY_GRID` whose sets, calibrated on the tuning rows at
    ``coverage``, are the smallest on average on those rows, the smallest
    ``lambda`` on a tie ("pick_lambda_size"). A value that is not
    ``"auto"`` is kept.

    Parameters
    ----------
    proba : ndarray of shape (n, n_classes)
        Predicted probabilities of the tuning rows.
    y : ndarray of int of shape (n,)
        Their true labels (column indices).
    u : ndarray of shape (n,)
        Their APS draws (ones when not randomised).
    coverage : float
    k_reg : int or "auto"
    penalty : float or "auto"
    randomized : bool

    Returns
    -------
    k_reg, penalty : int, float

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._classifier import tune_raps
    >>> proba = np.array([[0.7, 0.2, 0.1]] * 10)
    >>> y = np.array([0] * 8 + [1, 2])  # true-label ranks: 1 (8 times), 2, 3
    >>> tune_raps(proba, y, np.ones(10), 0.8, randomized=False)  # rank 9 of 10
    (2, 0.001)
    """
    n = y.shape[0]
    rank = conformal_rank(n, coverage)
    if rank > n:
        raise ValueError(
            f"RAPS tuning (k_reg or penalty 'auto') at coverage {coverage} needs "
            f"at least {min_calibration_size(coverage)} tuning rows, got {n}: use "
            "a larger tuning_size, more calibration data or fixed values."
        )
    rows = np.arange(n)
    if k_reg == "auto":
        order = np.argsort(-proba, axis=1, kind="stable")  # as the scores rank
        position = np.argmax(order == y[:, None], axis=1) + 1
        k_reg = int(np.sort(position)[rank - 1])
    if penalty == "auto":
        best = np.inf
        levels = np.array([float(coverage)])
        for lam in RAPS_PENALTY_GRID:
            scores = label_scores(proba, "raps", u, lam, k_reg)
            calibration = ConformalCalibration(scores[rows, y])
            q = calibration.quantiles(levels, np.zeros(1, dtype=np.intp))[0, 0]
            if randomized:
                size = np.mean(np.sum(scores <= q, axis=1))
            else:
                size = np.mean(np.sum(entry_scores(proba, scores) < q, axis=1))
            if size < best:
                best, penalty = size, lam
    return int(k_reg), float(penalty)


class ConformalClassifier(ClassifierMixin, BaseConformal):
    """Conformal prediction sets around any probabilistic classifier.

    :meth:`predict_set` returns, for every test point, a set of labels that
    contains the true one with probability at least ``coverage`` (for
    exchangeable data), whatever the classifier. One fit serves every
    coverage level.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        ``None`` uses :class:`~sklearn.linear_model.LogisticRegression`.
        Cloned, never modified.
    score : {"lac", "aps", "raps"}, default="lac"
        ``"lac"``: ``1 - p_y``, the least ambiguous sets (smallest on
        average), MAPIE's default; ``"aps"``: the probability mass of the
        labels ranked at or above ``y``, randomised by a uniform draw (sets
        adapt to the difficulty of ``x``, see ``randomized``); ``"raps"``:
        APS plus ``penalty * max(0, rank - k_reg)`` (smaller, more stable
        sets). LAC sets (like randomised APS sets) may be empty when no label
        is probable enough; ``score="aps", randomized=False`` never gives an
        empty set, at the price of larger sets.
    coverage : float, default=0.9
        Default nominal coverage in (0, 1) of :meth:`predict_set`. With fewer
        than ``coverage / (1 - coverage)`` calibration points (per class when
        ``class_conditional``) the exact conformal set holds every label (that
        class), returned with a :class:`CalibrationSizeWarning`.
    method : {"split", "cv_plus"}, default="split"
        ``"split"``: calibrate on a held-out ``calibration_size`` share;
        ``"cv_plus"``: one model per fold of ``cv``, every row calibrates
        the model that did not see it (Romano et al., 2020).
    cv : int, cross-validation generator or iterable, default=5
        Folds of ``method="cv_plus"`` (stratified for an int).
    calibration_size : float or int, default=0.25
        Share or number of rows held out (stratified by class) by
        ``method="split"``.
    class_conditional : bool, default=False
        Mondrian calibration by class: the quantile is taken among the
        calibration points of each label, so coverage holds within every
        class, rare ones included.
    randomized : bool, default=True
        Randomise APS/RAPS scores with ``u ~ U(0, 1)`` (exact coverage; a
        set may then be empty). ``False`` is the non-randomised APS of
        Romano et al. (2020): the score of a label is the cumulative
        probability up to and including it, and the set holds the labels in
        decreasing probability until that cumulative score reaches the
        calibrated threshold, the label that crosses it included; the most
        probable label is always in the set (conservative, larger sets).
    penalty : float or "auto", default=0.01
        RAPS ``lambda``. ``"auto"``: chosen on a held-out ``tuning_size``
        share of the calibration rows as in the RAPS paper (see
        ``tune_raps`` and Notes).
    k_reg : int or "auto", default=1
        RAPS rank from which the penalty applies (the top label has rank 1).
        ``"auto"``: the conformal ``coverage`` quantile of the true label's
        rank on the tuning rows.
    tuning_size : float, default=0.2
        Share in (0, 1) of the calibration rows held out (stratified by
        class, drawn from ``random_state``) to choose ``k_reg`` and
        ``penalty`` when either is ``"auto"`` (``score="raps"``,
        ``method="split"``); those rows are not used for calibration.
        MAPIE's ``size_raps`` default.
    weight_function : callable or object with ``predict``, default=None
        Covariate-shift weights for weighted conformal prediction (split
        only), as in :class:`ConformalRegressor`.
    n_jobs : int, default=None
        Fold models of ``"cv_plus"`` fitted in parallel; results do not
        depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the models' own seeds and the key of the APS/RAPS
        draws ``u`` (see Notes).
    verbose : int, default=0
        Progress of the fold models of ``"cv_plus"``: ``0`` prints nothing;
        ``1`` and more print joblib's progress messages. Results do not
        depend on it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimator_ : classifier
        ``"split"``: the model fitted on the proper training rows, on the
        original labels (its ``predict`` returns labels of ``classes_``).
    estimators_ : list of classifiers
        ``"cv_plus"``: one per fold; ``"split"``: ``[estimator_]``.
    calibration_indices_ : ndarray of int
        ``"split"``: rows used for calibration.
    tuning_indices_ : ndarray of int or None
        Rows held out to tune RAPS (``"auto"``), else ``None``.
    k_reg_ : int or None
        The RAPS ``k_reg`` used: ``k_reg``, or the tuned value (``None`` when
        ``"auto"`` and the score is not ``"raps"``).
    penalty_ : float or None
        The RAPS ``lambda`` used, as ``k_reg_``.
    groups_ : ndarray or None
        Mondrian groups seen at fit (``None`` when fitted without groups).
    conformity_scores_ : ndarray of shape (n_calibration,)
        Scores of the true labels of the calibration rows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    ConformalRegressor : conformal intervals for regression.

    Notes
    -----
    The draw ``u`` of a row is a function of the row's content and of a seed
    drawn from ``random_state`` at fit (a splitmix64 hash of the row's
    float64 values keyed by that seed), the same at fit for the calibration
    rows and at predict time: a row's set does not depend on the other rows
    of the batch nor on its position, and identical rows get the same ``u``
    (and so the same set). Over fits, the draws of distinct rows behave as
    independent uniforms. Randomised APS and RAPS sets may be empty for an
    easy point; that is part of their exact coverage. With
    ``randomized=False`` the most probable label is always in the set.

    RAPS tuning (``k_reg="auto"`` or ``penalty="auto"``) follows Angelopoulos
    et al. (2021) and MAPIE: a stratified ``tuning_size`` share of the
    calibration rows picks ``k_reg`` (the conformal ``coverage`` quantile of
    the true label's rank) and then ``lambda`` from
    ``(0.001, 0.01, 0.1, 0.2, 0.5)`` (smallest mean set size on the tuning
    rows); the other calibration rows calibrate. The tuning rows are disjoint
    from the calibration rows, so coverage is exact as with fixed values.
    The values are tuned for the ``coverage`` parameter and serve every
    level of :meth:`predict_set`.

    Mondrian calibration is any taxonomy over ``(x, y)`` (Vovk et al., 2005):
    ``groups`` (a function of ``x``, or any label known for the test points)
    and ``class_conditional`` together calibrate per (group, class), so
    coverage holds within every group for every class. ``method="cv_plus"``
    counts, per category, the fold scores of the models that did not see
    them (the class-conditional CV+ of Romano et al., 2020, per group);
    covariate-shift weights weight each category's quantile (valid under a
    covariate shift since a group's density ratio is the same ``w(x)`` up to
    a constant).

    References
    ----------
    .. [1] Sadinle, M., Lei, J. and Wasserman, L. "Least Ambiguous
       Set-Valued Classifiers with Bounded Error Levels", JASA 2019 (LAC).
    .. [2] Romano, Y., Sesia, M. and Candes, E. J. "Classification with
       Valid and Adaptive Coverage", NeurIPS 2020 (APS, CV+).
    .. [3] Angelopoulos, A. N., Bates, S., Malik, J. and Jordan, M. I.
       "Uncertainty Sets for Image Classifiers using Conformal Prediction",
       ICLR 2021 (RAPS).
    .. [4] Vovk, V. "Conditional validity of inductive conformal
       predictors", ACML 2012 (class-conditional calibration).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skvariance.calibration import ConformalClassifier
    >>> X, y = make_classification(n_samples=300, n_classes=3, n_informative=4,
    ...                            random_state=0)
    >>> clf = ConformalClassifier(score="lac", random_state=0).fit(X, y)
    >>> clf.predict_set(X[:4]).shape
    (4, 3)
    >>> clf.predict_set(X[:4], coverage=[0.8, 0.95]).shape
    (4, 3, 2)
    >>> clf.predict_pvalue(X[:4]).shape  # p-value of every label
    (4, 3)

    Mondrian groups (coverage within each group), and RAPS tuned on a share
    of the calibration rows:

    >>> groups = (X[:, 0] > 0).astype(int)
    >>> mondrian = ConformalClassifier(random_state=0).fit(X, y, groups=groups)
    >>> mondrian.predict_set(X[:4], groups=groups[:4]).shape
    (4, 3)
    >>> raps = ConformalClassifier(score="raps", k_reg="auto", penalty="auto",
    ...                            calibration_size=0.5, random_state=0).fit(X, y)
    >>> raps.tuning_indices_.size
    30
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "score": [StrOptions({"lac", "aps", "raps"})],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "method": [StrOptions({"split", "cv_plus"})],
        "cv": ["cv_object"],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "class_conditional": ["boolean"],
        "randomized": ["boolean"],
        "penalty": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "k_reg": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "tuning_size": [Interval(Real, 0, 1, closed="neither")],
        "weight_function": [callable, HasMethods(["predict"]), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    score = ScoreParameter(ClassifierMixin.score)

    def __init__(
        self,
        estimator=None,
        *,
        score: str = "lac",
        coverage: float = 0.9,
        method: str = "split",
        cv=5,
        calibration_size: float | int = 0.25,
        class_conditional: bool = False,
        randomized: bool = True,
        penalty: float | str = 0.01,
        k_reg: int | str = 1,
        tuning_size: float = 0.2,
        weight_function=None,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.score = score
        self.coverage = coverage
        self.method = method
        self.cv = cv
        self.calibration_size = calibration_size
        self.class_conditional = class_conditional
        self.randomized = randomized
        self.penalty = penalty
        self.k_reg = k_reg
        self.tuning_size = tuning_size
        self.weight_function = weight_function
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags

    def _default_estimator(self):
        return LogisticRegression()

    # -- fit ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, groups=None, sample_weight=None, shift_weight=None, **fit_params
    ):
        """Fit the classifier and calibrate the scores of the true labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups: one calibration per group (per group and class
            with ``class_conditional=True``), so coverage holds within every
            group; :meth:`predict_set` then needs the test points' groups.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to the estimator's ``fit``; not used by the calibration.
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the rows (``method="split"``).
        **fit_params : dict
            Other metadata for the estimator (metadata routing enabled).

        Returns
        -------
        self : ConformalClassifier
        """
        check_n_jobs(self.n_jobs)
        X, y = self._validate_fit(X, y, y_numeric=False)
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                f"y has only one class {self.classes_.tolist()}; conformal sets "
                "need at least two."
            )
        n = X.shape[0]
        if groups is not None:
            groups = check_groups(groups, n)
        if shift_weight is not None:
            shift_weight = check_shift_weights(
                shift_weight, n, name="shift_weight", positive_sum=True
            )
        self._check_tuning()
        if self.method != "split" and (
            shift_weight is not None or self.weight_function is not None
        ):
            raise ValueError(
                "covariate-shift weights (shift_weight, weight_function) need "
                f"method='split', got method={self.method!r}."
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(np.asarray(sample_weight), X)
        estimator = LogisticRegression() if self.estimator is None else self.estimator
        params = self._fit_params(estimator, sample_weight, fit_params)
        rng = check_random_state(self.random_state)
        if self.method == "split":
            train, cal = self._split_indices(n, rng, stratify=y_encoded)
            folds = [cal]
            trains = [train]
        else:
            cv = check_cv(self.cv, y_encoded, classifier=True)
            folds = [np.asarray(test) for _, test in cv.split(X, y_encoded)]
            trains = [np.setdiff1d(np.arange(n), test) for test in folds]
        cal_rows = np.concatenate(folds)
        weights = None
        if self.method == "split":
            # checked (a positive total weight) before any model is fitted
            weights = self._calibration_weights(
                safe_rows(X, cal_rows),
                None if shift_weight is None else shift_weight[cal_rows],
            )
        seeds = derive_seeds(rng, len(trains))
        self._predict_seed = int(derive_seeds(rng, 1)[0])
        # RAPS tuning rows: held out of the calibration rows (checked before
        # any model is fitted)
        self.tuning_indices_ = self._tuning_split(folds[0], y_encoded, rng)
        if self.tuning_indices_ is not None:
            keep = ~np.isin(folds[0], self.tuning_indices_)
            folds = [folds[0][keep]]
            cal_rows = folds[0]
            weights = None if weights is None else weights[keep]
        # lazily: one fold's rows of X are copied only when its fit starts
        jobs = (
            (
                set_random_state(clone(estimator), int(seed)),
                safe_rows(X, tr),
                y[tr],
                self._subset_params(X, params, tr),
            )
            for seed, tr in zip(seeds, trains)
        )
        if len(trains) == 1:  # split: one model, no worker pool to start
            models = [_fit_one(*next(jobs))]
        else:
            models = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_fit_one)(*job) for job in jobs
            )
        self.estimators_ = models
        self.k_reg_, self.penalty_ = self._tune_raps(X, y_encoded)
        # Mondrian category of every row: its group, its class or both (a
        # category with no calibration row has an empty calibration, and its
        # labels are in every set)
        taxonomy = self._taxonomy(groups, y_encoded)
        category = np.zeros(n, np.intp) if taxonomy is None else taxonomy[1]
        cal_groups = None if taxonomy is None else (taxonomy[0], category[cal_rows])
        if self.method == "split":
            self._calibrate_split(
                models[0],
                safe_rows(X, cal_rows),
                y_encoded[cal_rows],
                weights,
                cal_groups,
            )
            self.calibration_indices_ = cal_rows
            return self
        fold_scores = [
            self._true_label_scores(model, safe_rows(X, test), y_encoded[test])
            for model, test in zip(models, folds)
        ]
        self.conformity_scores_ = np.concatenate(fold_scores)
        # per (fold, category) sorted scores for the CV+ counts
        n_categories = 1 if taxonomy is None else len(taxonomy[0])
        self._fold_sorted = [
            [np.sort(s[category[test] == m]) for m in range(n_categories)]
            for s, test in zip(fold_scores, folds)
        ]
        self._category_counts = np.bincount(category, minlength=n_categories)
        self.calibration_ = ConformalCalibration(self.conformity_scores_, cal_groups)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def conformalize(self, X_cal, y_cal, *, groups=None, shift_weight=None):
        """Calibrate an already fitted classifier on ``(X_cal, y_cal)``.

        Split conformal calibration of a classifier fitted elsewhere (MAPIE's
        ``prefit=True`` followed by ``conformalize``): ``estimator`` is used as
        it is -- never cloned, refitted or modified -- and every row of
        ``X_cal`` is a calibration row (no split: ``calibration_size`` is not
        used). ``classes_`` are the estimator's. Afterwards :meth:`predict`,
        :meth:`predict_proba` and :meth:`predict_set` work as after
        :meth:`fit`, with the same guarantee provided the calibration rows
        were not used to fit the model. The APS/RAPS draws are keyed by a
        seed drawn from ``random_state``. With ``score="raps"`` and
        ``k_reg`` or ``penalty`` set to ``"auto"``, a stratified
        ``tuning_size`` share of the calibration rows tunes them and the rest
        calibrate, as in :meth:`fit` (``tuning_indices_``).

        Parameters
        ----------
        X_cal : array-like of shape (n_calibration, n_features)
            Calibration inputs, checked against the estimator's
            ``n_features_in_`` / ``feature_names_in_``.
        y_cal : array-like of shape (n_calibration,)
            Calibration labels, each one of the estimator's ``classes_``.
        groups : array-like of shape (n_calibration,), default=None
            Mondrian groups of the calibration rows (with
            ``class_conditional=True``: one calibration per group and class);
            :meth:`predict_set` then needs the test points' groups.
        shift_weight : array-like of shape (n_calibration,), default=None
            Covariate-shift weights of the calibration rows.

        Returns
        -------
        self : ConformalClassifier
            Calibrated; ``estimator_`` is ``estimator`` itself.

        Raises
        ------
        ValueError
            When ``method`` is not ``"split"``, ``estimator`` is ``None``, a
            label of ``y_cal`` is not in the estimator's ``classes_``, or the
            data are invalid.
        sklearn.exceptions.NotFittedError
            When ``estimator`` is not fitted.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skvariance.calibration import ConformalClassifier
        >>> X, y = make_classification(n_samples=400, n_classes=3, n_informative=4,
        ...                            random_state=0)
        >>> model = LogisticRegression().fit(X[:250], y[:250])  # fitted elsewhere
        >>> clf = ConformalClassifier(model, coverage=0.9)
        >>> clf = clf.conformalize(X[250:], y[250:])  # all 150 rows calibrate
        >>> clf.estimator_ is model, clf.conformity_scores_.shape
        (True, (150,))
        >>> clf.predict_set(X[:2]).shape
        (2, 3)
        """
        return self._conformalize(X_cal, y_cal, groups, shift_weight, y_numeric=False)

    def _calibrate_prefit(self, estimator, X_cal, y_cal, groups_cal, weights):
        check_classification_targets(y_cal)
        classes = getattr(estimator, "classes_", None)
        if classes is None or np.ndim(classes) != 1:
            raise TypeError(
                f"estimator {type(estimator).__name__} has no 1-d classes_: "
                "conformalize needs a fitted single-output classifier."
            )
        classes = np.asarray(classes)
        if classes.size < 2 or not np.array_equal(np.unique(classes), classes):
            raise ValueError(
                f"the estimator's classes_ {classes.tolist()[:10]} must be at least "
                "two distinct labels in sorted order."
            )
        y_encoded = np.searchsorted(classes, y_cal)
        y_encoded = np.minimum(y_encoded, classes.size - 1)
        unknown = classes[y_encoded] != y_cal
        if unknown.any():
            raise ValueError(
                f"y_cal has labels the estimator was not fitted on: "
                f"{np.unique(y_cal[unknown]).tolist()[:10]}; its classes_ are "
                f"{classes.tolist()[:10]}."
            )
        self.classes_ = classes
        rng = check_random_state(self.random_state)
        self._predict_seed = int(derive_seeds(rng, 1)[0])
        # RAPS tuning rows (k_reg or penalty "auto") are held out of X_cal
        rows = np.arange(y_encoded.size)
        self.tuning_indices_ = self._tuning_split(rows, y_encoded, rng)
        self.estimators_ = [estimator]
        self.k_reg_, self.penalty_ = self._tune_raps(X_cal, y_encoded)
        if self.tuning_indices_ is not None:
            rows = np.setdiff1d(rows, self.tuning_indices_)
            weights = None if weights is None else weights[rows]
        raw_groups = None if groups_cal is None else groups_cal[0][groups_cal[1]]
        taxonomy = self._taxonomy(raw_groups, y_encoded)
        cal_groups = None if taxonomy is None else (taxonomy[0], taxonomy[1][rows])
        self._calibrate_split(
            estimator, safe_rows(X_cal, rows), y_encoded[rows], weights, cal_groups
        )
        self.calibration_indices_ = rows

    def _calibrate_split(self, model, X_cal, y_cal, weights, cal_groups):
        """Calibrate the fitted ``model`` on ``X_cal`` (labels as class indices).

        ``cal_groups``: the Mondrian categories (labels, codes of the
        calibration rows) from :meth:`_taxonomy`, or None.
        """
        self.estimator_ = model
        self.estimators_ = [model]
        self.conformity_scores_ = self._true_label_scores(model, X_cal, y_cal)
        self.calibration_ = ConformalCalibration(
            self.conformity_scores_, cal_groups, weights
        )

    def _true_label_scores(self, model, X, y_encoded):
        """Non-conformity scores of the true labels (class indices) of X."""
        all_scores = label_scores(
            self._proba(model, X),
            self._score_name,
            self._draws(X),
            *self._raps_args,
        )
        return all_scores[np.arange(y_encoded.size), y_encoded]

    def _taxonomy(self, groups, y_encoded):
        """Mondrian categories of the rows: (labels, codes), or None.

        ``groups`` alone: the groups; ``class_conditional`` alone: the
        classes; both: every (group, class) pair of the groups seen at fit
        (a structured array of labels, code ``group * n_classes + class``).
        Sets ``groups_``.
        """
        self.groups_ = None
        if groups is None:
            return (self.classes_, y_encoded) if self.class_conditional else None
        self.groups_, codes = encode_groups(groups)
        if not self.class_conditional:
            return self.groups_, codes
        n_classes = self.classes_.size
        labels = np.empty(
            self.groups_.size * n_classes,
            dtype=[("group", self.groups_.dtype), ("class", self.classes_.dtype)],
        )
        labels["group"] = np.repeat(self.groups_, n_classes)
        labels["class"] = np.tile(self.classes_, self.groups_.size)
        return labels, codes * n_classes + y_encoded

    def _test_categories(self, groups, n_test):
        """Mondrian category of every (test point, label): (n_test, n_classes)."""
        if self.groups_ is None:
            if groups is not None:
                raise ValueError(
                    "groups were given at predict time but the classifier was "
                    "fitted without groups."
                )
            pos = np.zeros(n_test, dtype=np.intp)
        elif groups is None:
            raise ValueError(
                "groups is required: the classifier was fitted with groups "
                "(Mondrian calibration)."
            )
        else:
            pos = seen_group_index(self.groups_, groups, n_test)
        n_classes = self.classes_.size
        if self.class_conditional:
            return pos[:, None] * n_classes + np.arange(n_classes)
        return np.repeat(pos[:, None], n_classes, axis=1)

    def _check_tuning(self):
        """RAPS tuning needs the split method (checked before any fit)."""
        auto = self.k_reg == "auto" or self.penalty == "auto"
        if auto and self._score_name == "raps" and self.method != "split":
            raise ValueError(
                "k_reg='auto' and penalty='auto' need method='split': RAPS "
                "tuning holds out calibration rows, and CV+ calibrates every "
                f"row; got method={self.method!r}. Give fixed values."
            )
        return auto and self._score_name == "raps"

    def _tuning_split(self, cal, y_encoded, rng):
        """Rows held out of ``cal`` to tune RAPS (stratified), or None."""
        if not self._check_tuning():
            return None
        seed = int(derive_seeds(rng, 1)[0])
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=self.tuning_size, random_state=seed
        )
        try:
            _, tune = next(splitter.split(cal, y_encoded[cal]))
        except ValueError as exc:
            raise ValueError(
                f"cannot hold out tuning_size={self.tuning_size} of the "
                f"{cal.size} calibration rows stratified by class: {exc}"
            ) from exc
        if conformal_rank(tune.size, self.coverage) > tune.size:
            raise ValueError(
                f"RAPS tuning (k_reg or penalty 'auto') at coverage "
                f"{self.coverage} needs at least "
                f"{min_calibration_size(self.coverage)} tuning rows, got "
                f"{tune.size} (tuning_size={self.tuning_size} of {cal.size} "
                "calibration rows): use a larger tuning_size, more calibration "
                "data or fixed values."
            )
        return np.sort(cal[tune])

    def _tune_raps(self, X, y_encoded):
        """(k_reg_, penalty_): given, or tuned on the tuning rows."""
        fixed = (
            None if self.k_reg == "auto" else int(self.k_reg),
            None if self.penalty == "auto" else float(self.penalty),
        )
        if self.tuning_indices_ is None:
            return fixed
        X_tune = safe_rows(X, self.tuning_indices_)
        return tune_raps(
            self._proba(self.estimators_[0], X_tune),
            y_encoded[self.tuning_indices_],
            self._draws(X_tune),
            self.coverage,
            self.k_reg,
            self.penalty,
            self.randomized,
        )

    @property
    def _raps_args(self):
        """(penalty, k_reg) for :func:`label_scores` (unused unless RAPS)."""
        return (
            0.0 if self.penalty_ is None else self.penalty_,
            1 if self.k_reg_ is None else self.k_reg_,
        )

    def _draws(self, X):
        """``u`` of each row of X: a function of the row (see Notes)."""
        if self._score_name == "lac" or not self.randomized:
            return np.ones(X.shape[0])
        return row_uniforms(X, self._predict_seed)

    @property
    def _nonrandomized(self):
        return self._score_name != "lac" and not self.randomized

    def _test_scores(self, model, X, u):
        """Scores of every label of X and, non-randomised, their entry scores."""
        proba = self._proba(model, X)
        scores = label_scores(proba, self._score_name, u, *self._raps_args)
        if self._nonrandomized:
            return entry_scores(proba, scores)
        return scores

    def _proba(self, model, X):
        """predict_proba with one column per class of ``classes_``."""
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        seen = np.asarray(model.classes_)
        if seen.shape == self.classes_.shape and np.array_equal(seen, self.classes_):
            return proba
        full = np.zeros((proba.shape[0], self.classes_.size))
        full[:, np.searchsorted(self.classes_, seen)] = proba
        return full

    # -- predict --------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities: the model's, or the mean of the fold models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_predict(X)
        return np.mean([self._proba(m, X) for m in self.estimators_], axis=0)

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_set(self, X, coverage=None, groups=None, shift_weight=None):
        """Conformal prediction sets as a boolean label mask.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1); ``None`` uses ``self.coverage``.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points; required when fitted with
            groups, and every label must have been seen at fit.
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points (when fitted with
            ``shift_weight`` and no ``weight_function``).

        Returns
        -------
        sets : ndarray of bool, shape (n_samples, n_classes) or \
(n_samples, n_classes, n_levels)
            ``sets[i, k]`` is True when ``classes_[k]`` is in the set of
            ``X[i]``; a third axis when ``coverage`` is an array.
            A level too high for the calibration set (or for a Mondrian
            category) puts every label (of that category) in the sets
            concerned, with a :class:`CalibrationSizeWarning`.
        """
        X = self._check_predict(X)
        levels = self._levels(coverage)
        n_test, n_classes = X.shape[0], self.classes_.size
        categories = self._test_categories(groups, n_test)
        u = self._draws(X)
        # randomised: label in the set when its score is <= the threshold;
        # non-randomised: when the score of the label above it is < it
        inside = np.less if self._nonrandomized else np.less_equal
        self.calibration_.warn_infinite(
            levels,
            categories.ravel(),
            consequence=(
                "its class is in every prediction set"
                + ("" if self.groups_ is None else " of the group's test points")
                if self.class_conditional
                else "every prediction set holds every label"
                if self.groups_ is None
                else "every prediction set of its test points holds every label"
            ),
        )
        if self.method == "split":
            weights = self._test_weights(X, shift_weight)
            scores = self._test_scores(self.estimator_, X, u)
            if self.class_conditional:
                sets = np.empty((n_test, n_classes, levels.size), dtype=bool)
                for c in range(n_classes):
                    q = self.calibration_.quantiles(levels, categories[:, c], weights)
                    sets[:, c] = inside(scores[:, c, None], q)
            else:
                q = self.calibration_.quantiles(levels, categories[:, 0], weights)
                sets = inside(scores[:, :, None], q[:, None, :])
        else:
            if shift_weight is not None:
                raise ValueError("shift_weight needs method='split'.")
            sets = self._cv_plus_sets(X, u, levels, categories)
        return sets[:, :, 0] if np.ndim(coverage) == 0 else sets

    def predict_pvalue(
        self, X, y=None, groups=None, shift_weight=None, smoothing=False
    ):
        """Conformal p-values of every label (or of a given label) of each point.

        The p-value of label ``k`` for ``x`` is the share of calibration
        scores (of its Mondrian category) at least as large as the score of
        ``k``, counting the test point itself:
        ``p = (#{i : s_i >= s_k(x)} + 1) / (n + 1)`` (crepes' convention).
        The set ``{k : p_k > alpha}`` is :meth:`predict_set` at coverage
        ``1 - alpha``, and ``P(p_y <= alpha) <= alpha`` for the true label
        (split; CV+ p-values are the CV+ sets' counts, whose guarantee is
        ``2 alpha``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            A label of ``classes_`` per row: its p-value only. ``None`` gives
            the p-value of every label.
        groups : array-like of shape (n_samples,), default=None
            Mondrian groups of the test points (when fitted with groups).
        shift_weight : array-like of shape (n_samples,), default=None
            Covariate-shift weights of the test points (when fitted with
            weights): weighted p-values ``(W(s_i >= s) + w) / (W + w)``.
        smoothing : bool, default=False
            Smoothed p-values ``(#{s_i > s} + theta (#{s_i = s} + 1)) /
            (n + 1)`` with ``theta ~ U(0, 1)``: exactly uniform for the true
            label. ``theta`` is a function of the row and the label (and of
            ``random_state`` through the fit), like the APS draws: no global
            RNG, a row's p-values do not depend on the batch. Not with the
            non-randomised APS/RAPS entry scores (``randomized=False``).

        Returns
        -------
        pvalues : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Columns in the order of ``classes_``; one value per row when
            ``y`` is given.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skvariance.calibration import ConformalClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = ConformalClassifier(random_state=0).fit(X, y)
        >>> p = clf.predict_pvalue(X[:2])
        >>> p.shape
        (2, 3)
        >>> bool(((p > 0.1) == clf.predict_set(X[:2], coverage=0.9)).all())
        True
        """
        X = self._check_predict(X)
        if not isinstance(smoothing, (bool, np.bool_)):
            raise TypeError(f"smoothing must be a bool, got {smoothing!r}.")
        if smoothing and self._nonrandomized:
            raise ValueError(
                "smoothing=True needs randomised scores: with randomized=False "
                "the APS/RAPS p-value is that of the entry score (the label "
                "above), conservative and not smoothable; use smoothing=False or "
                "randomized=True."
            )
        n_test, n_classes = X.shape[0], self.classes_.size
        column = None
        if y is not None:
            y = np.asarray(y)
            if y.ndim != 1 or y.shape[0] != n_test:
                raise ValueError(f"y must have shape ({n_test},), got {np.shape(y)}.")
            column = np.searchsorted(self.classes_, y)
            column = np.clip(column, 0, n_classes - 1)
            unknown = self.classes_[column] != y
            if unknown.any():
                raise ValueError(
                    f"y contains labels not in classes_: "
                    f"{np.unique(y[unknown]).tolist()[:10]}."
                )
        categories = self._test_categories(groups, n_test)
        u = self._draws(X)
        if self.method == "split":
            weights = self._test_weights(X, shift_weight)
            w = np.ones(n_test) if weights is None else weights
            below, at_most, total = self._split_counts(X, u, categories)
        else:
            if shift_weight is not None:
                raise ValueError("shift_weight needs method='split'.")
            w = np.ones(n_test)
            below = self._cv_plus_counts(X, u, categories, "left")
            at_most = self._cv_plus_counts(X, u, categories, "right")
            total = self._category_counts[categories]
        pvalues = conformal_pvalues(
            below,
            at_most,
            total,
            w[:, None],
            self._smoothing_draws(X) if smoothing else None,
            strict=self._nonrandomized,
        )
        if column is None:
            return pvalues
        return pvalues[np.arange(n_test), column]

    def _split_counts(self, X, u, categories):
        """(Weighted) counts of calibration scores below / at most each score.

        Returns three arrays of shape (n_test, n_classes): the weight of the
        calibration scores of the label's category ``< s``, ``<= s``, and
        their total (counts when unweighted).
        """
        scores = self._test_scores(self.estimator_, X, u)
        cal = self.calibration_
        below = np.empty(categories.shape)
        at_most = np.empty(categories.shape)
        total = np.empty(categories.shape)
        for m in np.unique(categories):
            rows = categories == m
            ref = cal.sorted_scores[m]
            cum = (
                np.arange(ref.size + 1, dtype=np.float64)
                if cal.cum_weights[m] is None
                else np.concatenate([[0.0], cal.cum_weights[m]])
            )
            below[rows] = cum[np.searchsorted(ref, scores[rows], side="left")]
            at_most[rows] = cum[np.searchsorted(ref, scores[rows], side="right")]
            total[rows] = cum[-1]
        return below, at_most, total

    def _smoothing_draws(self, X):
        """``theta`` of every (row, label): one keyed row hash per label."""
        return np.column_stack(
            [
                row_uniforms(X, (self._predict_seed + (c + 1) * _GOLDEN) % 2**64)
                for c in range(self.classes_.size)
            ]
        )

    def _cv_plus_counts(self, X, u, categories, side):
        """CV+ count of fold scores below (``side``) each test label's score."""
        counts = np.zeros(categories.shape, dtype=np.intp)
        for model, sorted_scores in zip(self.estimators_, self._fold_sorted):
            scores = self._test_scores(model, X, u)
            for c in range(categories.shape[1]):
                if len(sorted_scores) == 1:
                    counts[:, c] += np.searchsorted(
                        sorted_scores[0], scores[:, c], side=side
                    )
                    continue
                for m in np.unique(categories[:, c]):
                    rows = categories[:, c] == m
                    counts[rows, c] += np.searchsorted(
                        sorted_scores[m], scores[rows, c], side=side
                    )
        return counts

    def _cv_plus_sets(self, X, u, levels, categories):
        # a label is in the set when fewer than rank(n, level) calibration
        # scores (of its Mondrian category) beat it: #{s_i < s} randomised
        # (s <= quantile), #{s_i <= s} for the non-randomised entry score
        side = "right" if self._nonrandomized else "left"
        counts = self._cv_plus_counts(X, u, categories, side)
        # a category with fewer rows than a level needs has rank > n: the
        # count is always below it and its labels are in every set
        ranks = np.array(
            [
                [conformal_rank(int(m), float(c)) for c in levels]
                for m in self._category_counts
            ]
        )  # (n_categories, n_levels)
        return counts[:, :, None] < ranks[categories]

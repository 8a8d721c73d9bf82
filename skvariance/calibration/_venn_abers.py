"""Inductive and cross Venn-Abers predictors: calibrated probabilities."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._kernels._venn_abers import label_one_fits
from ..utils._seeds import derive_seeds, set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
)
from ..utils.crossfit import check_splits
from ..utils.parallel import Parallel, delayed, fit_estimator
from ..utils.validation import check_n_jobs
from .base import BaseConformal, check_prefit, safe_rows

__all__ = ["VennAbersClassifier"]


def venn_abers_tables(scores, y):
    """Isotonic fits of a test point labelled 0 and 1, for every position.

    The fast algorithm of Vovk, Petej & Fedorova (2015): the calibration
    scores are sorted and tied scores pooled into ``k`` blocks; for each of
    the ``k + 1`` gaps between blocks the isotonic regression of the
    calibration labels plus a test point in that gap, labelled 0 (and
    labelled 1), is evaluated at the test point (measured linear time in
    ``k`` after sorting; see :func:`~skvariance._kernels._venn_abers.label_one_fits`).

    Parameters
    ----------
    scores : ndarray of shape (n_cal,)
        Finite calibration scores (any increasing function of the
        probability of the positive class).
    y : ndarray of shape (n_cal,)
        0/1 labels of the calibration rows.

    Returns
    -------
    thresholds : ndarray of shape (k,)
        The distinct calibration scores, increasing.
    p0, p1 : ndarray of shape (k + 1,)
        ``p0[i]`` (``p1[i]``): the fit at a test point labelled 0 (1)
        placed before block ``i``. A test score equal to a calibration
        score is pooled with its block: see :func:`venn_abers_interval`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._venn_abers import venn_abers_tables
    >>> c, p0, p1 = venn_abers_tables(np.array([0.1, 0.4, 0.8]), np.array([0, 1, 1]))
    >>> c
    array([0.1, 0.4, 0.8])
    >>> p0.round(3)
    array([0.   , 0.   , 0.5  , 0.667])
    >>> p1.round(3)
    array([0.5, 1. , 1. , 1. ])
    """
    thresholds, block = np.unique(scores, return_inverse=True)
    w = np.bincount(block, minlength=thresholds.size).astype(np.float64)
    s = np.bincount(block, weights=y, minlength=thresholds.size)
    zero = np.zeros(1)
    # test point labelled 1: the cumulative sum diagram as it is
    p1 = label_one_fits(
        np.concatenate([zero, np.cumsum(w)]), np.concatenate([zero, np.cumsum(s)])
    )
    # labelled 0: reverse the order and flip the labels, which turns the
    # isotonic fit f into 1 - f and the gap before block i into gap k - i
    rw = np.concatenate([zero, np.cumsum(w[::-1])])
    rs = np.concatenate([zero, np.cumsum((w - s)[::-1])])
    p0 = 1.0 - label_one_fits(rw, rs)[::-1]
    return thresholds, p0, p1


def venn_abers_interval(tables, scores):
    """The Venn-Abers pair ``(p0, p1)`` of each test score.

    Parameters
    ----------
    tables : tuple
        ``(thresholds, p0, p1)`` from ``venn_abers_tables``.
    scores : ndarray of shape (n_test,)
        Test scores, on the scale of the calibration scores.

    Returns
    -------
    p0, p1 : ndarray of shape (n_test,)
        ``p0 <= p1``: the isotonic fit at the test point labelled 0 and 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._venn_abers import (
    ...     venn_abers_interval,
    ...     venn_abers_tables,
    ... )
    >>> tables = venn_abers_tables(np.array([0.1, 0.4, 0.8]), np.array([0, 1, 1]))
    >>> p0, p1 = venn_abers_interval(tables, np.array([0.05, 0.4, 0.9]))
    >>> p0.round(3), p1.round(3)
    (array([0.   , 0.5  , 0.667]), array([0.5, 1. , 1. ]))
    """
    thresholds, p0, p1 = tables
    # a score equal to a calibration score is pooled with that block; for a
    # test label 0 (1) this is the fit just after (before) the block
    return (
        p0[np.searchsorted(thresholds, scores, side="right")],
        p1[np.searchsorted(thresholds, scores, side="left")],
    )


def _merge_folds(p0, p1):
    """One probability from per-fold pairs (last axis): the geometric-mean rule.

    ``p = GM(p1) / (GM(1 - p0) + GM(p1))`` (Vovk, Petej & Fedorova 2015,
    minimising the log loss); one fold gives ``p1 / (1 - p0 + p1)``.
    """
    gm_p1 = np.exp(np.mean(np.log(p1), axis=-1))
    gm_q0 = np.exp(np.mean(np.log1p(-p0), axis=-1))
    return gm_p1 / (gm_q0 + gm_p1)


def _couple_pairs(pair_proba, pairs, n_classes):
    """Class probabilities from one-vs-one probabilities (Manokhin 2017).

    ``pair_proba[:, m]`` is the probability of class ``pairs[m][1]`` against
    ``pairs[m][0]``; ``p_c = 1 / (sum_{c' != c} 1 / p_{c c'} - (K - 2))``,
    then normalised to sum to 1 (the venn-abers package's rule).
    """
    inverse_sum = np.zeros((pair_proba.shape[0], n_classes))
    for m, (i, j) in enumerate(pairs):
        inverse_sum[:, i] += 1.0 / (1.0 - pair_proba[:, m])
        inverse_sum[:, j] += 1.0 / pair_proba[:, m]
    proba = 1.0 / (inverse_sum - (n_classes - 2))
    return proba / proba.sum(axis=1, keepdims=True)


def _fit_one(estimator, X, y, params):
    return fit_estimator(estimator, X, y, **params)


class VennAbersClassifier(ClassifierMixin, BaseConformal):
    """Venn-Abers predictor: calibrated probabilities and their (p0, p1) interval.

    For a test score ``s`` the calibration scores and labels are fitted by
    isotonic regression twice, with ``(s, 0)`` and with ``(s, 1)`` added;
    the two fits at ``s`` are ``p0 <= p1``, and one of them is a perfectly
    calibrated probability of the positive class (Vovk & Petej 2014). The
    single probability is ``p1 / (1 - p0 + p1)``. All test scores are served
    from two tables computed once after sorting the calibration scores
    (Vovk, Petej & Fedorova 2015). Multiclass problems are split into
    one-vs-one pairs coupled as in Manokhin (2017), with the same numbers
    as the ``venn-abers`` package's ``VennAbersCalibrator``.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``predict_proba`` or ``decision_function`` (its
        scores only need to rank the rows). ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression`.
    method : {"inductive", "cross"}, default="inductive"
        ``"inductive"``: fit on a proper training part, calibrate on a
        held-out ``calibration_size`` share (IVAP). ``"cross"``: ``cv``
        folds, each calibrated on its held-out fold, merged by the
        geometric-mean rule ``p = GM(p1) / (GM(1 - p0) + GM(p1))`` (CVAP).
    cv : int, cross-validation generator or iterable, default=5
        Folds of ``method="cross"``; an int gives shuffled stratified folds
        seeded by ``random_state``.
    calibration_size : float or int, default=0.25
        Share (float) or number (int) of rows held out for calibration by
        ``method="inductive"``, as ``test_size`` of
        :func:`~sklearn.model_selection.train_test_split`.
    stratify : bool, default=True
        Stratify the inductive split by class.
    n_jobs : int, default=None
        Parallel fits (pairs and folds).
    random_state : int, RandomState instance or None, default=None
        Seed of the splits (an int is used as it is, for every pair) and of
        the estimator's own randomness.
    verbose : int, default=0
        joblib verbosity of the parallel fits.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    pairs_ : ndarray of shape (n_pairs, 2)
        The class pairs ``(a, b)``, ``a < b``, of the one-vs-one problems
        (one pair for a binary problem); the pair's positive class is ``b``.
    estimators_ : list of lists of estimators
        The fitted models of each pair (one per fold).
    calibrators_ : list of lists of tuples
        Per pair and fold, the ``(thresholds, p0, p1)`` tables of
        ``venn_abers_tables``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when X has feature names that are all strings.

    See Also
    --------
    sklearn.calibration.CalibratedClassifierCV : Platt, isotonic and
        temperature scaling, without a validity guarantee.
    ConformalClassifier : prediction sets with a coverage guarantee.

    Notes
    -----
    Test scores equal to a calibration score are pooled with it (ties are
    one block), as scikit-learn's ``IsotonicRegression`` pools ties.
    ``predict_proba_interval`` of ``method="cross"`` returns the fold means
    of ``p0`` and ``p1``; ``predict_proba`` merges the folds' pairs by the
    geometric-mean rule.

    References
    ----------
    Vovk, V. & Petej, I. (2014). Venn-Abers predictors. UAI.
    Vovk, V., Petej, I. & Fedorova, V. (2015). Large-scale probabilistic
    predictors with and without guarantees of validity. NeurIPS.
    Manokhin, V. (2017). Multi-class probabilistic classification using
    inductive and cross Venn-Abers predictors. COPA, PMLR 60.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skvariance.calibration import VennAbersClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = VennAbersClassifier(GaussianNB(), random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).round(3)
    array([[1., 0.],
           [1., 0.]])
    >>> interval = clf.predict_proba_interval(X[:2])
    >>> interval.shape, bool((interval[:, 0] <= interval[:, 1]).all())
    ((2, 2), True)
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
            None,
        ],
        "method": [StrOptions({"inductive", "cross"})],
        "cv": ["cv_object"],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "stratify": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        method: str = "inductive",
        cv=5,
        calibration_size: float | int = 0.25,
        stratify: bool = True,
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.method = method
        self.cv = cv
        self.calibration_size = calibration_size
        self.stratify = stratify
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
    def _labels(self, y):
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"y has only one class {classes.tolist()}; Venn-Abers needs at "
                "least two."
            )
        return classes, y_encoded

    def _pair_splits(self, y_pair, seed):
        """(train, calibration) positions within one pair's rows."""
        m = y_pair.size
        if self.method == "cross":
            return check_splits(
                self.cv, np.zeros((m, 1)), y_pair, seed, classifier=True
            )
        try:
            train, cal = train_test_split(
                np.arange(m),
                test_size=self.calibration_size,
                random_state=seed,
                shuffle=True,
                stratify=y_pair if self.stratify else None,
            )
        except ValueError as exc:
            raise ValueError(
                f"cannot split {m} samples with calibration_size="
                f"{self.calibration_size} (stratify={self.stratify}): {exc}"
            ) from exc
        return [(train, cal)]

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the model(s) and the Venn-Abers calibration tables.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        **fit_params : dict
            Metadata for the estimator's ``fit`` (metadata routing enabled).

        Returns
        -------
        self : VennAbersClassifier
        """
        check_n_jobs(self.n_jobs)
        X, y = self._validate_fit(X, y, y_numeric=False)
        self.classes_, y_encoded = self._labels(y)
        estimator = self._base_estimator()
        params = self._fit_params(estimator, None, fit_params)
        rng = check_random_state(self.random_state)
        if isinstance(self.random_state, Integral):
            seed = int(self.random_state)
        else:
            seed = int(derive_seeds(rng, 1)[0])
        pairs = list(combinations(range(self.classes_.size), 2))
        tasks = []  # (pair, rows of X, train positions, calibration positions)
        for p, (i, j) in enumerate(pairs):
            rows = np.flatnonzero((y_encoded == i) | (y_encoded == j))
            y_pair = (y_encoded[rows] == j).astype(np.int64)
            for train, cal in self._pair_splits(y_pair, seed):
                tasks.append((p, rows, np.asarray(train), np.asarray(cal), y_pair))
        seeds = derive_seeds(rng, len(tasks))
        jobs = (
            delayed(_fit_one)(
                set_random_state(clone(estimator), int(s)),
                safe_rows(X, rows[train]),
                y[rows[train]],
                self._subset_params(X, params, rows[train]),
            )
            for s, (_, rows, train, _, _) in zip(seeds, tasks)
        )
        models = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(jobs)
        self.pairs_ = self.classes_[np.asarray(pairs, dtype=np.int64).reshape(-1, 2)]
        self._pair_codes = pairs
        self.estimators_ = [[] for _ in pairs]
        self.calibrators_ = [[] for _ in pairs]
        for model, (p, rows, _, cal, y_pair) in zip(models, tasks):
            seen = getattr(model, "classes_", None)
            if seen is not None and len(seen) != 2:
                raise ValueError(
                    f"the proper training rows of classes {self.pairs_[p].tolist()} "
                    f"hold only {np.asarray(seen).tolist()}: each model needs both "
                    "classes of its pair (use stratify=True or more data)."
                )
            scores = self._scores(model, safe_rows(X, rows[cal]))
            self.estimators_[p].append(model)
            self.calibrators_[p].append(venn_abers_tables(scores, y_pair[cal]))
        self._prefit = False
        return self

    def conformalize(self, X_cal, y_cal):
        """Calibrate an already fitted ``estimator`` on ``(X_cal, y_cal)``.

        The estimator is neither cloned, refitted nor modified; every row of
        the calibration set is used (inductive Venn-Abers). A multiclass
        model's probabilities of each class pair are renormalised,
        ``p_b / (p_a + p_b)``, as in the venn-abers package's prefit mode
        (``decision_function`` only: the difference of the two columns).

        Parameters
        ----------
        X_cal : array-like of shape (n_cal, n_features)
        y_cal : array-like of shape (n_cal,)
            Labels among the estimator's ``classes_``.

        Returns
        -------
        self : VennAbersClassifier

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from skvariance.calibration import VennAbersClassifier
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> model = GaussianNB().fit(X[:300], y[:300])
        >>> va = VennAbersClassifier(model).conformalize(X[300:500], y[300:500])
        >>> va.predict_proba(X[500:502]).shape
        (2, 2)
        """
        self._validate_params()
        check_prefit(self.estimator, "estimator")
        if self.method != "inductive":
            raise ValueError(
                "conformalize calibrates a prefit estimator on one calibration "
                f"set: method must be 'inductive', got {self.method!r}."
            )
        classes = np.asarray(getattr(self.estimator, "classes_", None))
        if classes.ndim != 1 or classes.size < 2:
            raise ValueError(
                "conformalize needs a fitted classifier with classes_ of at "
                f"least two labels; got classes_={classes!r}."
            )
        X_cal, y_cal = self._validate_fit(X_cal, y_cal, y_numeric=False)
        check_classification_targets(y_cal)
        unknown = np.setdiff1d(np.unique(y_cal), classes)
        if unknown.size:
            raise ValueError(
                f"y_cal has labels {unknown.tolist()} that the estimator does "
                f"not know (classes_={classes.tolist()})."
            )
        self.classes_ = classes
        y_encoded = np.searchsorted(classes, y_cal)
        pairs = list(combinations(range(classes.size), 2))
        self.pairs_ = classes[np.asarray(pairs, dtype=np.int64).reshape(-1, 2)]
        self._pair_codes = pairs
        self._prefit = True
        pair_scores = self._prefit_scores(X_cal)
        self.estimators_ = [[self.estimator] for _ in pairs]
        self.calibrators_ = []
        for p, (i, j) in enumerate(pairs):
            rows = (y_encoded == i) | (y_encoded == j)
            self.calibrators_.append(
                [
                    venn_abers_tables(
                        pair_scores[rows, p], (y_encoded[rows] == j).astype(np.int64)
                    )
                ]
            )
        return self

    # -- scores ---------------------------------------------------------
    @staticmethod
    def _finite(scores):
        if not np.all(np.isfinite(scores)):
            raise ValueError(
                "the estimator returned non-finite scores (NaN or infinity); "
                "Venn-Abers needs finite scores."
            )
        return scores

    def _scores(self, model, X):
        """Score of the pair's second class (binary model)."""
        if hasattr(model, "predict_proba"):
            scores = np.asarray(model.predict_proba(X), dtype=np.float64)[:, 1]
        else:
            scores = np.asarray(model.decision_function(X), dtype=np.float64).reshape(
                -1
            )
        return self._finite(scores)

    def _prefit_scores(self, X):
        """Pair scores of the prefit model: ``(n_samples, n_pairs)``."""
        model = self.estimator
        proba = hasattr(model, "predict_proba")
        out = np.asarray(
            model.predict_proba(X) if proba else model.decision_function(X),
            dtype=np.float64,
        )
        if out.ndim == 1:  # binary decision_function
            return self._finite(out).reshape(-1, 1)
        if self.classes_.size == 2:
            return self._finite(out[:, 1] if proba else out[:, 1] - out[:, 0]).reshape(
                -1, 1
            )
        cols = []
        for i, j in self._pair_codes:
            if proba:
                total = out[:, i] + out[:, j]
                safe = np.where(total > 0, total, 1.0)
                cols.append(np.where(total > 0, out[:, j] / safe, 0.5))
            else:
                cols.append(out[:, j] - out[:, i])
        return self._finite(np.column_stack(cols))

    def _pair_intervals(self, X):
        """p0 and p1 of each row, pair and fold: two lists over pairs."""
        X = self._check_predict(X)
        p0, p1 = [], []
        prefit = self._prefit_scores(X) if self._prefit else None
        for p, (models, tables) in enumerate(zip(self.estimators_, self.calibrators_)):
            lo, hi = [], []
            for model, table in zip(models, tables):
                scores = prefit[:, p] if self._prefit else self._scores(model, X)
                a, b = venn_abers_interval(table, scores)
                lo.append(a)
                hi.append(b)
            p0.append(np.column_stack(lo))
            p1.append(np.column_stack(hi))
        return p0, p1

    # -- predict --------------------------------------------------------
    def predict_proba(self, X):
        """Venn-Abers probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Binary: ``[1 - p, p]`` with ``p = p1 / (1 - p0 + p1)`` (folds
            merged by the geometric-mean rule); multiclass: the pairs
            coupled as the venn-abers package does.
        """
        p0, p1 = self._pair_intervals(X)
        pair_proba = np.column_stack([_merge_folds(a, b) for a, b in zip(p0, p1)])
        return _couple_pairs(pair_proba, self._pair_codes, self.classes_.size)

    def predict_proba_interval(self, X):
        """The Venn-Abers pair ``(p0, p1)`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        interval : ndarray of shape (n_samples, 2) or (n_samples, n_pairs, 2)
            Binary: ``(p0, p1)``, bounds for the probability of
            ``classes_[1]``; ``p0 <= p1``. Multiclass: one pair per row of
            ``pairs_`` (the probability of ``pairs_[m, 1]`` against
            ``pairs_[m, 0]``). ``method="cross"``: the fold means.
        """
        p0, p1 = self._pair_intervals(X)
        out = np.stack(
            [
                np.column_stack([a.mean(axis=1) for a in p0]),
                np.column_stack([b.mean(axis=1) for b in p1]),
            ],
            axis=-1,
        )
        return out[:, 0, :] if out.shape[1] == 1 else out

    def predict(self, X):
        """Most probable class under :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

"""Conformal risk control and Learn-then-Test for a classifier's sets or threshold."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import binom
from sklearn.base import ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..utils._seeds import derive_seeds, set_random_state
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
)
from ..utils.parallel import fit_estimator
from .base import BaseConformal, check_prefit, safe_rows

__all__ = [
    "RiskControlWarning",
    "RiskController",
    "crc_threshold_index",
    "fixed_sequence_test",
    "hoeffding_bentkus_p_values",
]

#: relative slack of the CRC comparison, as in ``conformal_rank``: keeps
#: ``0.1 * 100`` computed as ``10.000000000000002`` on the valid side
_SLACK = 1e-10

_CRC_RISKS = ("miscoverage", "fnr")
_LTT_ONLY = ("precision", "recall")


class RiskControlWarning(UserWarning):
    """No threshold of the grid controls the risk at the target.

    Issued by :class:`RiskController` at the call that returns the fallback
    prediction (see its ``Notes``): the calibration data are too few, or the
    model too weak, for the target and confidence asked.
    """


# -- the statistical core --------------------------------------------------
def crc_threshold_index(total_loss, n, target, bound=1.0):
    """Index of the conformal-risk-control threshold on an increasing grid.

    For losses ``L_i(lambda)`` non-increasing in ``lambda`` and bounded by
    ``B``, conformal risk control (Angelopoulos et al., 2022) takes
    ``lambda_hat = inf{lambda : n / (n + 1) R_n(lambda) + B / (n + 1) <=
    alpha}``, with ``R_n`` the mean loss of the ``n`` calibration points.
    Multiplied by ``n + 1``: ``sum_i L_i(lambda) + B <= alpha (n + 1)``.

    Parameters
    ----------
    total_loss : ndarray of shape (n_grid,)
        ``sum_i L_i(lambda_j)`` at each grid value, the grid increasing.
    n : int
        Number of calibration points.
    target : float
        ``alpha``.
    bound : float, default=1.0
        ``B``, the largest value a loss can take.

    Returns
    -------
    index : int or None
        The first valid grid index, ``None`` when no grid value is valid.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._risk_control import crc_threshold_index
    >>> # 19 miscoverage losses: 3, 2, 1, 0 misses at four thresholds
    >>> crc_threshold_index(np.array([3.0, 2.0, 1.0, 0.0]), 19, 0.1)
    2
    """
    total_loss = np.asarray(total_loss, dtype=np.float64)
    valid = total_loss + bound <= target * (n + 1) * (1.0 + _SLACK)
    if not valid.any():
        return None
    return int(np.argmax(valid))


def hoeffding_bentkus_p_values(
    risk, n_eff, target, *, binary=False, method="hoeffding_bentkus", count=None
):
    """p-values of ``H_j: risk(lambda_j) > alpha`` (Learn-then-Test).

    With ``R`` the empirical risk of ``n`` losses in [0, 1] (Angelopoulos,
    Bates, Candes, Jordan & Lei, 2021, section 3):

    - Hoeffding: ``p = exp(-n h(min(R, alpha), alpha))`` with
      ``h(a, b) = a log(a / b) + (1 - a) log((1 - a) / (1 - b))``;
    - Bentkus: ``p = e P(Binomial(n, alpha) <= ceil(n R))``, without the
      factor ``e`` when the losses are binary (``binary=True``);
    - Hoeffding-Bentkus: the smaller of the two.

    A grid value with no effective sample (``n_eff == 0``, e.g. no predicted
    positive for precision) gets ``p = 1``: it is never declared valid.
    ``n R`` is taken as a count: ``ceil(n R - 1e-9)``, so that float noise
    (``200 * (1 - 0.995) = 1.0000000000000009``) does not add one to it.

    Parameters
    ----------
    risk : ndarray of shape (n_grid,)
    n_eff : ndarray of shape (n_grid,)
        Number of losses averaged in ``risk`` at each grid value.
    target : float
        ``alpha``.
    binary : bool, default=False
    method : {"hoeffding_bentkus", "hoeffding"}, default="hoeffding_bentkus"
    count : ndarray of shape (n_grid,), default=None
        ``ceil(n R)`` of the Bentkus term when given (MAPIE's float count);
        ``None`` computes it as above.

    Returns
    -------
    p_values : ndarray of shape (n_grid,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._risk_control import hoeffding_bentkus_p_values
    >>> p = hoeffding_bentkus_p_values(np.array([0.0, 0.05, 0.2]),
    ...                                np.array([100, 100, 100]), 0.1, binary=True)
    >>> np.round(p, 4)
    array([0.    , 0.0576, 0.9992])
    """
    risk = np.asarray(risk, dtype=np.float64)
    n = np.asarray(n_eff, dtype=np.float64)
    a = np.minimum(risk, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(a > 0, a * np.log(a / target), 0.0)
        second = (1.0 - a) * np.log((1.0 - a) / (1.0 - target))
    p = np.exp(-n * (first + second))
    if method == "hoeffding_bentkus":
        # n R is a count for binary losses; float noise must not push it over
        k = np.ceil(n * risk - 1e-9) if count is None else count
        bentkus = binom.cdf(k, np.maximum(n, 1), target)
        p = np.minimum(p, bentkus if binary else np.e * bentkus)
    return np.where(n > 0, np.minimum(p, 1.0), 1.0)


def fixed_sequence_test(p_values, delta, order):
    """Fixed-sequence testing: reject along ``order`` until the first ``p > delta``.

    Controls the family-wise error rate at ``delta`` without a Bonferroni
    division when the order is fixed before seeing the data.

    Parameters
    ----------
    p_values : ndarray of shape (n_grid,)
    delta : float
    order : ndarray of int
        Grid indices from the most to the least conservative.

    Returns
    -------
    rejected : ndarray of int
        Grid indices declared valid, sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.calibration._risk_control import fixed_sequence_test
    >>> p = np.array([0.5, 0.2, 0.01, 0.0, 0.0])
    >>> fixed_sequence_test(p, 0.1, order=np.arange(5)[::-1])
    array([2, 3, 4])
    """
    p = np.asarray(p_values, dtype=np.float64)[order]
    failed = np.flatnonzero(~(p <= delta))
    stop = failed[0] if failed.size else p.size
    return np.sort(np.asarray(order)[:stop])


def _bonferroni(p_values, delta):
    return np.flatnonzero(p_values <= delta / p_values.size)


def _holm(p_values, delta):
    """Holm's step-down: the k-th smallest p-value against delta / (m - k)."""
    m = p_values.size
    order = np.argsort(p_values, kind="stable")
    ok = p_values[order] <= delta / (m - np.arange(m))
    failed = np.flatnonzero(~ok)
    stop = failed[0] if failed.size else m
    return np.sort(order[:stop])


def _weighted_exceedance(scores, weights, grid):
    """``sum_i w_i 1{s_i > lambda}`` at every grid value."""
    order = np.argsort(scores, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(weights[order])])
    below = np.searchsorted(scores[order], grid, side="right")
    return cum[-1] - cum[below]


# -- the estimator ---------------------------------------------------------
class RiskController(ClassifierMixin, BaseConformal):
    """Conformal risk control and Learn-then-Test for a classifier.

    Chooses the threshold ``lambda`` of a classifier's prediction sets (or of
    its positive decision) from calibration data so that a risk stays at or
    below ``target``:

    - ``method="crc"`` (conformal risk control, Angelopoulos et al., 2022):
      in expectation, ``E[L(lambda_hat)] <= target``, for a loss non-increasing
      in ``lambda`` and bounded by ``loss_bound``;
    - ``method="ltt"`` (Learn-then-Test, Angelopoulos et al., 2021): with
      probability at least ``confidence_level`` over the calibration data,
      ``risk(lambda_hat) <= target``.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        ``None`` uses :class:`~sklearn.linear_model.LogisticRegression` (for a
        multilabel ``y``, one per label in a
        :class:`~sklearn.multioutput.MultiOutputClassifier`). Cloned by
        :meth:`fit`; used as it is, already fitted, by :meth:`conformalize`.
    risk : {"miscoverage", "fnr", "precision", "recall"} or callable, \
default="miscoverage"
        With ``p`` the estimator's probabilities and the set
        ``C_lambda(x) = {k : 1 - p_k(x) <= lambda}``:

        - ``"miscoverage"`` (1-d class labels): ``1{y not in C_lambda(x)}``;
          CRC with it is split conformal prediction with the LAC score;
        - ``"fnr"`` (multilabel 0/1 indicator ``y``, every row with at least
          one label): the false-negative rate of the set, the share of the
          true labels of ``x`` left out of ``C_lambda(x)``;
        - ``"precision"``, ``"recall"`` (binary ``y``, ``method="ltt"``): the
          risk ``1 - precision`` or ``1 - recall`` of predicting the positive
          class ``classes_[1]`` when ``p_1(x) >= lambda``; precision is
          computed among the predicted positives (as MAPIE does);
        - a callable ``loss(y_true, proba, lam) -> ndarray of shape
          (n_samples,)``: the loss of each sample at threshold ``lam``, with
          ``y_true`` the labels as given to ``fit`` and ``proba`` the
          estimator's probabilities, shape ``(n_samples, n_outputs)``. It must
          lie in ``[0, loss_bound]`` and be non-increasing in ``lam`` (both
          checked on the grid: ``ValueError`` naming ``risk`` otherwise). The
          guarantee is for that loss at ``threshold_``; :meth:`predict_set`
          returns ``C_threshold_``, so a loss of ``C_lam`` is what it
          controls.
    target : float, default=0.1
        The level ``alpha`` in (0, 1) the risk must not exceed (for
        precision and recall: ``1 - target`` is the precision or recall
        guaranteed).
    method : {"crc", "ltt"}, default="crc"
    confidence_level : float, default=0.9
        ``1 - delta`` of Learn-then-Test; not used by CRC.
    grid : None, int or array-like of float, default=None
        Thresholds ``lambda`` considered. ``None``: for CRC with a built-in
        risk, every calibration score (the exact infimum over all real
        ``lambda``); for precision and recall, MAPIE's
        ``np.linspace(0, 0.99, 100)``; otherwise ``np.linspace(0, 1, 101)``.
        An int ``m``: ``np.linspace(0, 1, m)``. An array: strictly
        increasing finite values.
    loss_bound : float, default=1.0
        ``B``, the largest value of the loss. Built-in risks are in [0, 1].
        Learn-then-Test's p-values need ``loss_bound=1``.
    p_value : {"hoeffding_bentkus", "hoeffding", "hoeffding_bentkus_mapie"}, \
default="hoeffding_bentkus"
        p-value of each ``H_j: risk(lambda_j) > target`` (LTT), see
        ``hoeffding_bentkus_p_values``. The Bentkus part drops its factor
        ``e`` for binary losses (miscoverage, precision, recall).
        ``"hoeffding_bentkus_mapie"`` reproduces MAPIE 1.6, which takes the
        Bentkus count ``ceil(n R)`` of the floating-point risk
        ``1 - hits / n``: float noise such as ``200 * (1 - 0.995) =
        1.0000000000000009`` adds one to the count, a slightly larger p-value.
    fwer_method : {"fixed_sequence", "bonferroni", "bonferroni_holm"}, \
default="fixed_sequence"
        Family-wise error control over the grid (LTT). Fixed-sequence
        testing starts from the safest threshold (the largest for loss-type
        risks and precision, the smallest for recall) and stops at the first
        p-value above ``1 - confidence_level``.
    calibration_size : float or int, default=0.25
        Share or number of rows :meth:`fit` holds out for calibration
        (stratified by class for 1-d labels).
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the model's own seed.

    Attributes
    ----------
    threshold_ : float
        ``lambda_hat``. ``inf`` when nothing is controlled (see Notes).
    controlled_ : bool
        Whether some threshold of the grid met the target.
    grid_ : ndarray of shape (n_grid,)
        Thresholds considered.
    risk_curve_ : ndarray of shape (n_grid,)
        Empirical risk on the calibration set at each threshold (NaN for
        precision where no calibration point is predicted positive).
    bound_curve_ : ndarray of shape (n_grid,)
        CRC: ``n / (n + 1) risk + B / (n + 1)``; LTT: ``None``.
    p_values_ : ndarray of shape (n_grid,)
        LTT: the p-value of each threshold; CRC: ``None``.
    valid_thresholds_ : ndarray
        Thresholds declared valid (LTT after FWER control; CRC: those whose
        bound is at most ``target``).
    n_calibration_ : int
    classes_ : ndarray
        Class labels; label indices ``0..n_labels - 1`` for a multilabel ``y``.
    estimator_ : classifier
    calibration_indices_ : ndarray of int
        Rows of ``X`` used for calibration by :meth:`fit` (``None`` after
        :meth:`conformalize`).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    ConformalClassifier : conformal prediction sets (LAC, APS, RAPS).

    Notes
    -----
    When no threshold is valid the prediction falls back to the one that
    cannot violate the risk, and a :class:`RiskControlWarning` naming the
    target and the best empirical risk is issued by the prediction methods
    that use the threshold: sets hold every label (``threshold_ = inf``;
    miscoverage and FNR are then 0), no positive is predicted for precision
    (``threshold_ = inf``), every point is positive for recall
    (``threshold_ = -inf``); a callable loss falls back to the largest grid
    value, where the caller must make sure the loss is small.

    MAPIE 1.6's ``MultiLabelClassificationController`` thresholds the
    probability, ``p > t``: ``t = 1 - lambda``, and declares a threshold valid
    when the CRC bound is strictly below the target (here: at most, as in the
    paper); the two differ only when the bound equals the target exactly.
    ``BinaryClassificationController`` uses the same p-values, the same
    choice among valid thresholds (for precision the largest recall, for
    recall the largest precision, ties to the least conservative) and
    ``fwer_method="bonferroni_holm"`` by default.

    References
    ----------
    .. [1] Angelopoulos, A. N., Bates, S., Fisch, A., Lei, L. and Schuster, T.
       "Conformal Risk Control", ICLR 2024 (arXiv:2208.02814, 2022).
    .. [2] Angelopoulos, A. N., Bates, S., Candes, E. J., Jordan, M. I. and
       Lei, L. "Learn then Test: Calibrating Predictive Algorithms to Achieve
       Risk Control", arXiv:2110.01052, 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skvariance.calibration import RiskController
    >>> X, y = make_classification(n_samples=1000, random_state=0)
    >>> rc = RiskController(risk="precision", target=0.2, method="ltt",
    ...                     random_state=0).fit(X, y)
    >>> bool(rc.controlled_), round(float(rc.threshold_), 2)
    (True, 0.11)
    >>> rc.predict(X[:5])
    array([0, 1, 1, 1, 0])
    >>> sets = RiskController(target=0.1, random_state=0).fit(X, y).predict_set(X[:3])
    >>> sets.shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "risk": [StrOptions({"miscoverage", "fnr", "precision", "recall"}), callable],
        "target": [Interval(Real, 0, 1, closed="neither")],
        "method": [StrOptions({"crc", "ltt"})],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "grid": [None, Interval(Integral, 2, None, closed="left"), "array-like"],
        "loss_bound": [Interval(Real, 0, None, closed="neither")],
        "p_value": [
            StrOptions({"hoeffding_bentkus", "hoeffding", "hoeffding_bentkus_mapie"})
        ],
        "fwer_method": [
            StrOptions({"fixed_sequence", "bonferroni", "bonferroni_holm"})
        ],
        "calibration_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        risk="miscoverage",
        target: float = 0.1,
        method: str = "crc",
        confidence_level: float = 0.9,
        grid=None,
        loss_bound: float = 1.0,
        p_value: str = "hoeffding_bentkus",
        fwer_method: str = "fixed_sequence",
        calibration_size: float | int = 0.25,
        random_state=None,
    ):
        self.estimator = estimator
        self.risk = risk
        self.target = target
        self.method = method
        self.confidence_level = confidence_level
        self.grid = grid
        self.loss_bound = loss_bound
        self.p_value = p_value
        self.fwer_method = fwer_method
        self.calibration_size = calibration_size
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        # a multilabel y is for risk="fnr" (or a callable loss)
        tags.classifier_tags.multi_label = self.risk == "fnr"
        return tags

    def _default_estimator(self):
        return LogisticRegression()

    # -- checks done before any model is fitted ----------------------------
    def _check_params(self):
        risk = self.risk
        if isinstance(risk, str) and risk in _LTT_ONLY and self.method == "crc":
            raise ValueError(
                f"risk={risk!r} is a ratio over a data-dependent subset, not a mean "
                "of monotone per-sample losses: conformal risk control does not "
                "apply; use method='ltt'."
            )
        if self.method == "ltt" and self.loss_bound != 1.0:
            raise ValueError(
                "method='ltt' needs losses in [0, 1] (its p-values are for "
                f"them): loss_bound must be 1.0, got {self.loss_bound}; divide "
                "your loss by its bound instead."
            )
        if isinstance(risk, str) and self.loss_bound != 1.0:
            raise ValueError(
                f"risk={risk!r} is bounded by 1: loss_bound must be 1.0, got "
                f"{self.loss_bound}."
            )

    def _check_grid(self):
        grid = self.grid
        if grid is None or isinstance(grid, Integral):
            return grid
        try:
            values = np.asarray(grid, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("grid must be None, an int or an array of floats.") from exc
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"grid must be a non-empty 1-d array, got shape {values.shape}."
            )
        if not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
            raise ValueError("grid must hold strictly increasing finite values.")
        return values

    def _check_y(self, y):
        """Validated ``y`` for the risk; sets ``classes_``."""
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y", estimator=self)
        kind = type_of_target(y, input_name="y")
        risk = self.risk
        if risk == "fnr" or (callable(risk) and kind == "multilabel-indicator"):
            if kind != "multilabel-indicator":
                raise ValueError(
                    "risk='fnr' needs y as a multilabel 0/1 indicator matrix of "
                    f"shape (n_samples, n_labels); got a target of type {kind!r}."
                )
            y = np.asarray(y)
            if risk == "fnr" and not (y.sum(axis=1) > 0).all():
                raise ValueError(
                    "risk='fnr' needs at least one true label in every row of y "
                    "(the false-negative rate of a row without labels is "
                    f"undefined); {int((y.sum(axis=1) == 0).sum())} row(s) have none."
                )
            self.classes_ = np.arange(y.shape[1])
            self._multilabel = True
            return y
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:
            raise ValueError(
                f"risk={risk!r} needs 1-d class labels y; got y of shape "
                f"{np.shape(y)} (a multilabel y needs risk='fnr' or a callable)."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._multilabel = False
        return y

    def _set_classes(self, y, classes=None):
        """Set ``classes_`` (from ``y``, or the prefit model's) and encode ``y``."""
        if self._multilabel:
            return y
        if classes is None:
            self.classes_, y_encoded = np.unique(y, return_inverse=True)
        else:
            self.classes_ = np.asarray(classes)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y_cal has labels {unknown.tolist()[:10]} the estimator was "
                    "not fitted on."
                )
            y_encoded = np.searchsorted(self.classes_, y)
        if self.classes_.size < 2:
            raise ValueError(
                f"y has only one class {self.classes_.tolist()}; risk control "
                "needs at least two."
            )
        if self.risk in _LTT_ONLY and self.classes_.size != 2:
            raise ValueError(
                f"risk={self.risk!r} needs a binary y; got {self.classes_.size} "
                "classes."
            )
        return y_encoded.reshape(-1)

    # -- fit ---------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator on a proper-training split and calibrate on the rest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix for ``risk="fnr"``.
        **fit_params : dict
            Metadata for the estimator's ``fit`` (metadata routing enabled).

        Returns
        -------
        self : RiskController
        """
        self._check_params()
        self._check_grid()
        y = self._check_y(y)
        X = self._passthrough_X(X, reset=True)
        y_codes = self._set_classes(y)
        n = X.shape[0]
        if np.shape(y)[0] != n:
            raise ValueError(
                f"X and y have different numbers of rows: {n} and {np.shape(y)[0]}."
            )
        if n < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to fit and "
                f"calibrate; got n_samples={n}."
            )
        estimator = self._base_estimator()
        if self.estimator is None and self._multilabel:
            estimator = MultiOutputClassifier(LogisticRegression())
        params = self._fit_params(estimator, None, fit_params)
        rng = check_random_state(self.random_state)
        train, cal = self._split_indices(
            n, rng, stratify=None if self._multilabel else y_codes
        )
        seed = int(derive_seeds(rng, 1)[0])
        model = set_random_state(clone(estimator), seed)
        self.estimator_ = fit_estimator(
            model,
            safe_rows(X, train),
            safe_rows(y, train) if self._multilabel else np.asarray(y)[train],
            **self._subset_params(X, params, train),
        )
        self.calibration_indices_ = cal
        y_cal = y[cal] if self._multilabel else np.asarray(y)[cal]
        self._calibrate(safe_rows(X, cal), y_cal, y_codes[cal])
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def conformalize(self, X_cal, y_cal):
        """Calibrate an already fitted ``estimator`` on every row of ``(X_cal, y_cal)``.

        The estimator is neither cloned nor refitted (``estimator_ is
        estimator``); ``calibration_size`` and ``random_state`` are not used.

        Parameters
        ----------
        X_cal : array-like of shape (n_calibration, n_features)
        y_cal : array-like of shape (n_calibration,) or (n_calibration, n_labels)

        Returns
        -------
        self : RiskController

        Raises
        ------
        TypeError
            When a single-label ``estimator`` has no ``classes_`` (its
            ``predict_proba`` columns cannot be matched to labels).
        """
        self._check_params()
        self._check_grid()
        check_prefit(self.estimator, "estimator")
        y = self._check_y(y_cal)
        X = self._passthrough_X(X_cal, reset=True)
        inner = getattr(self.estimator, "n_features_in_", None)
        if inner is not None and inner != X.shape[1]:
            raise ValueError(
                f"X_cal has {X.shape[1]} features but the fitted estimator "
                f"expects {inner}."
            )
        if np.shape(y)[0] != X.shape[0]:
            raise ValueError(
                f"X_cal and y_cal have different numbers of rows: {X.shape[0]} "
                f"and {np.shape(y)[0]}."
            )
        classes = None
        if not self._multilabel:
            classes = getattr(self.estimator, "classes_", None)
            if classes is None:
                raise TypeError(
                    f"estimator {type(self.estimator).__name__} has no classes_: "
                    "conformalize needs a fitted classifier whose classes_ name "
                    "its predict_proba columns."
                )
        y_codes = self._set_classes(y, classes)
        self.estimator_ = self.estimator
        self.calibration_indices_ = None
        self._calibrate(X, y, y_codes)
        return self

    # -- calibration -------------------------------------------------------
    def _proba(self, X):
        """Scores ``p``: (n, n_classes) for labels, (n, n_labels) multilabel."""
        proba = self.estimator_.predict_proba(X)
        if self._multilabel:
            if isinstance(proba, list):
                proba = np.stack([np.asarray(p)[:, -1] for p in proba], axis=1)
            proba = np.asarray(proba, dtype=np.float64)
            if proba.ndim == 3:
                proba = proba[:, :, -1]
            if proba.ndim != 2 or proba.shape[1] != self.classes_.size:
                raise ValueError(
                    "the estimator's predict_proba must give one positive-class "
                    f"probability per label ({self.classes_.size}); got shape "
                    f"{proba.shape}."
                )
        else:
            proba = np.asarray(proba, dtype=np.float64)
            seen = np.asarray(self.estimator_.classes_)
            if not (
                seen.shape == self.classes_.shape
                and np.array_equal(seen, self.classes_)
            ):
                full = np.zeros((proba.shape[0], self.classes_.size))
                full[:, np.searchsorted(self.classes_, seen)] = proba
                proba = full
        if not np.all(np.isfinite(proba)):
            raise ValueError("the estimator's predict_proba returned NaN or infinity.")
        return proba

    def _default_grid(self, scores):
        if isinstance(self.grid, Integral):
            return np.linspace(0.0, 1.0, int(self.grid))
        if self.grid is not None:
            return self._check_grid()
        if self.method == "crc" and isinstance(self.risk, str):
            return np.unique(scores)  # exact: the risk only moves there
        if self.risk in _LTT_ONLY:
            return np.linspace(0.0, 0.99, 100)
        return np.linspace(0.0, 1.0, 101)

    def _calibrate(self, X, y, y_codes):
        proba = self._proba(X)
        n = proba.shape[0]
        risk, alpha = self.risk, float(self.target)
        binary = risk in ("miscoverage", "precision", "recall")
        if risk == "miscoverage":
            scores = 1.0 - proba[np.arange(n), y_codes]
            grid = self._default_grid(scores)
            total = _weighted_exceedance(scores, np.ones(n), grid)
            n_eff = np.full(grid.size, n)
        elif risk == "fnr":
            rows, cols = np.nonzero(y)
            scores = 1.0 - proba[rows, cols]
            weights = 1.0 / np.asarray(y).sum(axis=1)[rows]
            grid = self._default_grid(scores)
            total = _weighted_exceedance(scores, weights, grid)
            n_eff = np.full(grid.size, n)
        elif risk in _LTT_ONLY:
            grid = self._default_grid(None)
            positive = y_codes == 1
            predicted = proba[:, 1][:, None] >= grid[None, :]
            if risk == "precision":
                n_eff = predicted.sum(axis=0)
                total = (predicted & ~positive[:, None]).sum(axis=0).astype(float)
            else:
                n_eff = np.full(grid.size, int(positive.sum()))
                total = (~predicted & positive[:, None]).sum(axis=0).astype(float)
        else:
            grid = self._default_grid(None)
            losses = self._user_losses(y, proba, grid)
            total = losses.sum(axis=0)
            n_eff = np.full(grid.size, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            curve = np.where(n_eff > 0, total / np.maximum(n_eff, 1), np.nan)
        self.grid_ = grid
        self.risk_curve_ = curve
        self.n_calibration_ = n
        if self.method == "crc":
            bound = float(self.loss_bound)
            self.bound_curve_ = (total + bound) / (n + 1)
            self.p_values_ = None
            index = crc_threshold_index(total, n, alpha, bound)
            valid = (
                np.array([], dtype=int)
                if index is None
                else np.arange(index, grid.size)
            )
        else:
            self.bound_curve_ = None
            self.p_values_ = self._p_values(curve, total, n_eff, alpha, binary)
            valid = self._fwer(self.p_values_)
            index = self._select(valid, grid, curve, proba, y_codes)
        self.valid_thresholds_ = grid[valid]
        self.controlled_ = index is not None
        if index is not None:
            self.threshold_ = float(grid[index])
        elif risk == "recall":
            self.threshold_ = -np.inf
        elif callable(risk):
            self.threshold_ = float(grid[-1])
        else:
            self.threshold_ = np.inf
        finite = curve[np.isfinite(curve)]
        self._best_risk = float(finite.min()) if finite.size else np.nan

    def _p_values(self, curve, total, n_eff, alpha, binary):
        if self.p_value != "hoeffding_bentkus_mapie":
            return hoeffding_bentkus_p_values(
                curve, n_eff, alpha, binary=binary, method=self.p_value
            )
        # MAPIE 1.6: precision and recall as 1 - (hits / n) in floating
        # point, and the Bentkus count ceil(n R) of that float
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.risk in _LTT_ONLY:
                curve = 1.0 - (n_eff - total) / np.maximum(n_eff, 1)
            count = np.ceil(n_eff * curve)
        return hoeffding_bentkus_p_values(
            curve, n_eff, alpha, binary=binary, count=count
        )

    def _user_losses(self, y, proba, grid):
        losses = np.empty((proba.shape[0], grid.size))
        for j, lam in enumerate(grid):
            value = np.asarray(self.risk(y, proba, float(lam)), dtype=np.float64)
            if value.shape != (proba.shape[0],):
                raise ValueError(
                    "risk (a callable loss) must return one loss per sample, "
                    f"shape ({proba.shape[0]},); got shape {value.shape} at "
                    f"lambda={lam}."
                )
            losses[:, j] = value
        bound = float(self.loss_bound)
        if not np.all(np.isfinite(losses)) or losses.min() < 0 or losses.max() > bound:
            raise ValueError(
                f"risk (a callable loss) must lie in [0, loss_bound={bound}]; got "
                f"values in [{np.nanmin(losses)}, {np.nanmax(losses)}]."
            )
        rises = np.diff(losses, axis=1) > 1e-12
        if rises.any():
            i, j = np.argwhere(rises)[0]
            raise ValueError(
                "risk (a callable loss) must be non-increasing in lambda; for "
                f"sample {i} it rises from {losses[i, j]} at lambda={grid[j]} to "
                f"{losses[i, j + 1]} at lambda={grid[j + 1]}."
            )
        return losses

    def _fwer(self, p_values):
        delta = 1.0 - float(self.confidence_level)
        if self.fwer_method == "bonferroni":
            return _bonferroni(p_values, delta)
        if self.fwer_method == "bonferroni_holm":
            return _holm(p_values, delta)
        order = np.arange(p_values.size)
        if self.risk != "recall":  # loss-type risks and precision: from the top
            order = order[::-1]
        return fixed_sequence_test(p_values, delta, order)

    def _select(self, valid, grid, curve, proba, y_codes):
        """The grid index chosen among the valid ones (None when none)."""
        if valid.size == 0:
            return None
        if self.risk not in _LTT_ONLY:
            return int(valid.min())  # the least conservative threshold
        # MAPIE's rule: best secondary metric (recall for precision and the
        # other way round), ties to the largest primary risk, then the first
        positive = y_codes == 1
        predicted = proba[:, 1][:, None] >= grid[None, valid]
        hits = (predicted & positive[:, None]).sum(axis=0)
        if self.risk == "precision":
            # a valid threshold has a precision > 0: some positive exists
            secondary = 1.0 - hits / positive.sum()
        else:
            # a valid threshold has a recall > 0: it predicts some positive
            secondary = 1.0 - hits / predicted.sum(axis=0)
        tied = np.flatnonzero(secondary == secondary.min())
        return int(valid[tied[np.argmax(curve[valid][tied])]])

    # -- predict -----------------------------------------------------------
    def _warn_uncontrolled(self):
        if self.controlled_:
            return
        name = self.risk if isinstance(self.risk, str) else "the loss"
        what = {
            "precision": "no positive is predicted",
            "recall": "every point is predicted positive",
            "miscoverage": "every set holds every label",
            "fnr": "every set holds every label",
        }.get(self.risk, f"the largest grid value {self.threshold_} is used")
        how = (
            f"at confidence {self.confidence_level}"
            if self.method == "ltt"
            else "(CRC)"
        )
        warnings.warn(
            RiskControlWarning(
                f"no threshold controls {name} at target {self.target} {how} with "
                f"{self.n_calibration_} calibration points; the best empirical "
                f"risk on the grid is {self._best_risk:.4g}. Fallback: {what}. "
                "Use more calibration data, a better model or a larger target."
            ),
            stacklevel=3,
        )

    def predict_proba(self, X):
        """The estimator's probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        """
        X = self._check_predict(X)
        return self._proba(X)

    def predict_set(self, X):
        """The controlled sets ``{k : 1 - p_k(x) <= threshold_}`` as a label mask.

        For ``risk="precision"`` or ``"recall"`` each set holds the one label
        :meth:`predict` returns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        sets : ndarray of bool, shape (n_samples, n_classes) or \
(n_samples, n_labels)
        """
        X = self._check_predict(X)
        self._warn_uncontrolled()
        proba = self._proba(X)
        if self.risk in _LTT_ONLY:
            positive = proba[:, 1] >= self.threshold_
            return np.stack([~positive, positive], axis=1)
        return 1.0 - proba <= self.threshold_

    def predict(self, X):
        """Controlled predictions.

        ``risk="precision"``/``"recall"``: ``classes_[1]`` where
        ``p_1(x) >= threshold_``, else ``classes_[0]``; multilabel ``y``: the
        controlled set as a 0/1 indicator matrix; otherwise (miscoverage, a
        callable loss on 1-d labels) the most probable class (the sets are
        given by :meth:`predict_set`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        X = self._check_predict(X)
        if self.risk in _LTT_ONLY:
            self._warn_uncontrolled()
            proba = self._proba(X)
            return self.classes_[(proba[:, 1] >= self.threshold_).astype(int)]
        if self._multilabel:
            self._warn_uncontrolled()
            return (1.0 - self._proba(X) <= self.threshold_).astype(int)
        return self.classes_[np.argmax(self._proba(X), axis=1)]

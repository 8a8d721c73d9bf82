"""
=====================================================
Upsample or upweight? Let cross-validation choose
=====================================================

Rebalancing an imbalanced data set can be done by copying rare rows
("upsample"), creating synthetic ones ("smote"), or counting them more
("upweight"), toward a class distribution :math:`p_k \\propto n_k^{1/T}`.
Which one works best, and how far to push the balance (the temperature
:math:`T`), is a hyperparameter: here :class:`~sklearn.model_selection.GridSearchCV`
picks it on a version of the breast-cancer data where malignant tumours are
rare. Rebalancing distorts the predicted probabilities; the prior correction
of :class:`~skvariance.resampling.ResampledClassifier` maps them back to the
real class prior, which the calibration curves show.
"""

# %%
# An imbalanced data set
# ----------------------
# Keep 40 of the 212 malignant cases (class 0): about 10% of the rows.
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True)
y = 1 - y  # 1 = malignant, the rare class of interest
rng = np.random.RandomState(0)
malignant = np.flatnonzero(y == 1)
keep = np.concatenate([np.flatnonzero(y == 0), rng.choice(malignant, 40, False)])
X, y = X[keep], y[keep]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print(f"malignant share: {y.mean():.3f} ({y.sum()} of {y.size})")

# %%
# Strategy x temperature, chosen by cross-validated log-loss
# ----------------------------------------------------------
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.resampling import ResampledClassifier

pipe = make_pipeline(
    StandardScaler(),
    ResampledClassifier(LogisticRegression(C=0.1), random_state=0),
)
grid = {
    "resampledclassifier__strategy": ["none", "upweight", "upsample", "smote"],
    "resampledclassifier__temperature": [1.0, 2.0, np.inf],
}
search = GridSearchCV(
    pipe,
    grid,
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    scoring="average_precision",
).fit(X_train, y_train)
results = pd.DataFrame(search.cv_results_)
table = results.pivot_table(
    index="param_resampledclassifier__strategy",
    columns="param_resampledclassifier__temperature",
    values="mean_test_score",
)
print(table.round(4))
print("best:", search.best_params_)

# %%
# ROC and precision-recall curves on held-out data
# ------------------------------------------------
import matplotlib.pyplot as plt
from sklearn.base import clone
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

models = {
    "none": clone(pipe).set_params(resampledclassifier__strategy="none"),
    "upweight, T=inf": clone(pipe),
    "upsample, T=inf": clone(pipe).set_params(resampledclassifier__strategy="upsample"),
    "smote, T=inf": clone(pipe).set_params(resampledclassifier__strategy="smote"),
}
fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(10, 4.5))
for name, model in models.items():
    model.fit(X_train, y_train)
    RocCurveDisplay.from_estimator(model, X_test, y_test, name=name, ax=ax_roc)
    PrecisionRecallDisplay.from_estimator(model, X_test, y_test, name=name, ax=ax_pr)
ax_roc.set_title("ROC (held out)")
ax_pr.set_title("Precision-recall (held out)")
fig.tight_layout()

# %%
# Calibration before and after prior correction
# ---------------------------------------------
# Trained on balanced classes, the model believes malignancy is as common as
# benign tumours, and over-predicts it. Bayes' rule for a change of prior,
# :math:`p(k|x) \propto p'(k|x)\, \pi_k / \pi'_k`, fixes that without refitting.
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import brier_score_loss, log_loss

fig, ax = plt.subplots(figsize=(5, 5))
for correct in (False, True):
    model = clone(pipe).set_params(
        resampledclassifier__strategy="upsample",
        resampledclassifier__prior_correction=correct,
    )
    model.fit(X_train, y_train)
    p = model.predict_proba(X_test)[:, 1]
    label = "corrected" if correct else "uncorrected"
    print(
        f"{label:>11}: log-loss {log_loss(y_test, p):.4f}, "
        f"Brier {brier_score_loss(y_test, p):.4f}"
    )
    CalibrationDisplay.from_predictions(
        y_test, p, n_bins=5, strategy="quantile", name=label, ax=ax
    )
ax.set_title("Upsampled to balance: calibration on held-out data")
plt.show()

"""
==============================================================
Venn-Abers against CalibratedClassifierCV: reliability curves
==============================================================

Gaussian naive Bayes on the digits data ("is the digit odd?") ranks the
images fairly well but its probabilities are nearly all 0 or 1 (its
features are far from independent): its reliability curve is far from the
diagonal. scikit-learn's
:class:`~sklearn.calibration.CalibratedClassifierCV` and our
:class:`~skvariance.calibration.VennAbersClassifier` both repair it. A
Venn-Abers predictor also returns, for each image, two probabilities
``p0 <= p1`` of which one is perfectly calibrated: their gap is wide where
the calibration data say little (few calibration images with similar
scores) and shrinks as the calibration set grows, about like
``n ** (-2/3)`` (right panel).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier

X, y = load_digits(return_X_y=True)
y = (y % 2 == 1).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)
models = {
    "GaussianNB (raw)": GaussianNB(),
    "CalibratedClassifierCV sigmoid": CalibratedClassifierCV(GaussianNB(), cv=5),
    "CalibratedClassifierCV isotonic": CalibratedClassifierCV(
        GaussianNB(), method="isotonic", cv=5
    ),
    "Venn-Abers (inductive)": VennAbersClassifier(
        GaussianNB(), calibration_size=0.3, random_state=0
    ),
}
proba = {
    name: model.fit(X_train, y_train).predict_proba(X_test)[:, 1]
    for name, model in models.items()
}
interval = models["Venn-Abers (inductive)"].predict_proba_interval(X_test)

# %%
# The width of the interval against the size of the calibration set: one
# naive Bayes model fitted once on synthetic data, calibrated on 30 to 3,000
# further rows with ``conformalize`` (no refit), widths on 2,000 test rows.
Xs, ys = make_classification(
    n_samples=9000, n_features=8, n_informative=4, random_state=1
)
model = GaussianNB().fit(Xs[:4000], ys[:4000])
sizes = np.array([30, 100, 300, 1000, 3000])
widths = []
for n_cal in sizes:
    va = VennAbersClassifier(model).conformalize(
        Xs[4000 : 4000 + n_cal], ys[4000 : 4000 + n_cal]
    )
    iv = va.predict_proba_interval(Xs[7000:])
    widths.append(np.mean(iv[:, 1] - iv[:, 0]))

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
ax = axes[0]
ax.plot([0, 1], [0, 1], color="0.6", ls=":", label="perfectly calibrated")
for name, p in proba.items():
    frac, mean_p = calibration_curve(y_test, p, n_bins=8, strategy="quantile")
    ax.plot(mean_p, frac, marker="o", label=name)
ax.set(
    xlabel="mean predicted probability (bin)",
    ylabel="fraction of odd digits (bin)",
    title="Reliability on held-out digits",
)
ax.legend(fontsize=8, loc="upper left")

ax = axes[1]
p_va = proba["Venn-Abers (inductive)"]
order = np.argsort(p_va)
ax.fill_between(
    np.arange(order.size),
    interval[order, 0],
    interval[order, 1],
    color="C3",
    alpha=0.35,
    label="(p0, p1)",
)
ax.plot(p_va[order], color="C3", label="p = p1 / (1 - p0 + p1)")
ax.set(
    xlabel="test images, by Venn-Abers probability",
    ylabel="probability of an odd digit",
    title="Venn-Abers interval per test image",
)
ax.legend(fontsize=8, loc="upper left")

ax = axes[2]
ax.loglog(sizes, widths, marker="o", color="C3", label="mean p1 - p0")
ax.loglog(
    sizes,
    widths[0] * (sizes / sizes[0]) ** (-2 / 3),
    color="0.6",
    ls=":",
    label="slope -2/3",
)
ax.set(
    xlabel="calibration rows",
    ylabel="mean width of (p0, p1)",
    title="The interval shrinks with calibration data",
)
ax.legend(fontsize=8)
plt.show()

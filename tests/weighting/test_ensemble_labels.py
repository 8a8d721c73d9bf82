"""InverseVarianceEnsembleRegressor's weights carry their members' names."""

import numpy as np
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.tree import DecisionTreeRegressor

from skvariance.weighting import InverseVarianceEnsembleRegressor


def test_weights_to_frame_labels_weights_and_cross_fitted_rmse():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=200)
    members = [
        ("tree", DecisionTreeRegressor(max_depth=3, random_state=0)),
        ("ols", LinearRegression()),
        ("ridge", Ridge(alpha=100.0)),
    ]
    ens = InverseVarianceEnsembleRegressor(members, cv=4, random_state=0).fit(X, y)
    assert ens.estimator_names_ == ["tree", "ols", "ridge"]
    assert isinstance(ens.weights_, np.ndarray)
    frame = ens.weights_to_frame()
    assert frame.index.tolist() == ens.estimator_names_
    assert frame.columns.tolist() == ["weight", "cv_rmse"]
    np.testing.assert_array_equal(frame["weight"].to_numpy(), ens.weights_)
    # cv_rmse from the out-of-fold predictions, written out
    rmse = np.sqrt(np.mean((y[:, None] - ens.oof_predictions_) ** 2, axis=0))
    np.testing.assert_allclose(frame["cv_rmse"].to_numpy(), rmse, rtol=1e-12)
    # the well-specified linear member has the smallest error
    assert frame["cv_rmse"].idxmin() == "ols"

"""Class-imbalance resampling: the SMOTE family and weight-aware meta-estimators."""

__all__: list[str] = []

"""Statistics of scores: IQM, bootstrap CIs, probability of improvement."""

__all__: list[str] = []

"""Repeated-seed ensembles: fit one estimator under many seeds and report the spread."""

__all__: list[str] = []

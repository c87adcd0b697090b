"""Scoring: instruments as data, answers -> scores and validity flags, the context score, the tier
rules, and the vectorised batch scorer. Pure functions: nothing here imports ``django.db``."""

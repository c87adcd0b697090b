"""Storing screenings: recording one child's assessment, county thresholds, re-scoring, bulk inserts."""

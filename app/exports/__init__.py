"""Exports of the review: the simplification plan (XLSX, CSV) and a JSON archive of all review data."""

"""Bulk marking: one mark applied to every element of the selected search hits that matches a pattern."""

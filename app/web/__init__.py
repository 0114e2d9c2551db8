"""Shared web plumbing: full-page-or-fragment rendering, error pages, template helpers."""

"""Shared infrastructure every feature package uses (jobs, stored files)."""

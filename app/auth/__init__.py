"""Accounts, roles, login and the access policy every route declares."""

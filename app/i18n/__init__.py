"""Interface language: choosing the locale per request and switching it."""

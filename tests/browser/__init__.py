"""Browser tests (a package, so that its conftest does not replace tests/conftest.py as the
module ``conftest`` that other test files import helpers from)."""

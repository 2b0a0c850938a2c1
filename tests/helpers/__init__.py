"""Libraries the tests share (imported as `helpers.<module>`; tests/ is on sys.path via tests/conftest.py).

Not test modules: pytest collects nothing here.
"""

"""Scripts that print figures. Run each from the repository root as a module: `python -m benchmarks.run`.

As a package beside `tests`, they share the tests' Slack stand-in and signing (`tests.support`).
"""

"""Settings for the whole suite."""

from hypothesis import settings

# Hypothesis fails an example that takes over 200 ms by default: a timing check, which on a
# shared 2-core machine fails correct code (speed is measured by benchmarks/, not by tests).
settings.register_profile("ldj", deadline=None)
settings.load_profile("ldj")

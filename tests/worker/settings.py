"""The settings of the worker processes the tests in tests/worker start: the project's own, with
the results release paced one second apart instead of ten (placements.release.batch_seconds), so
a release of a few batches runs in seconds. Nothing else differs."""

from tapif.settings import *  # noqa: F403 (the project's settings, unchanged)

RESULTS_RELEASE_BATCH_SECONDS = 1

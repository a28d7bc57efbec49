"""The benchmark's servers (bench/live_support.py): the test settings, with every live probe's round trip
logged (proposals.live.subscriptions at DEBUG), which the benchmark reads from the workers' logs."""

from cocreate.settings.test import *  # noqa: F403

LOGGING["loggers"]["proposals.live.subscriptions"] = {"level": "DEBUG"}  # noqa: F405

"""Settings for benchmark runs only: production settings with the benchmark URLconf on top.

The baseline views (a trivial "ok" and a plain DRF ModelViewSet) exist only here, never in config.urls.
"""
from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

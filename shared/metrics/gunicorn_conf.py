"""Gunicorn config module: ``gunicorn -c python:shared.metrics.gunicorn_conf <app>``.

Importing it builds the settings from the environment (see ``shared.metrics.gunicorn``) and
fails when ``PROMETHEUS_MULTIPROC_DIR`` is unusable, which stops gunicorn before it forks.
"""

from shared.metrics.gunicorn import build_config, post_fork_from_env

globals().update(build_config(post_fork=post_fork_from_env()))

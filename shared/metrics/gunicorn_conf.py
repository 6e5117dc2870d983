"""Gunicorn config module: ``gunicorn -c python:shared.metrics.gunicorn_conf <app>``.

Importing it builds the settings from the environment (see ``shared.metrics.gunicorn``) and
fails when ``PROMETHEUS_MULTIPROC_DIR`` is unusable, which stops gunicorn before it forks.

It also limits every request to ``GRIDGOV_HTTP_TIMEOUT`` seconds of CPU (default 30; see
``shared.metrics.request_limit``): gunicorn's own ``timeout`` never stops a request spinning in
a gthread worker, so a request over the limit is answered 503 problem+json and its worker is
replaced after ``graceful_timeout``.
"""

from shared.metrics.gunicorn import build_config, post_fork_from_env
from shared.metrics.request_limit import gunicorn_hooks

_config = build_config(post_fork=post_fork_from_env())
globals().update(_config)
globals().update(gunicorn_hooks(seconds=_config["timeout"], grace=_config["graceful_timeout"]))

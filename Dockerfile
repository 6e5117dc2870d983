# One image for every GridGov service and process. The command picks what runs:
#   api:     gunicorn -c python:shared.metrics.gunicorn_conf services.<name>.wsgi:app
#   worker:  python -m services.<name>.worker
#   topics:  python -m shared.kafka.admin --bootstrap <kafka>
# docker-compose.yml and charts/gridgov set the command and the GRIDGOV_* environment.
FROM python:3.11-slim

# tini reaps children and forwards SIGTERM: as PID 1 a bare Python worker would ignore it and
# be killed mid-batch after the grace period instead of committing its offsets.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# The lock pins every transitive dependency; --no-deps keeps pip from resolving anything the
# lock does not name, so the image holds exactly what CI tested.
COPY requirements/lock.txt /tmp/lock.txt
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --no-deps -r /tmp/lock.txt \
    && rm /tmp/lock.txt

# A fixed numeric uid lets Kubernetes verify runAsNonRoot without a name lookup.
RUN groupadd --system --gid 10001 gridgov \
    && useradd --system --uid 10001 --gid gridgov --home-dir /app --shell /usr/sbin/nologin gridgov

WORKDIR /app
COPY --chown=root:root shared/ shared/
COPY --chown=root:root services/ services/
# Bytecode compiled at build time: the root filesystem is read-only at run time, so Python
# could not cache it and would recompile on every start.
RUN python -m compileall -q shared services

# The API's multiprocess metrics folder (mounted as tmpfs/emptyDir at run time). The variable is
# set only on API containers: prometheus_client switches to multiprocess mode when the name is
# merely present, even empty, and the worker must stay in single-process mode.
RUN mkdir -p /run/gridgov/metrics && chown -R gridgov:gridgov /run/gridgov

USER 10001:10001

# Multiprocess metric files left by an earlier container run (a restarted container keeps its
# emptyDir or volume) would be summed into the new process's counters, so they are wiped before
# the command starts, as deploy/local does.
ENTRYPOINT ["tini", "--", "/bin/sh", "-c", "if [ -n \"${PROMETHEUS_MULTIPROC_DIR:-}\" ]; then mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && rm -rf \"$PROMETHEUS_MULTIPROC_DIR\"/*; fi; exec \"$@\"", "gridgov-entrypoint"]
# No default process: running the image bare says what to pass instead of guessing a service.
CMD ["python", "-c", "import sys; sys.exit('gridgov image: pass a command, e.g. gunicorn -c python:shared.metrics.gunicorn_conf services.<name>.wsgi:app, or python -m services.<name>.worker')"]

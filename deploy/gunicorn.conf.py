"""gunicorn configuration of the web service: ``gunicorn -c deploy/gunicorn.conf.py``.

Read by gunicorn before any worker starts. Settings of the app itself come from the environment
(``SMARTSUP_*``, /etc/smartsup/smartsup.env under systemd); these are the server's. Override any of
them on the command line (``-b``, ``-w``) or with ``GUNICORN_CMD_ARGS``.
"""

import os
import shutil
import tempfile

wsgi_app = "dashboard.wsgi:server"

# nginx in front on the same host; an app server of a scale-out binds its LAN address instead
# (-b 10.20.0.11:8050 in the unit's ExecStart)
bind = ["127.0.0.1:8050"]

# Callbacks are pandas work (CPU): about one process per core, plus one for requests waiting on
# the database. Each worker holds its own engine pool and ≈ 300–400 MB at minhang scale (docs/benchmarks.md).
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
# A second thread lets a worker answer /health and static files while one callback computes.
worker_class = "gthread"
threads = 2

# No preload: every worker imports dashboard.wsgi after the fork, so none shares a database
# connection, a Redis socket or prometheus_client's per-process files with another.
preload_app = False

# The wall's callbacks answer in well under a second; 60 s only guards against a stuck worker.
# Long downloads (XLSX exports, PDFs) stream from nginx's buffers, not from the worker.
timeout = 60
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then: bounded memory over weeks of wall refreshes.
max_requests = 5000
max_requests_jitter = 500

# nginx sets X-Forwarded-*; the app trusts them (SMARTSUP_PROXY_COUNT=1), gunicorn only from it.
forwarded_allow_ips = "127.0.0.1,::1"

# Errors to stderr (journald); the app logs each request itself when SMARTSUP_LOG_FORMAT=json,
# otherwise gunicorn writes the usual access line.
errorlog = "-"
accesslog = None if os.environ.get("SMARTSUP_LOG_FORMAT", "text") == "json" else "-"
proc_name = "smartsup-web"

# gunicorn ≥ 24 opens a control socket (for gunicornc) under $XDG_RUNTIME_DIR or $HOME/.gunicorn; the
# service user's home is the read-only /opt/smartsup, so every start logged "Permission denied". The
# service is managed by systemd (reload = HUP), not gunicornc. Older gunicorns ignore the name.
control_socket_disable = True


def on_starting(server):
    """Give prometheus_client one directory of per-process files, emptied at each start.

    /metrics, answered by any one worker, then sums every worker's counters (dashboard/metrics.py).
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="smartsup-metrics-")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


def child_exit(server, worker):
    """Let a finished worker's live gauges go (its counters stay summed in)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

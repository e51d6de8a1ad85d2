"""gunicorn settings for `web` in the Procfile and for `make run`.

Workers are processes; each runs a few threads so a slow phone on a slow network does
not hold a whole process. With Redis (`REDIS_URL`) the rate limits are shared, so there
is one worker per core, plus one; without it every process would count each visitor
alone, so one process serves with its threads (app/config.py's `web_workers` applies the
same rule when it checks production settings).
"""

import multiprocessing
import os
import tempfile

# Every worker process counts its own requests; /metrics adds them up from this folder.
# Set before prometheus_client is first imported, which reads it once.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shop-metrics-")

from gunicorn.glogging import Logger
from prometheus_client import multiprocess

# A platform (Heroku, Scalingo...) routes to $PORT on every interface; `make run`, the
# tests and Lighthouse set HOST=127.0.0.1 so nothing else on the network reaches them.
_default_host = "0.0.0.0" if os.environ.get("PORT") else "127.0.0.1"  # noqa: S104
bind = f"{os.environ.get('HOST') or _default_host}:{os.environ.get('PORT') or '8000'}"
_concurrency = os.environ.get("WEB_CONCURRENCY", "").strip()
if _concurrency:
    workers = int(_concurrency)
elif os.environ.get("REDIS_URL", "").strip():
    workers = multiprocessing.cpu_count() + 1
else:
    workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# A launch email or a speaker's post brings a thousand phones at once. Each gthread
# worker holds up to `worker_connections` open connections (idle keep-alive ones wait in
# its poller, not in a thread) and the kernel queues `backlog` more not yet accepted, so
# a burst waits its turn instead of being refused; the pages it asks for are kept pages
# (app/web/page_cache.py), answered in about a millisecond each.
worker_connections = 1000
backlog = 2048
# In production the app writes one JSON line per request itself (with its request id);
# elsewhere gunicorn's access log does. Either keeps method, path and status, never query
# strings (they may hold a token) or bodies.
_production = os.environ.get("APP_ENV", "").strip().lower() == "production"
_log_format = os.environ.get("LOG_FORMAT", "").strip() or ("json" if _production else "text")
accesslog = None if _log_format == "json" else "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus'


class AccessLine(Logger):
    """gunicorn's logger, working out only the fields of the line above.

    For every request gunicorn prepares each field any format could name: a formatted
    clock, the user from an Authorization header, and an entry per request header,
    response header and WSGI variable (about seventy); the line uses six. Under load on
    the order page's poll, the access line went from 17 % to 13.5 % of the worker's
    time with the interpreter lock (py-spy); the rest is Python's logging and the
    personal-data mask, which stay. Another format (gunicorn's --access-logformat) gets
    gunicorn's full set.
    """

    def atoms(self, resp, req, environ, request_time):
        if self.cfg.access_log_format != access_log_format:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "s": status.split(None, 1)[0] if isinstance(status, str) else status,
            "B": getattr(resp, "sent", None),
            "D": request_time.seconds * 1_000_000 + request_time.microseconds,
        }


logger_class = AccessLine
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 opens a control socket shared by every gunicorn of the user; the shop
# does not use it, and several servers (tests, Lighthouse, make run) must not collide.
control_socket_disable = True


def child_exit(server, worker):
    """A worker that ended stops counting towards the live gauges."""
    multiprocess.mark_process_dead(worker.pid)

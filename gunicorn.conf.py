"""gunicorn settings for `web` in the Procfile and for `make run`.

Workers are processes (one per core, plus one); each runs a few threads so a slow
phone on a slow network does not hold a whole process.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# The access log keeps method, path and status, never query strings (they may hold a
# token) or bodies.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 opens a control socket shared by every gunicorn of the user; the shop
# does not use it, and several servers (tests, Lighthouse, make run) must not collide.
control_socket_disable = True

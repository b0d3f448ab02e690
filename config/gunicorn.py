"""gunicorn settings for the web process: ``gunicorn -c config/gunicorn.py config.wsgi``.

Tuned on 2 cores with the bench's load run (bench/README.md, "200 learners at once"):
threaded workers (``gthread``), one process per core and one more, four threads each.
A request is mostly Python (templates, ORM) under one process's GIL, so more threads
per process add queueing, not speed; processes use the cores. Each thread keeps its
own database connection (``DATABASE_CONN_MAX_AGE``, 60 s by default, with health
checks), so PostgreSQL sees at most workers × threads connections from the web
(20 on 2 cores) and no connection is opened per request. Override with
``SHINKA_GUNICORN_WORKERS`` / ``SHINKA_GUNICORN_THREADS`` / ``SHINKA_GUNICORN_BIND``.
"""

import multiprocessing
import os

bind = os.environ.get("SHINKA_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SHINKA_GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("SHINKA_GUNICORN_THREADS", 4))
# Idle keep-alive connections wait in each worker's poller, not in a thread, so a few
# hundred browsers with open connections do not hold the threads. Longer than a person's
# pause between two clicks: with 5 s (gunicorn's default) a connection closed by the
# server while the browser sent its next POST came back as a connection error (the
# load run's first 200-user run: 16 errors, all POSTs after a pause). 75 s as nginx.
keepalive = 75
worker_connections = 1000
backlog = 2048
timeout = 60
graceful_timeout = 30
# Recycled now and then, so a slow leak in a dependency cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500

"""gunicorn settings for Heroku's router. Every value can be changed from the environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Heroku's dynos: WEB_CONCURRENCY is set from the dyno size; 2 suits a standard dyno.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread: each worker serves GUNICORN_THREADS requests at once (2 by default), so a slow
# request (a lab upload, a poll, a slow phone's upload) does not hold up the others. Two, not
# more: a worker takes as many connections as it has threads, and with 4 one worker took all the
# benchmark's connections while the other idled, halving throughput (README: Workers). sync:
# one request at a time per worker. gunicorn silently turns a sync worker with more than one
# thread into gthread, so a thread count with the sync worker is refused instead of ignored.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
if worker_class == "sync":
    if int(os.environ.get("GUNICORN_THREADS", "1")) != 1:
        raise SystemExit(
            "GUNICORN_WORKER_CLASS=sync serves one request at a time: unset GUNICORN_THREADS "
            "(or set it to 1), or choose GUNICORN_WORKER_CLASS=gthread."
        )
    threads = 1
else:
    threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# The router gives up after 30 s; stop a stuck request before it does.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "25"))
graceful_timeout = 20
# The router keeps idle connections for 90 s; stay open longer so it never reuses a closed one.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "95"))
# Only Heroku's router reaches the dyno, so its forwarded headers are trusted.
forwarded_allow_ips = "*"
proxy_allow_ips = "*"
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# No query strings in the access log: they could carry more than they should.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
errorlog = "-"
preload_app = True

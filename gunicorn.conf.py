# gunicorn settings for Brukerstemmen: `gunicorn -c gunicorn.conf.py "feedback:create_app()"`.
# The access log names no client address and no time of day (DESIGN.md rule 1): method, path
# without query string (and without the secret of a secret link), status, size and duration
# only. Requests of respondents and anonymous reporters (answering, deviation reports) are not
# logged at all, since a log collector stamps each line with the time of day;
# FEEDBACK_LOG_PUBLIC_REQUESTS=masked logs them as "POST /s/*" (see feedback/logs.py).
import os

bind = os.environ.get("FEEDBACK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FEEDBACK_WORKERS", "2"))
worker_class = "sync"
timeout = 30
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Invitation and new-password addresses are logged without their secret, public requests not
# at all (or masked).
logger_class = "feedback.gunicorn_log.AccessLog"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FEEDBACK_FORWARDED_ALLOW_IPS", "127.0.0.1")

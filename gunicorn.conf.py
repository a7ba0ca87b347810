# gunicorn settings for Brukerstemmen: `gunicorn -c gunicorn.conf.py "feedback:create_app()"`.
# The access log names no client address and no time of day (DESIGN.md rule 1): method, path
# without query string (and without the secret of a secret link), status, size and duration
# only.
import os

bind = os.environ.get("FEEDBACK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FEEDBACK_WORKERS", "2"))
worker_class = "sync"
timeout = 30
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Invitation and new-password addresses are logged without their secret.
logger_class = "feedback.gunicorn_log.AccessLog"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FEEDBACK_FORWARDED_ALLOW_IPS", "127.0.0.1")

"""gunicorn settings of the web service (deploy/lbc-web.service): `gunicorn lbc.wsgi -c gunicorn.conf.py`.

The access log records the path without its query string (``%(U)s``, never ``%(r)s`` or ``%(q)s``): a
search for a child's name in a URL must not end up in a log file. ID numbers are only ever posted.
"""

bind = "127.0.0.1:8000"
workers = 3
timeout = 60
accesslog = "-"  # to the journal
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'

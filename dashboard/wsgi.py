"""WSGI entry point for production: ``gunicorn -w 4 -b 127.0.0.1:8050 'dashboard.wsgi:server'``.

Importing this module builds the app from the environment (``SMARTSUP_*``, see
``dashboard.settings``) — that is its whole purpose; every other module does nothing at import.
Each gunicorn worker imports it once, so each worker has its own engine pool and app.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.logging_setup import configure_logging
from dashboard.settings import get_settings

try:  # gunicorn names itself in every response's Server header; say only the product
    import gunicorn.http.wsgi as _gunicorn_wsgi

    _gunicorn_wsgi.SERVER = "smartsup"
except ImportError:  # another WSGI server
    pass

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)

app = create_app(_settings)
server = app.server

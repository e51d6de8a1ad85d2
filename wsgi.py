"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi:app ...`.

Settings production refuses stop the process here with one line naming what to set,
before anything is served.
"""

import sys

from app import create_app
from app.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as refused:
    print(f"refusing to start: {refused}", file=sys.stderr)
    raise SystemExit(1) from None

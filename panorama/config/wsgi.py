"""WSGI entry point for gunicorn: ``panorama.config.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panorama.config.settings")
application = get_wsgi_application()

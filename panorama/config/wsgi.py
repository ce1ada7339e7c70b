"""WSGI entry point for gunicorn: ``panorama.config.wsgi:application``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panorama.config.settings")
application = get_wsgi_application()

# What loading made (Django, the apps, their modules) lives as long as the process. Freezing
# it keeps the cyclic garbage collector from walking all of it on every full collection,
# which a tracking request (tens of thousands of small objects from one JSON body) triggers
# often enough to double its time.
gc.freeze()

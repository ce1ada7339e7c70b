"""The ``panorama`` console script: Django's management commands plus Panorama's own."""

import os
import sys


def main() -> None:
    """Run a management command, as ``manage.py`` would, with Panorama's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panorama.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "panorama", *sys.argv[1:]])


if __name__ == "__main__":
    main()

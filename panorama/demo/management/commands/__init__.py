"""The ``panorama demo`` command."""

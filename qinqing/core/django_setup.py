"""Start Django from a command-line handler.

Every app's ``cli.py`` registers its sub-commands with ``qinqing.cli.main`` and calls
:func:`setup_django` in a handler that needs the database, so that commands without one
(``plan parse``, ``calendar add``) start without importing Django. It lives in core so that
the apps do not import the command-line layer that sits above them.
"""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django for handlers that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinqing.settings")
    import django

    django.setup()

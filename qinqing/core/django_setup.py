"""Start Django from a command-line handler, and know whether this process is the command.

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


# True when this process is the ``qinqing`` command itself (``qinqing.cli.main.entry``), not
# main() called in-process by tests or other programs: a handler may then make process-wide
# choices, such as ``qinqing policies evaluate`` telling pyarrow not to load pandas.
_standalone = False


def mark_standalone() -> None:
    """Called once by the ``qinqing`` entry point, before any handler runs."""
    global _standalone
    _standalone = True


def is_standalone() -> bool:
    return _standalone

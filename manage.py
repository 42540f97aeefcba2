#!/usr/bin/env python
"""Django's command-line utility for Housecall."""

import os
import sys


def main() -> None:
    """Run administrative tasks."""
    if sys.version_info < (3, 12):  # noqa: UP036 - a clear message on an old interpreter
        sys.exit("Housecall needs Python 3.12 or later (Django 6); this is " + sys.version)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

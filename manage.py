#!/usr/bin/env python
"""Django's command-line utility for Fangxin."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.keys import run_keyless_if_allowed

    run_keyless_if_allowed(sys.argv)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now, to report their error
    except ImproperlyConfigured as exc:
        # Django would swallow this and fail later with "Models aren't loaded yet".
        sys.exit(f"Fangxin cannot start: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

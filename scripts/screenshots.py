#!/usr/bin/env python
"""Take the README screenshots (docs/screenshots/*.png, desktop and phone) in Debian's Chromium.

Builds a small scenario in a test database, serves it with pytest-django's live server and drives
Playwright through the main pages: English ones (the README's) and Chinese ones (*-zh*.png).
Usage: .venv/bin/python scripts/screenshots.py [--language en|zh-hans|both]
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="both", choices=["en", "zh-hans", "both"])
    args = parser.parse_args()
    for language in ("en", "zh-hans") if args.language == "both" else (args.language,):
        env = {**os.environ, "SCREENSHOTS": "1", "SCREENSHOT_LANGUAGE": language}
        command = [sys.executable, "-m", "pytest", "tests/e2e/test_screenshots.py", "-q", "-p", "no:logging"]
        status = subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603 (our own interpreter and test file)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())

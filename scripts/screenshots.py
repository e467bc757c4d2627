#!/usr/bin/env python
"""Take the README screenshots (docs/screenshots/*.png, desktop and phone) in Debian's Chromium.

Builds a small scenario in a test database, serves it with pytest-django's live server and drives
Playwright through the main pages. Usage: .venv/bin/python scripts/screenshots.py [--language zh-hans]
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en", choices=["en", "zh-hans"])
    args = parser.parse_args()
    env = {**os.environ, "SCREENSHOTS": "1", "SCREENSHOT_LANGUAGE": args.language}
    command = [sys.executable, "-m", "pytest", "tests/e2e/test_screenshots.py", "-q", "-p", "no:logging"]
    return subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603 (our own interpreter and test file)


if __name__ == "__main__":
    sys.exit(main())

"""Progress bars for long management commands: a bar redrawn in place on a terminal, quiet in logs.

Services that run long take an optional ``progress(label, done, total)`` callable and call it as
they go (``total`` may be None when unknown); a command passes a ``ProgressBar`` (or None when
asked for ``--no-progress``). On a terminal the bar is redrawn on one line and left complete; when
the output is not a terminal (cron, CI, a pipe) nothing is drawn, and each finished stage leaves
one plain line with its figures instead.
"""
import time
from collections.abc import Callable

from django.core.management.base import OutputWrapper

Progress = Callable[[str, int, int | None], None]

CLEAR_LINE = "\r\033[K"


class ProgressBar:
    width = 30
    min_interval = 0.1  # seconds between redraws: a sweep may report thousands of steps a second

    def __init__(self, stream, *, tty: bool | None = None, label_width: int = 12, indent: str = ""):
        """``stream``: a command's ``self.stdout`` (an OutputWrapper) or any object with write/flush."""
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.label_width, self.indent = label_width, indent
        self._drawn: tuple | None = None  # the unfinished bar on screen, to redraw after a message
        self._last_draw = 0.0

    def __call__(self, label: str, done: int, total: int | None, *, note: str = "") -> None:
        total = total or 0
        self._draw(label, done, total, note, finished=done >= total)

    def finish(self, label: str, done: int, total: int | None = None, *, note: str = "") -> None:
        """The stage is over, even if fewer than ``total`` were done (rows deleted meanwhile): a full bar
        with the real figures, or one plain line."""
        self._draw(label, done, total if total is not None else done, note, finished=True, full=True)

    def _draw(self, label, done, total, note, *, finished: bool, full: bool = False) -> None:
        if not self.tty:
            if finished:
                self._write(self._plain(label, done, total, note))
            return
        now = time.monotonic()
        if not finished and self._drawn and self._drawn[0] == label and now - self._last_draw < self.min_interval:
            self._drawn = (label, done, total, note)
            return
        self._write(CLEAR_LINE + self._bar(label, done, total, note, full=full), ending="\n" if finished else "")
        self._drawn = None if finished else (label, done, total, note)
        self._last_draw = now

    def write(self, text: str) -> None:
        """A line of other output while a bar may be on screen: printed above the bar, which is redrawn."""
        if self.tty and self._drawn:
            self._write(CLEAR_LINE + text)
            label, done, total, note = self._drawn
            self._write(self._bar(label, done, total, note), ending="")
        else:
            self._write(text)

    def above(self):
        """A stream for code that writes lines (``.write(text)``) while the bar runs: they go above it."""
        return _Above(self)

    def _bar(self, label, done, total, note, *, full: bool = False) -> str:
        filled = self.width if full or total <= 0 else min(self.width, self.width * done // total)
        line = (f"{self.indent}{label:<{self.label_width}} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{done:>9,}/{total:,}")
        return f"{line}  {note}" if note else line

    def _plain(self, label, done, total, note) -> str:
        line = f"{self.indent}{label:<{self.label_width}} {done:,}/{total:,}"
        return f"{line}  {note}" if note else line

    def _write(self, text: str, *, ending: str = "\n") -> None:
        if _takes_ending(self.stream):
            self.stream.write(text, ending=ending)
        else:
            self.stream.write(text + ending)
        if hasattr(self.stream, "flush"):
            self.stream.flush()


class _Above:
    def __init__(self, bar: ProgressBar):
        self.bar = bar

    def write(self, text: str = "", style_func=None, ending=None) -> None:
        self.bar.write(text.rstrip("\n"))

    def flush(self) -> None:
        pass


def _takes_ending(stream) -> bool:
    return isinstance(stream, OutputWrapper)


def add_progress_argument(parser) -> None:
    parser.add_argument("--no-progress", action="store_true",
                        help="No progress bar (it is only drawn when the output is a terminal anyway).")


def progress_for(command, options, **kwargs) -> ProgressBar | None:
    """The bar a command draws on its stdout, or None with ``--no-progress``."""
    if options.get("no_progress"):
        return None
    return ProgressBar(command.stdout, **kwargs)


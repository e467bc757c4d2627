"""An SMS provider for integration tests: appends each accepted message to a file other processes can read.

It behaves like a gateway with some latency. With ``IT_SMS_STALL_AT=n`` it hangs on
the n-th message *before* accepting it (writing ``IT_SMS_STALL_MARKER`` first), so
a test can kill the worker at a known point of a batch.
"""
import fcntl
import json
import os
import time
from pathlib import Path

from core.sms import BaseSmsBackend

LATENCY_SECONDS = 0.01
STALL_SECONDS = 120  # bounded: the test kills the worker long before


class FileSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str) -> str:
        path = Path(os.environ["IT_SMS_FILE"])
        time.sleep(LATENCY_SECONDS)
        stall_at = int(os.environ.get("IT_SMS_STALL_AT") or 0)
        if stall_at and self._count(path) + 1 == stall_at:
            Path(os.environ["IT_SMS_STALL_MARKER"]).write_text(str(os.getpid()))
            time.sleep(STALL_SECONDS)
        with path.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write(json.dumps({"to": to, "body": body, "pid": os.getpid()}, ensure_ascii=False) + "\n")
            out.flush()
            fcntl.flock(out, fcntl.LOCK_UN)
        return f"file-{os.getpid()}-{time.monotonic_ns()}"

    @staticmethod
    def _count(path: Path) -> int:
        return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def read_sms(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def read_email_references(folder: Path) -> list[str]:
    """The X-Fangxin-Reference header of every e-mail the file backend wrote."""
    refs = []
    for file in sorted(folder.glob("*")):
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("X-Fangxin-Reference:"):
                refs.append(line.split(":", 1)[1].strip())
    return refs

"""Settings of the integration tests' worker and command subprocesses: the project's own, plus test knobs.

Only configuration changes here (set by the test through the environment): where
e-mails are written, how soon Redis redelivers an unacknowledged message, how long
a claim lasts. The tasks and services are the real ones.
"""
import os

from config.settings import *  # noqa: F403

if os.environ.get("IT_MAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["IT_MAIL_DIR"]
if os.environ.get("IT_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["IT_VISIBILITY_TIMEOUT"])}
FANGXIN_CREDIT = {
    name: int(os.environ[f"IT_{name}"])
    for name in ("REMINDER_CLAIM_LEASE_SECONDS", "REMINDER_REQUEUE_SECONDS", "REMINDER_TASK_CHUNK")
    if os.environ.get(f"IT_{name}")
}

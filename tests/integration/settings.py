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
    # Redis gives a dead worker's unacknowledged messages to another after this many seconds; kombu looks
    # for such messages every unacked_restore_interval × unacked_restore_throttle seconds (100 by default).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["IT_VISIBILITY_TIMEOUT"]),
                                       "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
FANGXIN_CREDIT = {
    name: int(os.environ[f"IT_{name}"])
    for name in ("REMINDER_CLAIM_LEASE_SECONDS", "REMINDER_REQUEUE_SECONDS", "REMINDER_TASK_CHUNK")
    if os.environ.get(f"IT_{name}")
}
# The site under gunicorn runs with DEBUG off but without collectstatic: plain static files.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
FANGXIN = {**FANGXIN,  # noqa: F405
           **{name: int(os.environ[f"IT_{name}"]) for name in ("EMAIL_REQUEUE_SECONDS", "EMAIL_CLAIM_LEASE_SECONDS")
              if os.environ.get(f"IT_{name}")}}
# The test process makes its users with the fast MD5 hasher (tests' conftest): let the site check those too.
from django.conf import global_settings  # noqa: E402

PASSWORD_HASHERS = [*globals().get("PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS),
                    "django.contrib.auth.hashers.MD5PasswordHasher"]

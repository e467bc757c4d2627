"""System checks: refuse to start when the encryption keys cannot read stored data."""
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection


@checks.register(checks.Tags.security, deploy=False)
def encryption_canary_check(app_configs=None, **kwargs):
    from config.keys import running_keyless
    from core.fields import UndecryptableValue
    from core.models import CANARY_PLAINTEXT, EncryptionCanary

    if running_keyless():
        return []  # throwaway keys, for a command that never touches protected data
    try:
        if EncryptionCanary._meta.db_table not in connection.introspection.table_names():
            return []  # not migrated yet: nothing stored that could be unreadable
        canary = EncryptionCanary.objects.order_by("pk").first()
    except UndecryptableValue:
        canary = None
        readable = False
    except DatabaseError:
        return []
    else:
        readable = canary is None or canary.value == CANARY_PLAINTEXT
    if readable:
        return []
    return [
        checks.Critical(
            "FIELD_ENCRYPTION_KEYS cannot decrypt the stored encryption canary.",
            hint="The keys do not match the data in this database. Put the key the data was "
            "written with back into FIELD_ENCRYPTION_KEYS (newest first); never start with a wrong key.",
            id="fangxin.E001",
        )
    ]


def run_startup_checks():
    """Run the checks that must hold before serving (wsgi, celery worker)."""
    errors = [e for e in encryption_canary_check() if e.is_serious()]
    if errors:
        raise ImproperlyConfigured(errors[0].msg + " " + (errors[0].hint or ""))

"""Celery tasks of credit: thin and idempotent; they call services. Beat entries are registered in apps.ready."""
from celery import shared_task
from celery.schedules import crontab

OVERDUE_TASK = "credit.tasks.installments_mark_overdue_task"
STATEMENTS_TASK = "credit.tasks.statements_generate_task"
SIGHTING_TASK = "credit.tasks.device_sighting_record_task"


@shared_task(name=OVERDUE_TASK)
def installments_mark_overdue_task() -> dict:
    from credit.services.overdue import installments_mark_overdue

    return installments_mark_overdue().__dict__


@shared_task(name=STATEMENTS_TASK)
def statements_generate_task() -> int:
    from credit.services.statements import statements_generate

    return statements_generate()


@shared_task(name=SIGHTING_TASK, ignore_result=True)
def device_sighting_record_task(user_id: int, device_hash: str, ip: str | None, ip_public: bool, seen_at: str) -> None:
    """The risk middleware saw a signed-in user on a device (idempotent: last_seen only moves forward).

    ``ip`` comes encrypted (with the field keys: the broker keeps task arguments in clear); a plain address, queued
    before addresses were encrypted, is taken as it is. An account deactivated (deleted) since the request is not
    recorded again.
    """
    from django.contrib.auth import get_user_model
    from django.utils.dateparse import parse_datetime

    from core.fields import decrypt
    from credit.risk import identity
    from credit.risk.scoring import sighting_record

    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        return
    if ip and identity.ip_info(ip)[0] is None:
        ip = decrypt(ip)
    sighting_record(user_id=user_id, device_hash=device_hash, ip=ip, ip_public=ip_public,
                    now=parse_datetime(seen_at))


def beat_schedule() -> dict:
    # CELERY_TIMEZONE is Asia/Shanghai, so these are Beijing times.
    return {
        "credit-overdue-daily": {"task": OVERDUE_TASK, "schedule": crontab(hour=0, minute=10)},
        "credit-statements-monthly": {"task": STATEMENTS_TASK, "schedule": crontab(hour=1, minute=0, day_of_month=1)},
    }


def register_beat_schedule() -> None:
    from config.celery import app

    schedule = dict(app.conf.beat_schedule or {})
    schedule.update(beat_schedule())
    app.conf.beat_schedule = schedule

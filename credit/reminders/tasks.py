"""Celery tasks of reminders: the beat sweep and the send task (thin, idempotent, ids only)."""
from celery import shared_task
from celery.schedules import crontab

from credit.reminders import conf
from credit.reminders.timing import retry_delay

SWEEP_TASK = "credit.reminders.tasks.reminders_sweep_task"
SEND_TASK = "credit.reminders.tasks.reminder_deliveries_send_task"


@shared_task(name=SWEEP_TASK, acks_late=True, reject_on_worker_lost=True)
def reminders_sweep_task() -> dict:
    from credit.reminders.sweep import reminders_sweep

    result = reminders_sweep()
    return {"day": str(result.day), "created": result.created, "queued": result.queued, "held": result.held,
            "requeued": result.requeued}


@shared_task(bind=True, name=SEND_TASK, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def reminder_deliveries_send_task(self, delivery_ids: list[int]) -> dict:
    """Send these deliveries; provider failures with attempts left are retried with exponential backoff.

    Termination does not depend on Celery's retry count: each delivery records its
    attempts and is failed for good at REMINDER_MAX_ATTEMPTS.
    """
    from credit.reminders.delivery import deliveries_send

    outcome = deliveries_send(ids=list(delivery_ids))
    if outcome.retry:
        countdown = retry_delay(self.request.retries + 1, base=int(conf.get("REMINDER_RETRY_BASE_SECONDS")),
                                cap=int(conf.get("REMINDER_RETRY_MAX_SECONDS")))
        raise self.retry(args=[outcome.retry], countdown=countdown)
    return {name: len(getattr(outcome, name)) for name in ("sent", "failed", "skipped", "held", "not_claimed")}


def beat_schedule() -> dict:
    every = int(conf.get("REMINDER_SWEEP_MINUTES"))
    # Asia/Shanghai (CELERY_TIMEZONE); a short-lived task, so no expiry games with the visibility timeout.
    return {"credit-reminders-sweep": {"task": SWEEP_TASK, "schedule": crontab(minute=f"*/{every}"),
                                       "options": {"expires": every * 60}}}


def register_beat_schedule() -> None:
    from config.celery import app

    schedule = dict(app.conf.beat_schedule or {})
    schedule.update(beat_schedule())
    app.conf.beat_schedule = schedule

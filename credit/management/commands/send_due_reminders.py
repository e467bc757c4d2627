"""Run the repayment reminder sweep by hand, optionally as of another time to catch up a missed window."""
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.progress import add_progress_argument, progress_for
from credit.models.reminders import ReminderPolicy
from credit.reminders import conf
from credit.reminders.sweep import reminders_sweep


def parse_as_of(value: str) -> datetime:
    """ISO date-time; naive means Beijing time. A bare date means that day at the end of quiet hours."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: not an ISO date or date-time: {value!r} (e.g. 2026-02-07T09:00)") from None
    if len(value.strip()) == 10:  # YYYY-MM-DD
        parsed = datetime.combine(parsed.date(), ReminderPolicy.current().quiet_end)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=conf.time_zone())
    return parsed


class Command(BaseCommand):
    help = ("Record the repayment reminders due now (or as of --as-of) with their in-site messages and queue "
            "their e-mails and SMS; safe to run any number of times, also while beat runs it.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="ISO date-time to run as of (Asia/Shanghai if naive; "
                                                         "a bare date means that day at the end of quiet hours).")
        parser.add_argument("--chunk-size", type=int, default=None, help="Instalments per transaction.")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        local = as_of.astimezone(conf.time_zone())
        self.stdout.write(f"Reminder sweep as of {local:%Y-%m-%d %H:%M} (Asia/Shanghai)")
        progress = progress_for(self, options)
        result = reminders_sweep(as_of=as_of, progress=progress, chunk=options["chunk_size"])
        if result.day is None:
            self.stdout.write("Nothing due yet: that moment is before the end of quiet hours (or reminders are "
                              "switched off in the policy).")
        self.stdout.write(self.style.SUCCESS(
            f"{result.reminders} reminders recorded with their in-site messages; {result.queued} e-mails/SMS "
            f"queued, {result.held} held for quiet hours, {result.requeued} waiting ones queued again."))

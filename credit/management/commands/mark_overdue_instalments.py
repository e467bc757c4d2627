"""Run the daily overdue sweep by hand (beat runs it at 00:10): overdue, late reports, penalties, freezes."""
from django.core.management.base import BaseCommand

from core.management.options import parse_day
from core.progress import add_progress_argument, progress_for
from credit.services.overdue import installments_mark_overdue


class Command(BaseCommand):
    help = ("Mark unpaid instalments overdue, move delinquency buckets, report late ones, accrue penalties, "
            "freeze and unfreeze credit lines, as of --today; safe to run again the same day.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="ISO date to run as of (default: today in Beijing).")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        result = installments_mark_overdue(today=parse_day(options["today"]),
                                           progress=progress_for(self, options, label_width=14))
        self.stdout.write(self.style.SUCCESS(
            f"{result.newly_overdue} newly overdue, {result.reported_late} reported late, {result.penalised} "
            f"penalised, {result.frozen} lines frozen, {result.unfrozen} unfrozen."))

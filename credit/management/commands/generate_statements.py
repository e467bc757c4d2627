"""Build last month's credit statements by hand (beat runs it on the 1st at 01:00)."""
from django.core.management.base import BaseCommand

from core.management.options import parse_day
from core.progress import add_progress_argument, progress_for
from credit.services.statements import statements_generate


class Command(BaseCommand):
    help = ("Build the statement of the month before --today for every credit line open then that has none "
            "yet; safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="ISO date to run as of (default: today in Beijing).")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        made = statements_generate(today=parse_day(options["today"]), progress=progress_for(self, options))
        self.stdout.write(self.style.SUCCESS(f"{made} statements built."))

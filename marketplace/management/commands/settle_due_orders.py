"""Settle the completed orders nothing holds in escrow, by hand (beat runs it every 10 minutes)."""
from django.core.management.base import BaseCommand

from core.management.options import parse_moment
from core.progress import add_progress_argument, progress_for
from marketplace.services.settlement import orders_settle_due


class Command(BaseCommand):
    help = ("Settle every completed order that no hold (open after-sales case, cash-out review) keeps in "
            "escrow, up to --limit; safe to run any time, also while beat runs the same sweep.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO date-time to run as of (the site's time zone if naive).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many orders (default 500).")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        settled = orders_settle_due(now=parse_moment(options["now"]), limit=max(1, options["limit"]),
                                    progress=progress_for(self, options))
        self.stdout.write(self.style.SUCCESS(f"{settled} orders settled."))

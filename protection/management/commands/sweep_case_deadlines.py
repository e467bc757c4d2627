"""Run the after-sales deadline sweeps by hand (beat runs them every 5 minutes), with a progress bar."""
from django.core.management.base import BaseCommand

from core.management.options import parse_moment
from core.progress import add_progress_argument, progress_for
from protection.services.deadlines import SWEEPS, sweep


class Command(BaseCommand):
    help = ("Apply the automatic outcome to every after-sales case whose deadline has passed (merchant silence "
            "approves, an unshipped return closes, an unconfirmed return is refunded...); safe to run any time, "
            "also while beat runs the same sweeps.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO date-time to run as of (the site's time zone if naive).")
        parser.add_argument("--only", action="append", choices=sorted(SWEEPS),
                            help="Run only this sweep (repeatable).")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        now = parse_moment(options["now"])
        names = options["only"] or list(SWEEPS)
        progress = progress_for(self, options, label_width=22)
        done = {name: sweep(name, now=now, progress=progress) for name in names}
        self.stdout.write(self.style.SUCCESS(
            f"{sum(done.values())} cases moved on: " + ", ".join(f"{name} {n}" for name, n in done.items())))

"""manage.py demo_data: create the demo logins and each app's demo data (safe to run again)."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import demo
from core.progress import add_progress_argument, progress_for


class Command(BaseCommand):
    help = (
        "Create demo data: a staff superuser, then the demo data of marketplace, protection and "
        "credit (each app's <app>/demo.py). Running it again changes nothing. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo logins have published passwords: never on a real site.",
        )
        add_progress_argument(parser)

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "demo_data creates logins with published passwords; it runs only with DEBUG=1 "
                "(or --allow-production on a throw-away installation)."
            )
        started = time.monotonic()
        bar = progress_for(self, options, label_width=24, indent="  ")
        out = bar.above() if bar else self.stdout  # the apps' lines go above the bar

        steps = {"total": 0}

        def progress(number, total, name):
            out.write(self.style.MIGRATE_HEADING(f"  [{number}/{total}] {name}"))
            steps["total"] = total
            if bar:
                bar(name, number - 1, total)

        self.stdout.write(self.style.MIGRATE_HEADING("Demo data:"))
        report = demo.seed_all(stdout=out, progress=progress)
        if bar and bar.tty:  # in a log the step lines above say it all
            bar.finish("demo data", steps["total"])
        if report.skipped_apps:
            self.stdout.write(f"  (no demo data yet in: {', '.join(report.skipped_apps)})")
        self.stdout.write(self.style.SUCCESS(f"  Demo data ready in {time.monotonic() - started:.1f} s."))

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins:"))
        width = max(len(role) for role, _, _ in report.logins)
        uwidth = max(len(username) for _, username, _ in report.logins)
        for role, username, password in report.logins:
            self.stdout.write(f"  {role:<{width}}  {username:<{uwidth}}  {password}")

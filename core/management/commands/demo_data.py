"""manage.py demo_data: create the demo logins and each app's demo data (safe to run again)."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import demo


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

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "demo_data creates logins with published passwords; it runs only with DEBUG=1 "
                "(or --allow-production on a throw-away installation)."
            )
        started = time.monotonic()

        def progress(number, total, name):
            self.stdout.write(self.style.MIGRATE_HEADING(f"  [{number}/{total}] {name}"))

        self.stdout.write(self.style.MIGRATE_HEADING("Demo data:"))
        report = demo.seed_all(stdout=self.stdout, progress=progress)
        if report.skipped_apps:
            self.stdout.write(f"  (no demo data yet in: {', '.join(report.skipped_apps)})")
        self.stdout.write(self.style.SUCCESS(f"  Demo data ready in {time.monotonic() - started:.1f} s."))

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins:"))
        width = max(len(role) for role, _, _ in report.logins)
        uwidth = max(len(username) for _, username, _ in report.logins)
        for role, username, password in report.logins:
            self.stdout.write(f"  {role:<{width}}  {username:<{uwidth}}  {password}")

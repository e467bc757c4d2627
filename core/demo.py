"""Demo data registry: a staff login, then each app's own ``<app>.demo.seed()``, in order.

An app takes part by adding a module ``<app>/demo.py`` with::

    def seed(*, stdout) -> list[tuple[str, str, str]]:
        '''Create the app's demo data unless it is already there; return its logins.'''

Contract for ``seed``:
- idempotent: check for its data first (e.g. "does the demo shop exist?") and create
  nothing on a second run, saying so on ``stdout``; it runs inside one transaction,
  so a failure leaves nothing half-made;
- it creates data through the app's services, the way users do;
- it returns ``(role, username, password)`` for every demo login it offers, the same
  list whether it created them now or found them;
- it may use what earlier apps seeded (order: marketplace, protection, credit).

Reference data (categories, instalment products, permission groups...) is not demo
data: it comes with the migrations.
"""
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_APPS = ("marketplace", "protection", "credit")

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "fangxin-admin"
ADMIN_PHONE = "+8613800000000"
ADMIN_EMAIL = "admin@fangxin.example"

Login = tuple[str, str, str]  # (role, username, password)


@dataclass
class Step:
    name: str
    run: Callable  # run(stdout=...) -> list[Login]


@dataclass
class SeedReport:
    logins: list[Login] = field(default_factory=list)
    skipped_apps: list[str] = field(default_factory=list)


def admin_seed(*, stdout) -> list[Login]:
    """The staff superuser every demo has; created once."""
    User = get_user_model()
    if User.objects.filter(username=ADMIN_USERNAME).exists():
        stdout.write(f"    superuser '{ADMIN_USERNAME}' already exists: nothing to do")
    else:
        from marketplace.models import phone_index

        # The demo phone may have been taken by someone who registered with it.
        phone = "" if User.objects.filter(phone_index=phone_index(ADMIN_PHONE)).exists() else ADMIN_PHONE
        User.objects.create_superuser(
            username=ADMIN_USERNAME, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, phone=phone
        )
        stdout.write(f"    created superuser '{ADMIN_USERNAME}'" + ("" if phone else " (without a phone: taken)"))
    return [("staff (superuser)", ADMIN_USERNAME, ADMIN_PASSWORD)]


def app_demo_module(app: str):
    """``<app>.demo`` if the app has one, else None (an error inside it is not hidden)."""
    if importlib.util.find_spec(f"{app}.demo") is None:
        return None
    return importlib.import_module(f"{app}.demo")


def steps() -> tuple[list[Step], list[str]]:
    """The steps to run, and the apps that have no demo data yet."""
    found = [Step("core: staff superuser", admin_seed)]
    missing = []
    for app in DEMO_APPS:
        module = app_demo_module(app)
        if module is None:
            missing.append(app)
        else:
            found.append(Step(f"{app}: demo data", module.seed))
    return found, missing


def seed_all(*, stdout, progress: Callable[[int, int, str], None] | None = None) -> SeedReport:
    """Run every step in order, each in its own transaction; return the logins to show."""
    todo, missing = steps()
    report = SeedReport(skipped_apps=missing)
    for number, step in enumerate(todo, start=1):
        if progress:
            progress(number, len(todo), step.name)
        with transaction.atomic():
            logins = step.run(stdout=stdout) or []
        report.logins.extend(tuple(login) for login in logins)
    return report

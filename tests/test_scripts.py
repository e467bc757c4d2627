"""The newcomer's path: demo_data is safe to run twice, its logins work, and the scripts parse."""
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from core import demo
from marketplace.services.accounts import user_register

ROOT = Path(__file__).resolve().parent.parent


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _run_demo_data(out=None) -> str:
    out = out or io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.mark.django_db
def test_demo_data_twice_changes_nothing_the_second_time(debug_on):
    # given a first run
    first = _run_demo_data()
    counts = _row_counts()
    # when it runs again, on a terminal
    second = _run_demo_data(Terminal())
    # then no table gained or lost a row, and it said so
    assert _row_counts() == counts
    assert "created superuser 'admin'" in first
    assert "superuser 'admin' already exists: nothing to do" in second
    assert re.search(r"\badmin\s+fangxin-admin\b", second)
    # a bar below the lines on the terminal; none in the log of the first run
    assert "demo data                [##############################]         4/4\n" in second
    assert "\x1b[K    marketplace demo data already there: nothing to do\n" in second
    assert "[#" not in first and "\r" not in first


@pytest.mark.django_db
def test_every_demo_login_it_prints_can_log_in(debug_on):
    report = demo.seed_all(stdout=io.StringIO())
    User = get_user_model()
    assert report.logins, "demo data offers no login"
    assert len({username for _, username, _ in report.logins}) == len(report.logins)
    for role, username, password in report.logins:
        assert User.objects.get(username=username).check_password(password), (role, username)


@pytest.mark.django_db
def test_the_admin_is_a_staff_superuser_found_by_phone(debug_on):
    _run_demo_data()
    admin = get_user_model().objects.get_by_phone(demo.ADMIN_PHONE)
    assert (admin.username, admin.is_staff, admin.is_superuser) == ("admin", True, True)


@pytest.mark.django_db
def test_admin_is_created_without_a_phone_when_someone_registered_it(debug_on):
    user_register(username="early-bird", password="correct-horse-9", phone=demo.ADMIN_PHONE)
    out = _run_demo_data()
    admin = get_user_model().objects.get(username="admin")
    assert admin.phone == ""
    assert "(without a phone: taken)" in out


@pytest.mark.django_db
def test_demo_data_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        _run_demo_data()
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.parametrize("script", ["scripts/run", "scripts/test", "scripts/lint", ".ci/run"])
def test_script_is_valid_bash(script):
    path = ROOT / script
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    if script.startswith("scripts/"):
        assert path.stat().st_mode & 0o111, f"{script} is not executable"

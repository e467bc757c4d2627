"""Secrets: development keys, missing keys in production, wrong keys against stored data."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.keys import load_keys, parse_fernet_keys

ROOT = Path(__file__).resolve().parents[2]


def test_debug_generates_dev_keys_once(tmp_path):
    key_file = tmp_path / "dev-keys.env"
    first = load_keys({}, debug=True, dev_key_file=key_file)
    second = load_keys({}, debug=True, dev_key_file=key_file)
    assert first == second
    assert len(first["BLIND_INDEX_KEY"]) >= 32
    Fernet(first["FIELD_ENCRYPTION_KEYS"])  # a valid key
    assert oct(key_file.stat().st_mode)[-3:] == "600"


def test_environment_wins_over_dev_file(tmp_path):
    key_file = tmp_path / "dev-keys.env"
    load_keys({}, debug=True, dev_key_file=key_file)
    keys = load_keys({"SECRET_KEY": "from-env"}, debug=True, dev_key_file=key_file)
    assert keys["SECRET_KEY"] == "from-env"


def test_missing_keys_without_debug_stop_startup(tmp_path):
    with pytest.raises(ImproperlyConfigured) as exc:
        load_keys({"SECRET_KEY": "x" * 50}, debug=False, dev_key_file=tmp_path / "k.env")
    assert "FIELD_ENCRYPTION_KEYS" in str(exc.value)
    assert "BLIND_INDEX_KEY" in str(exc.value)
    assert not (tmp_path / "k.env").exists()


def test_fernet_keys_are_parsed_into_a_list_newest_first():
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert parse_fernet_keys(f" {new} , {old} ") == [new, old]


def test_invalid_fernet_key_names_its_position():
    good = Fernet.generate_key().decode()
    with pytest.raises(ImproperlyConfigured, match="key #2"):
        parse_fernet_keys(f"{good},not-a-key")


def _manage(args, env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "FANGXIN_VAR_DIR": str(tmp_path)})
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_process_without_keys_and_debug_off_refuses_to_start(tmp_path):
    result = _manage(["check"], {"DEBUG": "0", "SECRET_KEY": "", "FIELD_ENCRYPTION_KEYS": "",
                                 "BLIND_INDEX_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "Missing required secret(s): SECRET_KEY, FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY" in result.stderr


def test_wrong_key_fails_the_system_check(tmp_path):
    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    migrated = _manage(["migrate", "core"], {"FIELD_ENCRYPTION_KEYS": right}, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert _manage(["check"], {"FIELD_ENCRYPTION_KEYS": right}, tmp_path).returncode == 0
    # Rotation: a new key first, the old one still listed, reads the old data.
    assert _manage(["check"], {"FIELD_ENCRYPTION_KEYS": f"{wrong},{right}"}, tmp_path).returncode == 0
    result = _manage(["check"], {"FIELD_ENCRYPTION_KEYS": wrong}, tmp_path)
    assert result.returncode != 0
    assert "fangxin.E001" in result.stderr
    assert "cannot decrypt the stored encryption canary" in result.stderr


def _run(command, env_overrides, tmp_path, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "FANGXIN_VAR_DIR": str(tmp_path)})
    env.update(env_overrides)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_a_wrong_key_stops_the_web_process_and_the_worker(tmp_path):
    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert _manage(["migrate", "core"], {"FIELD_ENCRYPTION_KEYS": right}, tmp_path).returncode == 0
    load_wsgi = [sys.executable, "-c", "import config.wsgi"]

    assert _run(load_wsgi, {"FIELD_ENCRYPTION_KEYS": right}, tmp_path).returncode == 0
    web = _run(load_wsgi, {"FIELD_ENCRYPTION_KEYS": wrong}, tmp_path)
    assert web.returncode != 0 and "cannot decrypt the stored encryption canary" in web.stderr

    # Refused before it takes a task (it would time out here if it started consuming).
    worker = _run([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"],
                  {"FIELD_ENCRYPTION_KEYS": wrong}, tmp_path)
    assert worker.returncode != 0
    assert "Refusing to start the worker" in worker.stderr + worker.stdout


NO_KEYS = {"DEBUG": "0", "SECRET_KEY": "", "FIELD_ENCRYPTION_KEYS": "", "BLIND_INDEX_KEY": ""}


def test_missing_keys_are_reported_as_such_not_as_an_app_registry_error(tmp_path):
    result = _manage(["migrate"], NO_KEYS, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Fangxin cannot start: Missing required secret(s): SECRET_KEY")
    assert "Traceback" not in result.stderr and "AppRegistryNotReady" not in result.stderr


def test_makemigrations_check_runs_without_keys_and_never_stores_them(tmp_path):
    # A database whose data was written with a real key: the throwaway keys must not trip the canary.
    assert _manage(["migrate", "core"], {"FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()},
                   tmp_path).returncode == 0
    result = _manage(["makemigrations", "--check", "--dry-run"], NO_KEYS, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert not (tmp_path / "dev-keys.env").exists()

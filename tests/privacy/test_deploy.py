"""Production settings: `check --deploy` is clean and responses carry the security headers and cookie flags."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # Not the test process's own switches (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE): a production environment.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}}
    env.update({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key()
                .decode(), "BLIND_INDEX_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "fangxin.example",
                "SECURE_SSL_REDIRECT": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "FANGXIN_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_and_cookie_flags(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = Client().get("/accounts/login/", secure=True)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_HTTPONLY is True

"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "AWS_STORAGE_BUCKET_NAME",
        "SITE_REGION",
    }
}
PROD = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "-Production-Like-Key-9876",
    "ALLOWED_HOSTS": "news.example",
}


def run(code="", *args, env=None):
    argv = [sys.executable, *(["-c", code] if code else []), *args]
    return subprocess.run(
        argv,
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "newsroom.settings", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_json(names, env):
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        f"values = {{n: getattr(settings, n) for n in {names!r}}};"
        "print(json.dumps(values, default=str))"
    )
    result = run(code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


HINT = "SECRET_KEY is not set: export SECRET_KEY="


@pytest.mark.parametrize(
    "argv",
    [
        ["manage.py", "check"],
        ["-c", "import newsroom.wsgi"],
        ["-c", "import newsroom.asgi"],
        ["-m", "gunicorn", "--check-config", "newsroom.wsgi"],
    ],
    ids=["manage.py", "wsgi", "asgi", "gunicorn --check-config"],
)
def test_missing_secret_key_stops_start_up_with_a_one_line_hint(argv):
    result = run("", *argv, env={"DEBUG": "0"})
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"Newsroom cannot start: {HINT}"
        "<a long random string> (or DEBUG=1 for local development)."
    ]


def test_gunicorn_without_secret_key_stops_instead_of_rebooting_workers():
    """A worker that cannot load the app exits with gunicorn's "app failed to load"
    code, so the master shuts down with our one line rather than looping."""
    result = run(
        "",
        "-m",
        "gunicorn",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "newsroom.wsgi",
        env={"DEBUG": "0"},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.count(HINT) == 1
    assert "App failed to load" in result.stderr


def test_debug_runs_without_secret_key():
    assert run("", "manage.py", "check", env={"DEBUG": "1"}).returncode == 0


def test_check_deploy_is_clean():
    result = run(
        "", "manage.py", "check", "--deploy", "--fail-level", "DEBUG", env=PROD
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_defaults_are_self_contained():
    s = settings_json(
        ["DATABASES", "CACHES", "SESSION_ENGINE", "MAILERS"], {"DEBUG": "1"}
    )
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    # Concurrent writers (dev server, worker, commands) wait instead of failing.
    assert s["DATABASES"]["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "LocMemCache" in s["CACHES"]["default"]["BACKEND"]
    assert s["MAILERS"]["default"]["BACKEND"].endswith("console.EmailBackend")


def test_database_url_switches_to_postgres_with_persistent_checked_connections():
    s = settings_json(
        ["DATABASES"], {**PROD, "DATABASE_URL": "postgres://u:p@db.internal:5432/news"}
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.internal", "news", "u")
    assert db["CONN_MAX_AGE"] > 0 and db["CONN_HEALTH_CHECKS"] is True


def test_sqlite_connections_are_kept_too():
    """Opening SQLite and setting its pragmas on every request cost more CPU than
    a page built from cached fragments (bench/profile_page.py)."""
    db = settings_json(["DATABASES"], PROD)["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["CONN_MAX_AGE"] > 0 and db["CONN_HEALTH_CHECKS"] is True


def test_worker_processes_without_redis_share_a_file_cache(tmp_path):
    """Gunicorn's workers must see one another's purges and counts: without Redis
    and with DEBUG off, the cache is a folder they share, not each one's memory."""
    s = settings_json(["CACHES"], {**PROD, "CACHE_DIR": str(tmp_path)})
    assert s["CACHES"]["default"]["BACKEND"].endswith("FileBasedCache")
    assert s["CACHES"]["default"]["LOCATION"] == str(tmp_path)


def test_redis_url_moves_cache_and_sessions_to_redis():
    s = settings_json(
        ["CACHES", "SESSION_ENGINE"],
        {**PROD, "REDIS_URL": "redis://cache.internal:6379/2"},
    )
    assert s["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"


def test_email_url_configures_the_smtp_mailer():
    s = settings_json(
        ["MAILERS"],
        {**PROD, "EMAIL_URL": "smtp://me:secret@mail.example:587/?tls=True"},
    )
    mailer = s["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    opts = mailer["OPTIONS"]
    assert (opts["host"], opts["port"], opts["username"], opts["use_tls"]) == (
        "mail.example",
        587,
        "me",
        True,
    )


@pytest.mark.parametrize("bucket", ["newsroom-media"])
def test_s3_bucket_switches_media_storage(bucket):
    s = settings_json(["STORAGES"], {**PROD, "AWS_STORAGE_BUCKET_NAME": bucket})
    assert s["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert "whitenoise" in s["STORAGES"]["staticfiles"]["BACKEND"]


@pytest.mark.parametrize(("given", "region"), [(None, "GB"), ("us", "US")])
def test_site_region_is_a_country_code(given, region):
    env = {"DEBUG": "1", **({"SITE_REGION": given} if given else {})}
    assert settings_json(["SITE_REGION"], env) == {"SITE_REGION": region}


def test_an_unknown_site_region_stops_start_up():
    result = run("", "manage.py", "check", env={"DEBUG": "1", "SITE_REGION": "XX"})
    assert result.returncode != 0
    assert "SITE_REGION='XX' is not an ISO 3166-1 alpha-2 country code" in (
        result.stderr
    )

"""Panorama's settings: one module, read from the environment only (see docs/configuration.md)."""

import os
import secrets
from pathlib import Path

import dj_database_url

from panorama.config.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent

# Everything Panorama writes to disk by default (SQLite file, generated secret key, collected
# static files) lives here, relative to the directory Panorama is started from.
DATA_DIR = Path(env_str("PANORAMA_DATA_DIR", "var")).resolve()
# The database, the secret key and uploads live here: private to the user Panorama runs as.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _default_secret_key() -> str:
    """Generate a key on first start and keep it, so sessions survive restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created readable by its owner only from the first byte (no chmod afterwards, which
        # would leave a moment where others could read it); O_EXCL: two starting processes
        # can't both write one.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _default_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "panorama.core.admin_site.PanoramaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs page's templates and Swagger UI files
    "panorama.core",
    "panorama.customers",
    "panorama.usage",
    "panorama.timeline",
    "panorama.revenue",
    "panorama.support",
    "panorama.demo",
    "panorama.imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "panorama.core.middleware.ActorMiddleware",
]

ROOT_URLCONF = "panorama.config.urls"
WSGI_APPLICATION = "panorama.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["django.templatetags.static"],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
SQLITE_BUSY_TIMEOUT = env_int("SQLITE_BUSY_TIMEOUT", 20)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'panorama.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on the
        # busy timeout instead of one failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
        # temp_store=MEMORY keeps statement and savepoint journals off disk: ingestion writes
        # each request in a savepoint, and SQLite copies every page it first touches there.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA temp_store=MEMORY;"
        ),
    }
    # Tests use a file too (one per test worker), not Django's shared in-memory database:
    # that one locks whole tables between connections, where WAL lets readers run beside
    # the writer, so concurrency tests would test something Panorama never runs on.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    if str(DATABASES["default"]["NAME"]) != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users --------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time ---------------------------------------------------------------------------------
# The organisation's time zone: where its days begin and end for every daily metric.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Background work ----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Security -----------------------------------------------------------------------------
# Behind TLS (directly or through a proxy) every cookie is marked secure and HSTS is sent.
SECURE_HTTPS = env_bool("SECURE_HTTPS", False)
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

# --- Product usage ------------------------------------------------------------------------
# Group commit: many requests' events share one transaction, written by one thread per
# process. Off, each request writes its own transaction (simpler to debug, slower).
USAGE_GROUP_COMMIT = env_bool("PANORAMA_GROUP_COMMIT", True)
# One writer process for all web processes (``panorama ingest-writer``), reached over this
# Unix socket; ``panorama run`` starts it and sets this. Empty: each process writes its own.
USAGE_WRITER_SOCKET = env_str("PANORAMA_INGEST_SOCKET", "")

# --- Panorama -----------------------------------------------------------------------------
# How many accounts `panorama run` loads as demo data on the first start of an empty database.
DEMO_ACCOUNTS_ON_FIRST_RUN = env_int("PANORAMA_DEMO_ACCOUNTS", 300)

# --- E-mail import ------------------------------------------------------------------------
# The organisation's own e-mail domains (sub-domains included): `panorama import-emails` files a
# message sent from one of them as outbound, any other as inbound, and never takes an address
# at them for a customer contact.
OWN_EMAIL_DOMAINS = env_list("PANORAMA_OWN_EMAIL_DOMAINS", [])

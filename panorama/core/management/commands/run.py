"""``panorama run``: migrate, load demo data on a first start, then serve web and worker.

The web side is gunicorn with whitenoise serving static files, the same production-grade
stack a deployment uses; the worker and the ingestion writer (``panorama ingest-writer``, which
stores the events every web process receives) run beside it. Stopping any stops all.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from panorama.core.models import User


class Command(BaseCommand):
    help = (
        "Serve Panorama (gunicorn + whitenoise) together with the background worker and the "
        "ingestion writer."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo data into an empty database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"] and not User.objects.exists():
            self.stdout.write("First start: loading demo data…")
            out = io.StringIO()
            call_command("demo", accounts=settings.DEMO_ACCOUNTS_ON_FIRST_RUN, stdout=out)
            # The demo's summary, without its own login line: ours follows just below.
            for line in out.getvalue().splitlines():
                if not line.startswith("Log in as"):
                    self.stdout.write(line)
        self._print_login(options["host"], options["port"])
        self._serve(options)

    def _print_login(self, host: str, port: int) -> None:
        from panorama.demo.users import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"\nPanorama is starting at http://{host}:{port}"))
        admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        if admin is not None and admin.check_password(DEMO_PASSWORD):
            self.stdout.write(f"Log in as {DEMO_ADMIN_EMAIL} with password {DEMO_PASSWORD}\n")
        elif not User.objects.exists():
            self.stdout.write("No users yet: create an admin with `panorama createsuperuser`.\n")

    def _serve(self, options: dict[str, Any]) -> None:
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "panorama.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["web_workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        worker = [sys.executable, "-m", "panorama", "worker"]
        # One ingestion writer for every web process (see panorama.usage.writer).
        ingest_socket = settings.USAGE_WRITER_SOCKET or str(settings.DATA_DIR / "ingest.sock")
        writer = [sys.executable, "-m", "panorama", "ingest-writer", "--socket", ingest_socket]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PANORAMA_INGEST_SOCKET": ingest_socket}
        children = [
            subprocess.Popen(writer, env=env),
            subprocess.Popen(web, env=env),
            subprocess.Popen(worker, env=env),
        ]
        names = ["ingest writer", "web", "worker"]

        def stop(signum: int, _frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Whichever process ends first (a crash, or our own stop), take the other one down too.
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        stop(signal.SIGTERM, None)
        codes = [child.wait(timeout=30) for child in children]
        if any(code not in (0, -signal.SIGTERM) for code in codes):
            exits = ", ".join(
                f"{name} exited {code}" for name, code in zip(names, codes, strict=True)
            )
            raise CommandError(f"Panorama stopped: {exits}")

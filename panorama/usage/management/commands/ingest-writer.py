"""``panorama ingest-writer``: the one process that writes ingested events (see usage.writer)."""

from __future__ import annotations

import gc
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panorama.usage.writer import WriterServer

GC_THRESHOLD = 50_000  # allocations between collections of the youngest generation


class Command(BaseCommand):
    help = (
        "Write the events that web processes receive, for all of them, from a Unix socket "
        "(PANORAMA_INGEST_SOCKET, or --socket). `panorama run` starts it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--socket",
            default=None,
            help="Unix socket to listen on (default: PANORAMA_INGEST_SOCKET).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["socket"] or settings.USAGE_WRITER_SOCKET
        if not path:
            raise CommandError("no socket: pass --socket or set PANORAMA_INGEST_SOCKET")
        # Storing a request allocates tens of thousands of short-lived tuples and dicts, none
        # in cycles: collecting every 700 allocations cost the writer a tenth of its time.
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        server = WriterServer(path)

        def stop(_signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Ingest writer listening on {path}")
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

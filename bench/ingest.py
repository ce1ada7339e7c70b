"""``make bench``: ingestion throughput of ``/v1/batch``, against a raw-SQLite baseline.

Everything is measured in one run on the embedded SQLite, in a fresh temporary data dir:

(a) baseline: Python's ``sqlite3`` ``executemany`` of the same event rows into a plain table
    without indexes, one transaction, WAL (``synchronous=NORMAL``, as Panorama uses);
(b) ``/v1/batch`` through the real server (``panorama run``: gunicorn + worker), 4 client
    threads sending 500-event batches with keep-alive: sustained events/s and latency;
(c) the same batches again, all duplicates: events/s and latency.

The targets are printed beside the results. This is a measurement, not a test: it exits 0
even when a target is missed (non-zero only when the run itself fails, e.g. the server
does not start or the stored rows are wrong).

    .venv/bin/python bench/ingest.py [--events 100000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

BATCH_SIZE = 500
CLIENT_THREADS = 4
ACCOUNTS = 200
USERS = 2_000
TRACK_EVENTS = (
    "Signed In",
    "Report Viewed",
    "Report Exported",
    "Dashboard Created",
    "Invite Sent",
    "File Uploaded",
    "Search Performed",
    "Integration Connected",
    "Comment Added",
    "Settings Updated",
)
PAGES = ("Dashboard", "Reports", "Settings", "Billing", "Integrations", "Team")

# Targets from the issue. (b): sustained events/s, fraction of (a), p99; (c): fraction of (a).
TARGET_B_EVENTS_PER_S = 15_000
TARGET_B_RATIO = 0.10
TARGET_B_P99_MS = 250.0
TARGET_C_RATIO = 0.5

# Bounds, so a run always stops by itself (a 2-core machine finishes well within 5 minutes).
SERVER_START_TIMEOUT = 90.0
PHASE_TIMEOUT = {"b": 120.0, "c": 90.0}
REQUEST_TIMEOUT = 30.0
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Busy): ")
MAX_ATTEMPTS = 8  # per batch: 503 (busy) and dropped connections are retried


# --- events -------------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_batches(total: int, seed: int = 42) -> list[list[dict[str, Any]]]:
    """``total`` events (rounded up to whole batches) as Segment messages, 500 a batch.

    ~200 accounts (``context.groupId``), ~2,000 users each in one account, 80% track with
    one of 10 event names and 2-4 properties, 20% page; times spread over the last 30 days.
    """
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    span = 30 * 24 * 3600
    users = [
        (f"user_{i:05d}", str(uuid.UUID(int=rng.getrandbits(128))), f"acct_{i % ACCOUNTS:04d}")
        for i in range(USERS)
    ]
    library = {"name": "analytics-python", "version": "2.3.3"}
    batches = []
    for _ in range((total + BATCH_SIZE - 1) // BATCH_SIZE):
        batch = []
        for _ in range(BATCH_SIZE):
            user_id, anonymous_id, group_id = rng.choice(users)
            moment = now - dt.timedelta(seconds=rng.uniform(60, span))
            context: dict[str, Any] = {
                "groupId": group_id,
                "library": library,
                "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            }
            message: dict[str, Any] = {
                "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
                "userId": user_id,
                "anonymousId": anonymous_id,
                "timestamp": _iso(moment),
                "context": context,
            }
            if rng.random() < 0.8:
                names = ("plan", "feature", "duration_ms", "items", "source")
                chosen = rng.sample(names, rng.randint(2, 4))
                values = {
                    "plan": rng.choice(("free", "team", "business", "enterprise")),
                    "feature": rng.choice(("export", "share", "filter", "search", "alerts")),
                    "duration_ms": rng.randint(5, 20_000),
                    "items": rng.randint(1, 250),
                    "source": rng.choice(("web", "api", "mobile")),
                }
                message.update(
                    type="track",
                    event=rng.choice(TRACK_EVENTS),
                    properties={key: values[key] for key in chosen},
                )
            else:
                page = rng.choice(PAGES)
                path = f"/{page.lower()}"
                message.update(
                    type="page",
                    name=page,
                    properties={"path": path, "url": f"https://app.example.com{path}"},
                )
                context["page"] = {"path": path, "title": f"{page} · Example"}
                context["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
            batch.append(message)
        batches.append(batch)
    return batches


def encode(batch: list[dict[str, Any]]) -> bytes:
    return json.dumps({"batch": batch, "sentAt": _iso(dt.datetime.now(dt.UTC))}).encode()


# --- (a) baseline -------------------------------------------------------------------------


def baseline(
    batches: Sequence[list[dict[str, Any]]], directory: Path, runs: int = 3
) -> tuple[int, float]:
    """Raw ``executemany`` of the same rows into an index-free table: (events, seconds).

    The fastest of ``runs`` runs, each on a new file: one run is short and disk noise large.
    """
    accounts: dict[str, int] = {}
    contacts: dict[str, int] = {}
    received = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for batch in batches:
        for m in batch:
            context = m["context"]
            account = accounts.setdefault(context["groupId"], len(accounts) + 1)
            contact = contacts.setdefault(m["userId"], len(contacts) + 1)
            moment = dt.datetime.fromisoformat(m["timestamp"]).strftime("%Y-%m-%d %H:%M:%S.%f")
            name = m.get("event") or m.get("name") or ""
            rows.append(
                (
                    m["messageId"], m["type"], name, account, contact, m["userId"],
                    m["anonymousId"], moment, received, json.dumps(m["properties"]),
                    json.dumps(context),
                )
            )  # fmt: skip
    return len(rows), min(
        _insert_rows(rows, directory / f"baseline{i}.sqlite3") for i in range(runs)
    )


def _insert_rows(rows: list[tuple[Any, ...]], path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE event (id INTEGER PRIMARY KEY, message_id TEXT, type TEXT, name TEXT, "
            "account_id INTEGER, contact_id INTEGER, user_id TEXT, anonymous_id TEXT, "
            "timestamp TEXT, received_at TEXT, properties TEXT, context TEXT)"
        )
        start = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO event (message_id, type, name, account_id, contact_id, user_id, "
            "anonymous_id, timestamp, received_at, properties, context) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("COMMIT")
        elapsed = time.perf_counter() - start
        stored = db.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    finally:
        db.close()
    if stored != len(rows):
        raise RuntimeError(f"baseline stored {stored} rows of {len(rows)}")
    return elapsed


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PANORAMA_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    return env


def panorama(args: list[str], env: dict[str, str], timeout: float = 120.0) -> str:
    """Run ``python -m panorama ARGS`` to completion; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "panorama", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"panorama {args[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


class Server:
    """``panorama run`` in its own process group, logging to a file in the data dir."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.port = port
        self.log_path = data_dir / "server.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "panorama", "run", "--no-demo", "--host", "127.0.0.1",
                "--port", str(port), "--web-workers", "2", "--threads", "8",
            ],
            env=server_env(data_dir),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"the server did not answer /healthz within {timeout:.0f} s:\n{self.tail()}"
        )

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        # The access log is noise here; keep errors and tracebacks.
        text = [line for line in text if '"POST /v1/batch' not in line]
        return "\n".join(text[-lines:])

    def exceptions_logged(self) -> Counter[str]:
        """The exceptions in the server's tracebacks, by their last line."""
        self.log.flush()
        found: Counter[str] = Counter()
        for line in self.log_path.read_text(errors="replace").splitlines():
            if EXCEPTION_LINE.match(line):
                found[line[:160]] += 1
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.log.close()


# --- (b) and (c): the client --------------------------------------------------------------


@dataclass
class PhaseResult:
    events: int = 0  # acknowledged with 200
    acked: set[int] = field(default_factory=set)  # indices of the batches acknowledged
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # every HTTP request
    retried: int = 0  # 503 answers and dropped connections, retried
    failed: list[str] = field(default_factory=list)  # batches given up on
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Client:
    """One keep-alive connection; ``send`` posts a body and retries 503s and lost connections."""

    def __init__(self, port: int, write_key: str, stop: threading.Event) -> None:
        self.port = port
        self.stop = stop
        self.connection: http.client.HTTPConnection | None = None
        token = base64.b64encode(f"{write_key}:".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }

    def send(self, body: bytes, result: PhaseResult, lock: threading.Lock) -> bool:
        for attempt in range(MAX_ATTEMPTS):
            if self.stop.is_set():
                return False
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
                )
            start = time.perf_counter()
            try:
                self.connection.request("POST", "/v1/batch", body=body, headers=self.headers)
                response = self.connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                # gunicorn closed an idle keep-alive connection, or the request timed out.
                self.close()
                with lock:
                    result.retried += 1
                continue
            elapsed_ms = (time.perf_counter() - start) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            with lock:
                result.latencies_ms.append(elapsed_ms)
            if response.status == 200:
                return True
            if response.status == 503 and attempt + 1 < MAX_ATTEMPTS:
                with lock:
                    result.retried += 1
                wait = min(float(response.getheader("Retry-After") or 1), 2.0)
                self.stop.wait(wait)
                continue
            with lock:
                result.failed.append(f"HTTP {response.status}: {answer[:200]!r}")
            return False
        with lock:
            result.failed.append(f"gave up after {MAX_ATTEMPTS} attempts")
        return False

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_phase(
    bodies: Sequence[bytes], port: int, write_key: str, timeout: float, interrupted: threading.Event
) -> PhaseResult:
    """Send every body once from ``CLIENT_THREADS`` threads; stop at ``timeout`` seconds."""
    result = PhaseResult()
    lock = threading.Lock()
    stop = threading.Event()
    next_index = iter(range(len(bodies)))

    def work() -> None:
        client = Client(port, write_key, stop)
        try:
            while not stop.is_set():
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                if client.send(bodies[index], result, lock):
                    with lock:
                        result.events += BATCH_SIZE
                        result.acked.add(index)
        finally:
            client.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(CLIENT_THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    try:
        while any(thread.is_alive() for thread in threads):
            if interrupted.is_set() or time.monotonic() > deadline:
                result.timed_out = not interrupted.is_set()
                stop.set()
                break
            time.sleep(0.05)
    finally:
        if interrupted.is_set():
            stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    result.seconds = time.perf_counter() - start
    return result


# --- checks and the report ----------------------------------------------------------------


def stored_counts(database: Path) -> tuple[int, int, int]:
    """Rows in usage_event, distinct message ids, and the events the daily rollups count."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT message_id) FROM usage_event"
        ).fetchone()
        rolled = db.execute("SELECT COALESCE(SUM(events), 0) FROM usage_accountday").fetchone()[0]
    finally:
        db.close()
    return rows, distinct, rolled


def check_stored(
    after_b: tuple[int, int, int],
    after_c: tuple[int, int, int],
    b: PhaseResult,
    c: PhaseResult,
    batches: int,
) -> bool:
    """Print whether every acknowledged event is stored exactly once; return it."""
    # A batch answered 503 may still have been committed (the server says a retry is then a
    # harmless duplicate), so without failures the counts are exact, with them a range.
    unsure_b = (batches - len(b.acked)) * BATCH_SIZE if b.failed else 0
    low_b = BATCH_SIZE + len(b.acked) * BATCH_SIZE  # the warm-up batch and every acked one
    both = len(b.acked | c.acked) * BATCH_SIZE
    unsure_c = (batches - len(b.acked | c.acked)) * BATCH_SIZE if b.failed or c.failed else 0
    ok_b = low_b <= after_b[0] <= low_b + unsure_b and after_b[0] == after_b[1]
    ok_c = BATCH_SIZE + both <= after_c[0] <= BATCH_SIZE + both + unsure_c
    ok_c = ok_c and after_c[0] == after_c[1]
    complete = len(b.acked) == batches
    if ok_b and ok_c and complete and after_c[0] == after_b[0]:
        print(
            f"Correctness: stored {after_b[0]:,} events, no duplicates (warm-up {BATCH_SIZE} + "
            f"{b.events:,} sent; unchanged after (c); rollups count {after_c[2]:,} events)"
        )
    elif ok_b and ok_c:
        print(
            f"Correctness: stored {after_c[0]:,} events, no duplicates, but (b) did not send "
            f"every batch ({len(b.acked)} of {batches} acknowledged), so (c) added "
            f"{after_c[0] - after_b[0]:,} new ones; rollups count {after_c[2]:,} events"
        )
    else:
        print("Correctness: FAILED")
        print(
            f"  after (b): {after_b[0]:,} rows ({after_b[1]:,} distinct message ids), expected "
            f"{low_b:,}" + (f" to {low_b + unsure_b:,}" if unsure_b else "")
        )
        print(
            f"  after (c): {after_c[0]:,} rows ({after_c[1]:,} distinct), expected "
            f"{BATCH_SIZE + both:,}" + (f" to {BATCH_SIZE + both + unsure_c:,}" if unsure_c else "")
        )
    if after_c[2] != after_c[0]:
        print(f"  note: rollups count {after_c[2]:,} events for {after_c[0]:,} stored rows")
    return ok_b and ok_c


def verdict(ok: bool) -> str:
    return "meets" if ok else "BELOW TARGET"


def report(events: int, a: tuple[int, float], b: PhaseResult, c: PhaseResult) -> None:
    a_rate = a[0] / a[1] if a[1] else 0.0
    b_ratio = b.rate / a_rate if a_rate else 0.0
    c_ratio = c.rate / a_rate if a_rate else 0.0
    print()
    print(f"Ingestion benchmark: {events:,} events in {BATCH_SIZE}-event batches, ", end="")
    print(f"{CLIENT_THREADS} client threads, embedded SQLite, {os.cpu_count()} CPUs")
    print()
    header = f"{'':<38}{'result':>14}   {'target':<14}"
    print(header)
    print("-" * (len(header) + 14))
    lines = [
        ("(a) baseline executemany, best of 3", f"{a_rate:,.0f} ev/s", "", None),
        ("(b) /v1/batch, new events", f"{b.rate:,.0f} ev/s", f">= {TARGET_B_EVENTS_PER_S:,}",
         b.rate >= TARGET_B_EVENTS_PER_S),
        ("(b) / (a)", f"{b_ratio:.3f}", f">= {TARGET_B_RATIO:.2f}", b_ratio >= TARGET_B_RATIO),
        ("(b) latency p50", f"{b.percentile(50):,.0f} ms", "", None),
        ("(b) latency p95", f"{b.percentile(95):,.0f} ms", "", None),
        ("(b) latency p99", f"{b.percentile(99):,.0f} ms", f"<= {TARGET_B_P99_MS:.0f} ms",
         b.percentile(99) <= TARGET_B_P99_MS),
        ("(c) /v1/batch, all duplicates", f"{c.rate:,.0f} ev/s", "", None),
        ("(c) / (a)", f"{c_ratio:.3f}", f">= {TARGET_C_RATIO:.2f}", c_ratio >= TARGET_C_RATIO),
        ("(c) latency p50", f"{c.percentile(50):,.0f} ms", "", None),
        ("(c) latency p99", f"{c.percentile(99):,.0f} ms", "", None),
    ]  # fmt: skip
    for label, value, target, ok in lines:
        mark = "" if ok is None else verdict(ok)
        print(f"{label:<38}{value:>14}   {target:<14}{mark}")
    print()
    for name, phase in (("(b)", b), ("(c)", c)):
        notes = [f"{len(phase.latencies_ms)} requests in {phase.seconds:.1f} s"]
        if phase.retried:
            notes.append(f"{phase.retried} retried (503 busy or connection lost)")
        if phase.failed:
            notes.append(f"{len(phase.failed)} batches FAILED, first: {phase.failed[0]}")
        if phase.timed_out:
            notes.append("STOPPED at the phase time limit: the rate is over what was sent")
        print(f"{name} " + "; ".join(notes))


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--events", type=int, default=100_000, help="events to send in (b) and (c) (default 100000)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary data dir (database, server.log)"
    )
    args = parser.parse_args(argv)
    if args.events < BATCH_SIZE:
        parser.error(f"--events must be at least {BATCH_SIZE}")

    interrupted = threading.Event()
    data_dir = Path(tempfile.mkdtemp(prefix="panorama-bench-"))
    server: Server | None = None
    previous_handler = signal.getsignal(signal.SIGINT)

    def on_interrupt(_signum: int, _frame: Any) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        print(f"Preparing {args.events:,} events (+1 warm-up batch) in {data_dir} …", flush=True)
        warmup, *batches = make_batches(args.events + BATCH_SIZE)
        events = len(batches) * BATCH_SIZE
        bodies = [encode(batch) for batch in batches]

        print("(a) baseline: sqlite3 executemany …", flush=True)
        a = baseline(batches, data_dir)

        env = server_env(data_dir)
        print("Starting the server (migrate, write key, panorama run) …", flush=True)
        panorama(["migrate", "--verbosity", "0"], env)
        code = "from panorama.usage.models import WriteKey; print(WriteKey.issue(name='bench')[1])"
        write_key = panorama(["shell", "-c", code], env).strip().splitlines()[-1]
        server = Server(data_dir, free_port())
        server.wait_healthy(SERVER_START_TIMEOUT)

        warm = run_phase([encode(warmup)], server.port, write_key, 60, interrupted)
        if warm.events != BATCH_SIZE:
            raise RuntimeError(f"the warm-up batch failed: {warm.failed}\n{server.tail()}")
        database = data_dir / "panorama.sqlite3"

        print(f"(b) sending {events:,} new events …", flush=True)
        b = run_phase(bodies, server.port, write_key, PHASE_TIMEOUT["b"], interrupted)
        after_b = stored_counts(database)
        print(f"(c) sending the same {events:,} events again …", flush=True)
        c = run_phase(bodies, server.port, write_key, PHASE_TIMEOUT["c"], interrupted)
        after_c = stored_counts(database)
        if interrupted.is_set():
            raise KeyboardInterrupt

        report(events, a, b, c)
        print()
        ok = check_stored(after_b, after_c, b, c, len(bodies))
        logged = server.exceptions_logged()
        if logged:
            print(f"\nThe server logged {logged.total()} exceptions:")
            for line, count in logged.most_common(5):
                print(f"  {count:>5} × {line}")
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the server and cleaning up.", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # don't interrupt the clean-up itself
        if server is not None:
            server.stop()
        if args.keep:
            print(f"Kept {data_dir} (panorama.sqlite3, server.log)", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
        signal.signal(signal.SIGINT, previous_handler)


if __name__ == "__main__":
    sys.exit(main())

"""The one ingestion writer: web requests hand their messages over a Unix socket.

The writer runs here as a thread serving a real socket (``panorama run`` runs it as a process of
its own, see tests/test_quick_start.py); requests go through the real tracking view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from panorama.usage import writer
from panorama.usage.committer import Busy
from panorama.usage.models import AccountDay, Event
from panorama.usage.tests.conftest import PostJson
from panorama.usage.writer import WriterServer

pytestmark = pytest.mark.django_db(transaction=True)


def _batch(prefix: str, n: int = 3) -> dict[str, Any]:
    return {
        "batch": [
            {"type": "track", "messageId": f"{prefix}{i}", "userId": "u1", "event": "Built",
             "context": {"groupId": "g1"}, "timestamp": "2026-03-09T10:00:00Z"}
            for i in range(n)
        ]
    }  # fmt: skip


@pytest.fixture
def server(tmp_path: Path, settings: Any) -> Iterator[WriterServer]:
    """A writer serving a socket in the test's temp dir; requests are pointed at it."""
    path = tmp_path / "ingest.sock"
    served = WriterServer(path)
    thread = threading.Thread(target=served.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    settings.USAGE_GROUP_COMMIT = True
    settings.USAGE_WRITER_SOCKET = str(path)
    try:
        yield served
    finally:
        served.shutdown()
        served.server_close()
        thread.join()


def test_a_request_is_stored_by_the_writer(server: WriterServer, post_json: PostJson):
    response = post_json(Client(), "/v1/batch", _batch("w"))
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True}
    assert server.served == 1
    assert Event.objects.filter(message_id__startswith="w").count() == 3
    assert AccountDay.objects.get().events == 3


def test_the_socket_is_private_to_the_user_panorama_runs_as(server: WriterServer):
    assert Path(server.server_address).stat().st_mode & 0o777 == 0o600  # type: ignore[arg-type]


def test_concurrent_requests_share_the_writer(server: WriterServer, post_json: PostJson):
    statuses: list[int] = []

    def send(n: int) -> None:
        statuses.append(post_json(Client(), "/v1/batch", _batch(f"c{n}-", 50)).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert server.served == 4
    assert Event.objects.count() == 200
    assert AccountDay.objects.get().events == 200


def test_without_a_writer_a_request_is_written_in_its_own_process(
    tmp_path: Path, settings: Any, post_json: PostJson, caplog: pytest.LogCaptureFixture
):
    settings.USAGE_GROUP_COMMIT = True
    settings.USAGE_WRITER_SOCKET = str(tmp_path / "nobody-listens.sock")
    response = post_json(Client(), "/v1/batch", _batch("local"))
    assert response.status_code == 200
    assert Event.objects.count() == 3
    assert "ingest writer unavailable" in caplog.text


@pytest.mark.parametrize(
    ("error", "status"),
    [(Busy("too many events are waiting", retry_after=1), 503), (OperationalError("locked"), 503)],
)
def test_the_writers_refusal_reaches_the_sender_and_nothing_is_stored(
    server: WriterServer,
    post_json: PostJson,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
):
    def refuse(*args: Any) -> None:
        raise error

    # Only the writer's side calls the group committer: the web side found the socket.
    monkeypatch.setattr(writer.committer, "submit", refuse)
    response = post_json(Client(), "/v1/batch", _batch("r"))
    assert response.status_code == status
    assert response.json()["code"] == "busy"
    assert response["Retry-After"]
    assert server.served == 1
    assert not Event.objects.exists()


def test_a_writer_that_dies_mid_request_is_a_retryable_503(
    server: WriterServer, post_json: PostJson, monkeypatch: pytest.MonkeyPatch
):
    def die(handler: Any) -> None:
        writer._receive(handler.request)  # reads the request, then goes without answering

    monkeypatch.setattr(writer._Handler, "handle", die)
    response = post_json(Client(), "/v1/batch", _batch("d"))
    assert response.status_code == 503
    assert response["Retry-After"] == "2"

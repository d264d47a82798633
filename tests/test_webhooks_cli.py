"""`syncrag webhooks serve`: its options, its refusals and the app it hands to uvicorn."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from resources.state import StateStore
from tests.test_webhooks_support import SECRET, encode, sample
from webhooks import SECRET_HEADER, WEBHOOK_PATH
from webhooks.cli import DEFAULT_HOST, DEFAULT_PORT, add_serve_arguments, serve


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="syncrag webhooks serve")
    add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def test_it_listens_on_loopback_port_8788_by_default() -> None:
    args = _parse()

    assert (args.host, args.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8788)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_outside_1_to_65535_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse("--port", port)

    assert exited.value.code == 2
    assert "port" in capsys.readouterr().err


def test_a_state_url_that_is_not_a_database_exits_2_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = serve(_parse(), {"SYNCRAG_STATE_URL": "mysql://somewhere/db"})

    assert code == 2
    err = capsys.readouterr().err
    assert "SYNCRAG_STATE_URL" in err
    assert len(err.strip().splitlines()) == 1


def test_serving_beyond_loopback_without_a_secret_exits_2_naming_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = serve(
        _parse("--host", "0.0.0.0"), {"SYNCRAG_STATE_URL": f"sqlite:///{tmp_path / 's.db'}"}
    )

    assert code == 2
    err = capsys.readouterr().err
    assert "SYNCRAG_WEBHOOK_SECRET" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s.db").exists()


def test_serve_hands_uvicorn_a_receiver_over_the_configured_db_and_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    served: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> None:
        # Stands in for the blocking server: deliver one webhook with and one without the secret.
        served.update(options)

        async def deliver() -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
                body = encode(sample("record_deleted"))
                good = await client.post(
                    WEBHOOK_PATH, content=body, headers={SECRET_HEADER: SECRET}
                )
                bad = await client.post(WEBHOOK_PATH, content=body)
                return [good.status_code, bad.status_code]

        served["statuses"] = asyncio.run(deliver())

    monkeypatch.setattr("uvicorn.run", fake_run)

    code = serve(
        _parse("--port", "9911"),
        {"SYNCRAG_STATE_URL": url, "SYNCRAG_WEBHOOK_SECRET": SECRET},
    )

    assert code == 0
    assert served["statuses"] == [200, 401]
    assert (served["host"], served["port"]) == ("127.0.0.1", 9911)
    # The access log would print a secret sent in the path or query string.
    assert served["access_log"] is False
    # Senders (httpx among them) retire idle connections after 5 s; the receiver must keep them
    # longer, or a reused connection can be closed under a POST in flight.
    assert served["timeout_keep_alive"] > (httpx.Limits().keepalive_expiry or 0)
    assert SECRET not in capsys.readouterr().err
    with StateStore.open(url) as store:
        [event] = store.events_after(0)
    assert event.event_type == "record_deleted"

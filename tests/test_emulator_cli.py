"""The emulator's CLI and dev key pair: options, config, and one live run on uvicorn."""

from __future__ import annotations

import argparse
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

from emulator import ensure_dev_keypair
from emulator.cli import add_serve_arguments, config_from_args, serve


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def test_dev_keypair_is_private_stable_and_signs_verifiable_tokens(tmp_path: Path) -> None:
    private, public = ensure_dev_keypair(tmp_path / "keys")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    before = private.read_bytes(), public.read_bytes()
    public.unlink()
    assert ensure_dev_keypair(tmp_path / "keys") == (private, public)
    assert (private.read_bytes(), public.read_bytes()) == before
    token = jwt.encode({"sub": "u"}, private.read_text(), algorithm="RS256")
    assert jwt.decode(token, public.read_text(), algorithms=["RS256"]) == {"sub": "u"}


def test_defaults_and_config_from_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = _parse("--root", "data", "--webhook-header", "X-Secret: abc: def", "--fault-429", "0.1")
    assert args.state_dir == Path(".syncrag/emulator")
    assert args.keys_dir == Path(".syncrag/keys")
    assert (args.host, args.incremental_interval, args.full_sync_interval) == (
        "127.0.0.1",
        60.0,
        86400.0,
    )
    config = config_from_args(args)
    assert (tmp_path / ".syncrag" / "keys" / "signing.pem").exists()
    assert config.public_key_pem == (tmp_path / ".syncrag/keys/signing.pub.pem").read_text()
    assert config.webhook_headers == {"X-Secret": "abc: def"}
    assert config.faults.rate_429 == 0.1
    assert config.state_dir == Path(".syncrag/emulator")
    assert "abc" not in repr(config)


def test_explicit_public_key_is_used(tmp_path: Path) -> None:
    _, public = ensure_dev_keypair(tmp_path / "elsewhere")
    args = _parse("--root", str(tmp_path), "--public-key", str(public), "--keys-dir", "unused")
    assert config_from_args(args).public_key_pem == public.read_text()
    assert not Path("unused").exists()


def test_serve_refuses_a_missing_root_and_bad_header(tmp_path: Path) -> None:
    keys = ["--keys-dir", str(tmp_path / "keys")]
    assert serve(_parse("--root", str(tmp_path / "absent"), *keys)) == 2
    assert serve(_parse("--root", str(tmp_path), *keys, "--webhook-header", "nocolon")) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serves_over_tcp_with_uvicorn(tmp_path: Path) -> None:
    port = _free_port()
    (tmp_path / "root").mkdir()
    command = [sys.executable, "-m", "emulator.cli", "--root", "root", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    log = tmp_path / "emulator.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/syncs", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.2)
        assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})
        private = (tmp_path / ".syncrag" / "keys" / "signing.pem").read_text()
        token = jwt.encode(
            {
                "sub": "u",
                "aud": "useparagon.com/5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70",
                "exp": int(time.time()) + 60,
            },
            private,
            algorithm="RS256",
        )
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/syncs",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert listed.json() == {"data": []}
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (tmp_path / ".syncrag" / "keys" / "signing.pub.pem").exists()


def test_package_exports_its_public_names() -> None:
    import emulator

    assert sorted(emulator.__all__) == [
        "EmulatorConfig",
        "FaultConfig",
        "add_serve_arguments",
        "create_app",
        "ensure_dev_keypair",
        "serve",
    ]
    assert all(callable(getattr(emulator, name)) for name in emulator.__all__)

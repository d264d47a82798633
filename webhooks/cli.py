"""`syncrag webhooks serve`: runs the receiver with uvicorn over the state DB's inbox."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Mapping

import uvicorn

from resources.state import StateStore, StateStoreError
from webhooks.app import KEEP_ALIVE_SECONDS, WEBHOOK_PATH, create_app

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_STATE_URL", "add_serve_arguments", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8788
DEFAULT_STATE_URL = "sqlite:///.syncrag/state.db"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `syncrag webhooks serve`."""
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )


def serve(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    """Serves until interrupted; 2 with one sentence on stderr when misconfigured."""
    env = os.environ if environ is None else environ
    state_url = env.get("SYNCRAG_STATE_URL", "").strip() or DEFAULT_STATE_URL
    secret = env.get("SYNCRAG_WEBHOOK_SECRET") or None
    if secret is None and not is_loopback(args.host):
        # Anyone on the network could otherwise fill the inbox and trigger runs.
        return _misconfigured(
            f"set SYNCRAG_WEBHOOK_SECRET before serving webhooks on {args.host}, "
            "or listen on 127.0.0.1 only."
        )
    try:
        store = StateStore.open(state_url)
    except StateStoreError as error:
        return _misconfigured(str(error))
    except OSError as error:
        return _misconfigured(
            f"cannot create the state DB ({error.strerror}); "
            "set SYNCRAG_STATE_URL to a writable location."
        )
    try:
        app = create_app(store, secret=secret)
        suffix = "/<secret>" if secret is not None else ""
        sys.stderr.write(
            f"Receiving Paragon webhooks at http://{args.host}:{args.port}{WEBHOOK_PATH}{suffix}\n"
        )
        # No access log: it would print the secret carried in the path or query string.
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            access_log=False,
            log_level="info",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
    finally:
        store.close()
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port between 1 and 65535")
    return port


def is_loopback(host: str) -> bool:
    """Whether the receiver takes `host` for loopback, where it starts without a secret."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _misconfigured(sentence: str) -> int:
    sys.stderr.write(f"syncrag webhooks serve: {sentence}\n")
    return 2

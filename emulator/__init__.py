"""The local Sync API emulator: Paragon's Managed Sync API, auth, lifecycle and webhooks
over a folder of files. Test helpers live in the public module `emulator.testing`."""

from emulator.app import create_app
from emulator.cli import add_serve_arguments, serve
from emulator.config import EmulatorConfig, FaultConfig
from emulator.keys import ensure_dev_keypair

__all__ = [
    "EmulatorConfig",
    "FaultConfig",
    "add_serve_arguments",
    "create_app",
    "ensure_dev_keypair",
    "serve",
]

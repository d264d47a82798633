"""The local Sync API emulator: Paragon's Managed Sync API, auth, lifecycle and webhooks
over a folder of files."""

from emulator.app import create_app
from emulator.config import EmulatorConfig, FaultConfig
from emulator.keys import ensure_dev_keypair

__all__ = ["EmulatorConfig", "FaultConfig", "create_app", "ensure_dev_keypair"]

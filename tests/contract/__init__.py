"""Contract tests: the real Sync API client against the emulator, in-process and over a socket."""

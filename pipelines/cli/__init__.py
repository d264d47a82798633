"""The `syncrag` command line: one sub-command per job a person runs by hand."""

from pipelines.cli.main import main

__all__ = ["main"]

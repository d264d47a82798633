"""syncrag's resources: plain code that talks to the outside, and the Dagster resources over it.

Plain subpackages (no Dagster): `sync_api` (client and user tokens), `state` (ledger, cursors,
webhook inbox), `text` (extraction and chunking), `embedding`, `vectors`. The Dagster resources live
in the `*_resource` modules beside them; this package imports neither, so that importing the plain
code never loads Dagster.
"""

__all__: list[str] = []

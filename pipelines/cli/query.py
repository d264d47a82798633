"""`syncrag query --user U "text" [--as EMAIL] [--mode dense|sparse|hybrid]`: the user's best
matching chunks, with where they come from; with `--as`, only chunks of records EMAIL may read."""

from __future__ import annotations

import argparse

from rich.console import Console

from ingest.search import DEFAULT_MODE, PermittedHits, SearchMode, search_user, search_user_as
from pipelines.cli import runtime
from resources.vectors import SearchHit


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("query", help="search one user's index")
    parser.add_argument("--user", required=True, help="whose data to search")
    parser.add_argument("text", help="what to look for")
    parser.add_argument("-k", type=int, default=5, help="how many results (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.add_argument(
        "--mode",
        type=SearchMode,
        choices=list(SearchMode),
        default=DEFAULT_MODE,
        help="dense: by meaning (the embedding); sparse: by exact words, identifiers and names "
        f"(BM25); hybrid: both, fused (default {DEFAULT_MODE})",
    )
    parser.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="only chunks of files this person may read (checked with the Permissions API)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    model = runtime.embedder()
    store = runtime.vector_store(model)
    permitted: PermittedHits | None = None
    if args.as_email is None:
        hits = search_user(model, store, args.user, args.text, limit=args.k, mode=args.mode)
    else:
        with runtime.sync_client() as client:
            permitted = search_user_as(
                model,
                store,
                client,
                args.user,
                args.text,
                args.as_email,
                limit=args.k,
                mode=args.mode,
            )
        hits = permitted.hits
    if args.json:
        import json

        for hit in hits:
            print(json.dumps({"id": hit.id, "score": hit.score, **hit.payload}))
        return 0
    console = Console()
    print_hits(console, args.user, args.text, hits)
    if permitted is not None and permitted.withheld_unconfirmed:
        console.print(
            f"  {permitted.withheld_unconfirmed} more result(s) withheld: the Permissions API "
            f"could not confirm that {args.as_email} may read them.",
            style="yellow",
            highlight=False,
        )
    return 0


def print_hits(console: Console, user: str, text: str, hits: list[SearchHit]) -> None:
    """Each hit as a short block: score and record, where in it, then the chunk's text."""
    console.print(f"\n[bold]{user}[/bold] asks: {text}")
    if not hits:
        console.print("  no results: is the user's partition materialized?")
        return
    for rank, hit in enumerate(hits, start=1):
        payload = hit.payload
        title = str(payload.get("title") or payload.get("record_id"))
        heading = " > ".join(payload.get("heading_path") or [])
        console.print(f"  {rank}. [bold]{hit.score:.3f}[/bold]  {title}", highlight=False)
        if heading:
            console.print(f"     {heading}", style="dim", highlight=False)
        if payload.get("url"):
            console.print(f"     {payload['url']}", style="dim", highlight=False)
        console.print(f"     {_excerpt(str(payload.get('text', '')))}", highlight=False)


def _excerpt(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""`syncrag query --user U "text" [--as EMAIL] [--mode dense|sparse|hybrid]`: the user's best
matching chunks, with where they come from; with `--as`, only chunks of records EMAIL may read."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ingest.search import DEFAULT_MODE, PermittedHits, SearchMode, search_user, search_user_as
from pipelines.cli import runtime
from resources.state import RecordState, StateStore
from resources.vectors import SearchHit


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("query", help="search one user's index")
    parser.add_argument("--user", required=True, help="whose data to search")
    parser.add_argument("text", type=_text, help="what to look for")
    parser.add_argument("-k", type=_count, default=5, help="how many results (default 5)")
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


def _text(value: str) -> str:
    """What to look for: anything but an empty or blank string (which would match at random)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("say what to look for, not an empty string")
    return value


def _count(value: str) -> int:
    """How many results: a whole number, at least 1."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {count}")
    return count


def run(args: argparse.Namespace) -> int:
    state = runtime.known_user_state_store(args.user)
    try:
        indexed = _indexed_records(state, args.user)
    finally:
        state.close()
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
    if permitted is None:
        empty = _nothing_found(args.user, args.mode, indexed)
    else:
        empty = _nothing_readable(str(args.as_email), permitted)
    print_hits(console, args.user, args.text, hits, empty=empty)
    if permitted is not None and permitted.withheld_unconfirmed:
        console.print(
            f"  {permitted.withheld_unconfirmed} more result(s) withheld: the Permissions API "
            f"could not confirm that {args.as_email} may read them.",
            style="yellow",
            highlight=False,
        )
    return 0


def print_hits(
    console: Console, user: str, text: str, hits: list[SearchHit], *, empty: str | None = None
) -> None:
    """Each hit as a short block: score and record, where in it, then the chunk's text; lines
    that wrap keep their indent. `empty` is what to say when there is no hit."""
    console.print(f"\n[bold]{user}[/bold] asks: {text}")
    if not hits:
        default = "no results: is the user's partition materialized?"
        console.print(f"  {empty or default}", markup=False, highlight=False)
        return
    for rank, hit in enumerate(hits, start=1):
        payload = hit.payload
        title = str(payload.get("title") or payload.get("record_id"))
        heading = " > ".join(payload.get("heading_path") or [])
        console.print(f"  {rank}. [bold]{hit.score:.3f}[/bold]  {title}", highlight=False)
        if heading:
            console.print(Padding(Text(heading, style="dim"), (0, 0, 0, 5)))
        if payload.get("url"):
            console.print(Padding(Text(str(payload["url"]), style="dim"), (0, 0, 0, 5)))
        console.print(Padding(Text(_excerpt(str(payload.get("text", "")))), (0, 0, 0, 5)))


def _indexed_records(state: StateStore, user: str) -> int:
    """How many of the user's records are indexed with text to search (folders hold none)."""
    counts = state.counts_by_state(user)
    indexed = sum(by_state.get(RecordState.INDEXED, 0) for by_state in counts.values())
    return indexed - sum(state.textless_indexed_counts(user).values())


def _nothing_found(user: str, mode: SearchMode, indexed: int) -> str:
    """Why a search found nothing: an index with nothing in it yet, or no text that matches."""
    if indexed <= 0:
        return f"no results: nothing of {user}'s is indexed yet (syncrag ingest --user {user})."
    words = " contains these words" if mode is SearchMode.SPARSE else " matches"
    return f"no results: none of {user}'s {indexed} indexed record(s){words}."


def _nothing_readable(email: str, permitted: PermittedHits) -> str:
    """Why a search on behalf of `email` found nothing to show."""
    if permitted.withheld_denied:
        return (
            f"no results that {email} may read: the Permissions API denied {email} the "
            f"{permitted.withheld_denied} matching result(s)."
        )
    if permitted.withheld_unconfirmed:
        return f"no results confirmed readable by {email}."
    return (
        f"no results that {email} may read: none of the user's indexed files lists {email} "
        "as a reader."
    )


def _excerpt(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

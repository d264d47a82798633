"""The real embedding model end to end on a tiny corpus, and the sample corpus cut by the real
tokenizer: no chunk is longer than the model reads (design invariant 7)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import pytest

from demo import build_sample_corpus
from resources.embedding import TokenCounter
from resources.text import MarkdownChunker, extract_markdown, render_crm_record, render_ticket
from tests.e2e.harness import Emulator, installed, paragraphs_document

MODEL_MAX_TOKENS = 256

DOCUMENTS = {
    ("alice", "sourdough.md"): paragraphs_document(
        "Sourdough baking",
        [
            "Feed the starter with equal weights of flour and water every twelve hours.",
            "A dough at seventy percent hydration rises slowly overnight in the fridge; bake it "
            "in a hot covered pot for a crisp crust.",
        ],
    ),
    ("alice", "cluster.md"): paragraphs_document(
        "Kubernetes operations",
        [
            "Scale a deployment by raising its replica count; the scheduler places new pods on "
            "nodes with free CPU and memory.",
            "Rolling updates replace pods a few at a time so that the service stays available.",
        ],
    ),
    ("bob", "garden.md"): paragraphs_document(
        "Vegetable garden",
        [
            "Plant tomato seedlings outdoors after the last frost, in full sun, and water them "
            "deeply twice a week.",
            "Stake the tomato plants early and pinch out side shoots for larger fruit.",
        ],
    ),
}


@pytest.mark.slow
def test_the_real_model_ranks_the_right_document_first(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for (user, name), text in DOCUMENTS.items():
        emulator.write(user, name, text)
    with installed(
        emulator, tmp_path / "real", SYNCRAG_EMBEDDING_BACKEND="sentence-transformers"
    ) as syncrag:
        for user in ("alice", "bob"):
            emulator.enable(syncrag.state, user)
            run = syncrag.ingest(user)
            assert run.checks["index_matches_ledger"].passed
        assert syncrag.embedder.dimension == 384

        queries = {
            ("alice", "how often should I feed my bread starter?"): "sourdough.md",
            ("alice", "add more replicas to handle load"): "cluster.md",
            ("bob", "when can tomatoes go in the ground?"): "garden.md",
        }
        for (user, query), expected in queries.items():
            hits = syncrag.search(user, query)
            assert hits[0].payload["title"] == expected, (query, [h.payload for h in hits])
            assert {hit.payload["user_id"] for hit in hits} == {user}


def _sample_markdown(root: Path) -> dict[str, str]:
    """Every record of the sample corpus as the pipeline reads it: files extracted, CRM records
    and tickets rendered."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if len(relative.parts) < 4 or path.name.endswith(".permissions.json"):
            continue  # users.json, README.md and permission sidecars are not records
        pipeline = relative.parts[2]
        if pipeline == "files":
            mime_type, _ = mimetypes.guess_type(path.name, strict=False)
            texts[str(relative)] = extract_markdown(
                path.read_bytes(), mime_type=mime_type, name=path.name
            )
        elif pipeline == "tickets":
            texts[str(relative)] = render_ticket(json.loads(path.read_text()), None)
        else:
            for i, line in enumerate(path.read_text().splitlines()):
                if line.strip():
                    texts[f"{relative}:{i}"] = render_crm_record(pipeline, json.loads(line))
    return texts


def test_no_chunk_of_the_sample_corpus_exceeds_the_models_maximum(tmp_path: Path) -> None:
    summary = build_sample_corpus(tmp_path / "corpus")
    counter = TokenCounter.packaged()
    chunker = MarkdownChunker(counter, MODEL_MAX_TOKENS)

    texts = _sample_markdown(tmp_path / "corpus")
    chunks = {
        name: chunker.split(markdown, title=Path(name).name) for name, markdown in texts.items()
    }

    assert sum(1 for name in texts if "/files/" in name) == summary.total_documents
    longest = max(
        ((counter(c.text), name) for name, cs in chunks.items() for c in cs), default=(0, "")
    )
    assert longest[0] <= MODEL_MAX_TOKENS, longest
    # The corpus has documents long enough to be cut, so the limit was really tested.
    assert sum(len(cs) for cs in chunks.values()) > len(texts)
    assert longest[0] > MODEL_MAX_TOKENS // 2

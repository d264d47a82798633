"""bench.corpus: the synthetic corpus as the emulator serves it, and Python's reST docs."""

from __future__ import annotations

from pathlib import Path

from bench.corpus import (
    PYTHON_DOCS_USER,
    build_python_docs_corpus,
    build_synthetic_corpus,
    find_python_docs,
    pipeline_folder,
)


def test_synthetic_documents_lie_where_the_emulator_serves_them(tmp_path: Path) -> None:
    corpus = build_synthetic_corpus(
        tmp_path, users=2, docs_per_user=3, seed=1, formats=("md", "txt")
    )

    assert corpus.users == ["user-0000", "user-0001"]
    assert len(corpus.documents) == 6
    for document in corpus.documents:
        assert document.path == pipeline_folder(tmp_path, document.user) / document.external_id
        assert document.path.is_file()
        assert document.words > 0
    assert "2 users x 3 documents" in corpus.note


def test_python_docs_are_found_only_where_there_are_sources(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    (full / "library").mkdir(parents=True)
    (full / "library" / "os.rst.txt").write_text("os\n==\n\nMiscellaneous interfaces.\n")

    assert find_python_docs([tmp_path / "missing", empty, full]) == full
    assert find_python_docs([tmp_path / "missing", empty]) is None


def test_python_docs_become_one_users_text_files(tmp_path: Path) -> None:
    source = tmp_path / "sources"
    for name in ("b.rst.txt", "a.rst.txt", "c.rst.txt"):
        (source / "library").mkdir(parents=True, exist_ok=True)
        (source / "library" / name).write_text(f"{name}\n\nSome words here.\n")

    corpus = build_python_docs_corpus(source, tmp_path / "corpus", limit=2)

    assert [d.external_id for d in corpus.documents] == ["library/a.rst.txt", "library/b.rst.txt"]
    assert {d.user for d in corpus.documents} == {PYTHON_DOCS_USER}
    assert all(d.fmt == "txt" and d.path.is_file() for d in corpus.documents)

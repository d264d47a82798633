"""bench.chunking on tiny texts: what it measures and reports, never how fast."""

from __future__ import annotations

import pytest

from bench.chunking import generated_text, main, production_chunker, run
from resources.text.sections import markdown_sections


def test_generated_text_has_the_size_and_the_headings_asked_for() -> None:
    plain = generated_text(0.05, headings=False)
    headed = generated_text(0.05, headings=True)

    assert 50_000 <= len(plain.encode("utf-8")) < 52_000
    assert [headings for _, headings in markdown_sections(plain)] == [()]
    assert len(markdown_sections(headed)) > 10


def test_each_size_is_run_without_and_with_headings(capsys: pytest.CaptureFixture[str]) -> None:
    runs = run([0.02, 0.04])

    assert [(r.label, round(r.megabytes, 2)) for r in runs] == [
        ("no headings", 0.02),
        ("no headings", 0.04),
        ("with headings", 0.02),
        ("with headings", 0.04),
    ]
    assert all(r.chunks > 0 and r.mb_per_second > 0 for r in runs)
    assert capsys.readouterr().out.count("MB/s") == 4


def test_the_chunker_is_the_production_one_with_batch_counting() -> None:
    chunks = production_chunker().split(generated_text(0.02, headings=True))

    assert chunks and all(chunk.token_count <= 256 for chunk in chunks)


def test_sizes_and_repeats_must_be_positive() -> None:
    assert main(["--sizes", "0.01", "--repeat", "2"]) == 0
    with pytest.raises(SystemExit):
        main(["--sizes", "0"])
    with pytest.raises(SystemExit):
        main(["--repeat", "0"])

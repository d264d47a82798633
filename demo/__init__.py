"""The bundled sample corpus (three users' files, contacts and tickets) and the document renderers
and synthetic generators that the demo, the tests and the benchmarks build their data with."""

from demo.build import build_sample_corpus, sample_documents
from demo.edits import EDITABLE_FORMATS, edit_one_paragraph, insert_paragraph_at_top
from demo.errors import CorpusSourceError, RenderError, UnsupportedEditError
from demo.queries import EXAMPLE_QUERIES
from demo.render import FORMATS, MEDIA_TYPES, render_document
from demo.sources import Permissions, SampleDocument, SampleUser, normalize_space, sample_users
from demo.summary import SIZE_CLASSES, CorpusSummary, size_class, word_count
from demo.synthetic import SIZE_MIX, generate_synthetic_corpus, synthetic_documents

__all__ = [
    "EDITABLE_FORMATS",
    "EXAMPLE_QUERIES",
    "FORMATS",
    "MEDIA_TYPES",
    "SIZE_CLASSES",
    "SIZE_MIX",
    "CorpusSourceError",
    "CorpusSummary",
    "Permissions",
    "RenderError",
    "SampleDocument",
    "SampleUser",
    "UnsupportedEditError",
    "build_sample_corpus",
    "edit_one_paragraph",
    "generate_synthetic_corpus",
    "insert_paragraph_at_top",
    "normalize_space",
    "render_document",
    "sample_documents",
    "sample_users",
    "size_class",
    "synthetic_documents",
    "word_count",
]

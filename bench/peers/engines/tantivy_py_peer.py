"""tantivy-py (the ``tantivy`` PyPI package): BM25 full text.

One text field ``body`` (SciFact: title + text) with the ``en_stem`` tokenizer
on English data and ``default`` (split on non-alphanumerics, lowercase, no
stemming) on the synthetic corpus, positions indexed; ``id`` stored as an
integer. Queries go through tantivy's query parser: OR by default,
``conjunction_by_default`` for AND, a quoted string for phrases.
"""

from __future__ import annotations

import tantivy

from engines.base import Peer as Base

HEAP = 256 * 1024 * 1024


class Peer(Base):
    name = "tantivy_py"
    package = "tantivy"
    sections = {"fts"}
    fts_modes = {"or", "and", "phrase"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        self.notes.append("threads sets the IndexWriter's num_threads; tantivy-py has no search thread pool, "
                          "so one query runs on one thread")
        self.notes.append("searcher.search(count=False): top-k only, no total hit count")

    def fts_build(self, ids, bodies, english: bool, positions: bool) -> None:
        tokenizer = "en_stem" if english else "default"
        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("id", stored=True, indexed=False)
        sb.add_text_field("body", stored=False, tokenizer_name=tokenizer)  # positions: the default
        self.index_dir = self.workdir / "tantivy"
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(sb.build(), path=str(self.index_dir))
        writer = self.index.writer(HEAP, num_threads=self.threads)
        for i, body in zip(ids.tolist(), bodies.to_pylist()):
            writer.add_document(tantivy.Document(id=i, body=body))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.settings = {"tokenizer": tokenizer, "writer_heap_bytes": HEAP, "bm25": "k1=1.2 b=0.75 (tantivy)",
                         "segments": self.searcher.num_segments}

    def fts_search(self, text: str, mode: str, k: int) -> list[int]:
        if mode == "phrase":
            q = self.index.parse_query(f'"{text}"', ["body"])
        else:
            q = self.index.parse_query(text, ["body"], conjunction_by_default=(mode == "and"))
        s = self.searcher
        return [s.doc(addr)["id"][0] for _, addr in s.search(q, k, count=False).hits]

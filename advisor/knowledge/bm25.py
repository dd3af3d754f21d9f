"""BM25 over every chunk of every knowledge base (bm25s: sparse matrices, no per-document Python loop).

Built from the tokens stored in the catalog, so jieba runs once per chunk at ingest, never per query.
The index is rebuilt when the catalog's generation changes and kept on disk between runs.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.knowledge.catalog import Catalog
from advisor.knowledge.text import tokenize

FORMAT = "v3"  # bump when the cached layout or the tokenizer changes


@dataclass
class _Built:
    generation: int
    retriever: object  # bm25s.BM25
    keys: list[tuple[str, str]]  # position -> (kb, chunk id)
    kbs: _Labels
    domains: _Labels
    languages: _Labels
    _language_of: dict[tuple[str, str], str] | None = None

    def language_of(self) -> dict[tuple[str, str], str]:
        if self._language_of is None:
            names = self.languages.names
            self._language_of = {
                key: names[code] for key, code in zip(self.keys, self.languages.codes.tolist(), strict=True)
            }
        return self._language_of


@dataclass
class _Labels:
    """A string label per position, stored as small integer codes so filters are one vector op."""

    names: list[str]
    codes: np.ndarray

    @classmethod
    def of(cls, values: list[str]) -> _Labels:
        names = sorted(set(values))
        index = {name: i for i, name in enumerate(names)}
        return cls(names, np.array([index[v] for v in values], dtype=np.int32))

    def mask(self, wanted: list[str]) -> np.ndarray:
        codes = [i for i, name in enumerate(self.names) if name in set(wanted)]
        return np.isin(self.codes, codes)


class BM25Index:
    def __init__(self, catalog: Catalog, cache_dir: Path, k1: float = 0.5, b: float = 0.2) -> None:
        self._catalog = catalog
        self._cache_dir = cache_dir
        self._params = {"k1": k1, "b": b}
        self._format = f"{FORMAT}-k{k1}-b{b}"
        self._built: _Built | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Built | None:
        generation = self._catalog.generation()
        with self._lock:
            if self._built is None or self._built.generation != generation:
                self._built = self._load(generation) or self._build(generation)
            return self._built

    def _build(self, generation: int) -> _Built | None:
        import bm25s

        rows = self._catalog.all_tokens()
        if not rows:
            return None
        retriever = bm25s.BM25(**self._params)
        retriever.index([tokens.split() or ["<empty>"] for *_, tokens in rows], show_progress=False)
        built = self._assemble(generation, retriever, [row[:4] for row in rows])
        self._save(built)
        return built

    @staticmethod
    def _assemble(generation: int, retriever: object, labels: list[tuple[str, str, str, str]]) -> _Built:
        """labels: (kb, chunk id, domain, language) per indexed position."""
        keys = [(kb, cid) for kb, cid, _, _ in labels]
        columns = list(zip(*labels, strict=True))
        kbs, domains, languages = (_Labels.of(list(columns[i])) for i in (0, 2, 3))
        return _Built(generation, retriever, keys, kbs, domains, languages)

    def _save(self, built: _Built) -> None:
        target = self._cache_dir / f"{self._format}-{built.generation}"
        tmp = self._cache_dir / f".tmp-{built.generation}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        built.retriever.save(str(tmp), show_progress=False)  # type: ignore[attr-defined]
        labels = [
            (kb, cid, built.domains.names[domain], built.languages.names[language])
            for (kb, cid), domain, language in zip(
                built.keys, built.domains.codes, built.languages.codes, strict=True
            )
        ]
        (tmp / "keys.json").write_text(json.dumps(labels, ensure_ascii=False))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)  # a reader sees a complete index or none
        for old in self._cache_dir.glob("*-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    def _load(self, generation: int) -> _Built | None:
        import bm25s

        folder = self._cache_dir / f"{self._format}-{generation}"
        if not (folder / "keys.json").is_file():
            return None
        try:
            retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
            labels = [tuple(k) for k in json.loads((folder / "keys.json").read_text())]
            return self._assemble(generation, retriever, labels)
        except Exception:
            return None  # a damaged or older cache is rebuilt from the catalog

    def languages(self) -> dict[tuple[str, str], str]:
        """(kb, chunk id) -> chunk language, for every indexed chunk: labels dense hits without asking
        the vector store for metadata, which tripled its query time."""
        built = self._current()
        return built.language_of() if built else {}

    def count(self, kb: str) -> int:
        built = self._current()
        return int(built.kbs.mask([kb]).sum()) if built else 0

    def search(
        self, query: str, n: int, kbs: list[str] | None = None, domains: list[str] | None = None
    ) -> list[tuple[str, str, float, str]]:
        """(kb, chunk id, score, chunk language), best first; only chunks of `kbs` and `domains` when given."""
        built = self._current()
        if built is None:
            return []
        vocab = built.retriever.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        mask = None
        if kbs is not None or domains is not None:
            keep = np.ones(len(built.keys), dtype=bool)
            if kbs is not None:
                keep &= built.kbs.mask(kbs)
            if domains is not None:
                keep &= built.domains.mask(domains)
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        k = min(n, len(built.keys))
        docs, scores = built.retriever.retrieve(  # type: ignore[attr-defined]
            [tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        out = []
        for position, score in zip(docs[0], scores[0], strict=True):
            if score <= 0:
                break
            kb, chunk_id = built.keys[int(position)]
            language = built.languages.names[built.languages.codes[int(position)]]
            out.append((kb, chunk_id, float(score), language))
        return out

"""Router model files: a NumPy ``.npz`` archive read with ``allow_pickle=False``.

The file holds a JSON header (format name and version, labels, parameters, temperature,
training metadata), each block's vocabulary (UTF-8, one term per line) and IDF weights,
and the weight matrix. No pickle is involved, so loading a model file cannot run code;
still, a model decides where appeals go: load only files your office trained.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from qinqing.appeals.routing.model import FeatureBlock, Router, RouterParams, make_vectorizer
from qinqing.core.errors import InvalidInput

FORMAT_NAME = "qinqing-appeals-router"
FORMAT_VERSION = 1


def _vocabulary_terms(block: FeatureBlock) -> list[str]:
    vocabulary = block.vectorizer.vocabulary_
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return terms


def save_router(router: Router, path: str | os.PathLike) -> Path:
    """Write ``router`` to ``path`` (the ``.npz`` suffix is kept as given)."""
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "labels": list(router.labels),
        "params": {**router.params.__dict__, "char_ngrams": list(router.params.char_ngrams)},
        "temperature": router.temperature,
        "blocks": [{"source": b.source, "weight": b.weight} for b in router.blocks],
        "metadata": router.metadata,
    }
    arrays: dict[str, np.ndarray] = {
        "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
        "weights": router.weights.astype(np.float32),
        "intercepts": router.intercepts.astype(np.float64),
    }
    for i, block in enumerate(router.blocks):
        terms = _vocabulary_terms(block)
        if any("\n" in term for term in terms):  # normalised text has no newlines
            raise ValueError("vocabulary term contains a newline")
        arrays[f"vocabulary_{i}"] = np.frombuffer("\n".join(terms).encode(), dtype=np.uint8)
        arrays[f"idf_{i}"] = block.vectorizer.idf_.astype(np.float64)
    path = Path(path)
    with path.open("wb") as handle:  # a file object keeps numpy from appending ".npz"
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]  # numpy stubs: **kwds vs allow_pickle
    return path


def _not_a_model(path: Path, why: str) -> InvalidInput:
    return InvalidInput(
        f"“{path}”不是可用的诉求分类模型文件（{why}）。请用 qinqing appeals train-router 重新训练生成模型。"
    )


def load_router(path: str | os.PathLike) -> Router:
    """Read a model written by :func:`save_router`."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"找不到模型文件“{path}”。请检查路径，或先用 qinqing appeals train-router 训练生成模型。"
        )
    try:
        archive = np.load(path, allow_pickle=False)
        with archive:
            data = {name: archive[name] for name in archive.files}
        header = json.loads(data["header"].tobytes().decode())
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise _not_a_model(path, "无法读取") from exc
    if header.get("format") != FORMAT_NAME:
        raise _not_a_model(path, "格式不符")
    if header.get("version") != FORMAT_VERSION:
        raise _not_a_model(
            path, f"模型格式版本为 {header.get('version')}，本程序只支持 {FORMAT_VERSION}"
        )
    params = RouterParams.from_dict(header["params"])
    blocks = []
    for i, spec in enumerate(header["blocks"]):
        terms = data[f"vocabulary_{i}"].tobytes().decode().split("\n")
        vocabulary = {term: index for index, term in enumerate(terms)}
        vectorizer = make_vectorizer(spec["source"], params, vocabulary=vocabulary)
        vectorizer.idf_ = data[f"idf_{i}"]
        blocks.append(FeatureBlock(spec["source"], float(spec["weight"]), vectorizer))
    return Router(
        labels=tuple(header["labels"]),
        params=params,
        blocks=blocks,
        weights=data["weights"],
        intercepts=data["intercepts"],
        temperature=float(header["temperature"]),
        metadata=header["metadata"],
    )

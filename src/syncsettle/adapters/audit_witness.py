"""The audit log's checkpoints outside the database they protect: an append-only file of JSON lines,
one signed checkpoint each (``tree_size, root, chain_head, signed_at, signature, public_key``).

Someone who can rewrite the database can rewrite its checkpoints table too, and then the log with
its hashes recomputed looks intact. The witness file is kept where the database's administrators
cannot write (another host, a WORM bucket, a transparency log's cosigner); ``audit verify`` refuses
a log that does not reach, or does not match, any checkpoint in it. Appends are flushed and
``fsync``-ed before the checkpoint counts as witnessed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def append(path: str | Path, checkpoint: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(checkpoint, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    with open(target, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read(path: str | Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The witnessed checkpoints, and the line numbers that are not a checkpoint (a damaged file).
    A missing file reads as no checkpoints."""
    target = Path(path)
    if not target.exists():
        return [], []
    found, damaged = [], []
    for n, line in enumerate(target.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not {"tree_size", "root", "chain_head", "signed_at", "signature"} <= set(
                item
            ):
                raise ValueError
            found.append(item)
        except ValueError:
            damaged.append(n)
    return found, damaged

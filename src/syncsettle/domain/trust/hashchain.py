"""Hash chain over the audit log: each entry stores ``SM3(previous chain hash || entry bytes)``.

Why, next to the Merkle tree: the chain makes the log checkable row by row with nothing but the rows
themselves. Editing an entry, deleting one or swapping two breaks the link at the first place touched,
so a single pass names the first bad entry. The chain alone cannot see the newest entries being cut
off (the shortened chain is still valid); an anchored head from a signed checkpoint closes that gap,
which is why :func:`first_bad_entry` takes ``expected_head``.

``prev`` is a fixed-length digest, so ``prev || entry`` cannot be split two ways. The first entry
links to :data:`GENESIS_HASH`. Pure: no I/O.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence

from syncsettle.domain.trust.hashing import SM3_DIGEST_SIZE, HashFn, sm3

GENESIS_HASH = bytes(SM3_DIGEST_SIZE)
"""The "previous hash" of the first entry: 32 zero bytes."""


def chain_hash(prev_hash: bytes, entry: bytes, *, hash_fn: HashFn = sm3) -> bytes:
    """The chain hash of ``entry`` after an entry whose chain hash is ``prev_hash``: ``H(prev || entry)``."""
    return hash_fn(prev_hash + entry)


def build_chain(entries: Iterable[bytes], *, genesis: bytes = GENESIS_HASH, hash_fn: HashFn = sm3) -> list[bytes]:
    """The chain hash of every entry in order, starting from ``genesis``."""
    hashes: list[bytes] = []
    prev = genesis
    for entry in entries:
        prev = chain_hash(prev, entry, hash_fn=hash_fn)
        hashes.append(prev)
    return hashes


def first_bad_entry(
    chain: Sequence[tuple[bytes, bytes]],
    *,
    genesis: bytes = GENESIS_HASH,
    expected_head: bytes | None = None,
    hash_fn: HashFn = sm3,
) -> int | None:
    """Index of the first entry whose stored chain hash does not follow, or ``None`` if all do.

    ``chain`` is the stored log in order, as ``(entry bytes, stored chain hash)`` pairs. An edited
    entry is reported at its own index; a deleted entry at the index of the entry that now follows
    its predecessor; two swapped entries at the earlier position. If ``expected_head`` (the chain
    hash of the last entry, taken from a signed checkpoint) is given and the chain is otherwise
    intact but ends on a different hash, entries were cut off the end and the answer is
    ``len(chain)``, the index where the first missing entry should be.
    """
    prev = genesis
    for index, (entry, stored) in enumerate(chain):
        if not hmac.compare_digest(chain_hash(prev, entry, hash_fn=hash_fn), stored):
            return index
        prev = stored
    if expected_head is not None and not hmac.compare_digest(prev, expected_head):
        return len(chain)
    return None

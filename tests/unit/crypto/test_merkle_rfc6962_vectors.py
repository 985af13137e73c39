"""The Merkle tree against the RFC 6962 reference vectors (SHA-256).

Source: transparency-dev/merkle, ``proof/verify_test.go`` (commit 02194e9afb6c1d95b5381350007963aa70fff472),
the successor of google/certificate-transparency's reference tests: the 8-leaf tree, its roots for
1..8 leaves, and the published inclusion and consistency proofs. The corrupted-proof probes mirror the
ones that file runs (wrong index, wrong size, wrong leaf or root, extra, missing or flipped elements).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from syncsettle.domain.trust.merkle import (
    SHA256_TREE,
    consistency_proof,
    hash_leaves,
    inclusion_proof,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    tree_head,
    verify_consistency,
    verify_inclusion,
)

H = SHA256_TREE

LEAVES = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
]
LEAF_HASHES = hash_leaves(LEAVES, H)

ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
"""``ROOTS[n - 1]`` is the root of the first ``n`` leaves."""

EMPTY_TREE_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hashes(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# (0-based leaf index, tree size, proof). The Go file numbers leaves from 1.
INCLUSION_PROOFS = [
    (
        0,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (0, 1, []),
]

# (old size, new size, proof)
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


def _flip(proof: list[bytes], i: int, mask: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ mask]) + changed[i][1:]
    return changed


@pytest.mark.parametrize("n", range(1, 9))
def test_root_of_first_n_leaves(n: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:n], H) == ROOTS[n - 1]
    assert tree_head(LEAVES[:n], H) == ROOTS[n - 1]


def test_empty_tree_root_is_hash_of_nothing() -> None:
    assert tree_head([], H) == EMPTY_TREE_ROOT


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proof_generation_matches_reference(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(LEAF_HASHES[:size], index, H) == proof


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_reference_inclusion_proof_verifies(index: int, size: int, proof: list[bytes]) -> None:
    root, leaf = ROOTS[size - 1], LEAF_HASHES[index]
    assert root_from_inclusion_proof(leaf, index, size, proof, H) == root
    assert verify_inclusion(leaf, index, size, proof, root, H)


@dataclass(frozen=True)
class InclusionProbe:
    desc: str
    index: int
    size: int
    leaf: bytes
    proof: list[bytes]
    root: bytes


def _inclusion_probes() -> list[InclusionProbe]:
    probes: list[InclusionProbe] = []
    for index, size, proof in INCLUSION_PROOFS:
        if not proof:
            continue
        leaf, root = LEAF_HASHES[index], ROOTS[size - 1]
        base = f"leaf {index} of {size}: "
        probes += [
            InclusionProbe(base + "index - 1", index - 1, size, leaf, proof, root),
            InclusionProbe(base + "index + 1", index + 1, size, leaf, proof, root),
            InclusionProbe(base + "index ^ 2", index ^ 2, size, leaf, proof, root),
            InclusionProbe(base + "size * 2", index, size * 2, leaf, proof, root),
            InclusionProbe(base + "size / 2", index, size // 2, leaf, proof, root),
            InclusionProbe(base + "wrong leaf", index, size, b"WrongLeaf", proof, root),
            InclusionProbe(base + "other leaf hash", index, size, SOME_HASH, proof, root),
            InclusionProbe(base + "empty root", index, size, leaf, proof, EMPTY_TREE_ROOT),
            InclusionProbe(base + "random root", index, size, leaf, proof, SOME_HASH),
            InclusionProbe(base + "trailing garbage", index, size, leaf, [*proof, b""], root),
            InclusionProbe(base + "trailing root", index, size, leaf, [*proof, root], root),
            InclusionProbe(base + "preceding garbage", index, size, leaf, [b"", *proof], root),
            InclusionProbe(base + "preceding root", index, size, leaf, [root, *proof], root),
            InclusionProbe(base + "removed component", index, size, leaf, proof[:-1], root),
        ]
        for i in range(len(proof)):
            probes.append(InclusionProbe(base + f"proof[{i}] bit 3", index, size, leaf, _flip(proof, i, 8), root))
        if len(proof) > 1:
            inserted = [proof[0], SOME_HASH, *proof[1:]]
            probes.append(InclusionProbe(base + "inserted component", index, size, leaf, inserted, root))
    return probes


@pytest.mark.parametrize("probe", _inclusion_probes(), ids=lambda p: p.desc)
def test_corrupted_inclusion_proof_fails(probe: InclusionProbe) -> None:
    assert not verify_inclusion(probe.leaf, probe.index, probe.size, probe.proof, probe.root, H)


def test_single_leaf_tree() -> None:
    leaf = H.leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf, H)
    assert not verify_inclusion(leaf, 0, 1, [], b"", H)
    assert not verify_inclusion(b"", 0, 1, [], leaf, H)
    assert not verify_inclusion(b"", 0, 1, [], b"", H)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (-1, 1)])
def test_index_outside_tree_never_verifies(index: int, size: int) -> None:
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_TREE_ROOT, H)
    assert not verify_inclusion(SOME_HASH, index, size, [], SOME_HASH, H)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proof_generation_matches_reference(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAF_HASHES[:new], old, H) == proof


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_reference_consistency_proof_verifies(old: int, new: int, proof: list[bytes]) -> None:
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof, H)


@dataclass(frozen=True)
class ConsistencyProbe:
    desc: str
    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


def _consistency_probes() -> list[ConsistencyProbe]:
    probes: list[ConsistencyProbe] = []
    for old, new, proof in CONSISTENCY_PROOFS:
        if not proof:
            continue
        r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
        base = f"{old} to {new}: "
        probes += [
            ConsistencyProbe(base + "old - 1", old - 1, new, r1, r2, proof),
            ConsistencyProbe(base + "old + 1", old + 1, new, r1, r2, proof),
            ConsistencyProbe(base + "old ^ 2", old ^ 2, new, r1, r2, proof),
            ConsistencyProbe(base + "new * 2", old, new * 2, r1, r2, proof),
            ConsistencyProbe(base + "new / 2", old, new // 2, r1, r2, proof),
            ConsistencyProbe(base + "wrong old root", old, new, b"WrongRoot", r2, proof),
            ConsistencyProbe(base + "wrong new root", old, new, r1, b"WrongRoot", proof),
            ConsistencyProbe(base + "other old root", old, new, SOME_HASH, r2, proof),
            ConsistencyProbe(base + "other new root", old, new, r1, SOME_HASH, proof),
            ConsistencyProbe(base + "swapped roots", old, new, r2, r1, proof),
            ConsistencyProbe(base + "empty proof", old, new, r1, r2, []),
            ConsistencyProbe(base + "trailing garbage", old, new, r1, r2, [*proof, b""]),
            ConsistencyProbe(base + "trailing old root", old, new, r1, r2, [*proof, r1]),
            ConsistencyProbe(base + "trailing new root", old, new, r1, r2, [*proof, r2]),
            ConsistencyProbe(base + "preceding garbage", old, new, r1, r2, [b"", *proof]),
            ConsistencyProbe(base + "preceding old root", old, new, r1, r2, [r1, *proof]),
            ConsistencyProbe(base + "preceding new root", old, new, r1, r2, [r2, *proof]),
            ConsistencyProbe(base + "preceding proof[0]", old, new, r1, r2, [proof[0], *proof]),
            ConsistencyProbe(base + "truncated proof", old, new, r1, r2, proof[:-1]),
        ]
        for i in range(len(proof)):
            probes.append(ConsistencyProbe(base + f"proof[{i}] bit 4", old, new, r1, r2, _flip(proof, i, 16)))
    return probes


@pytest.mark.parametrize("probe", _consistency_probes(), ids=lambda p: p.desc)
def test_corrupted_consistency_proof_fails(probe: ConsistencyProbe) -> None:
    assert not verify_consistency(probe.old, probe.new, probe.old_root, probe.new_root, probe.proof, H)


ROOT_A, ROOT_B = ROOTS[0], ROOTS[1]


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "ok"),
    [
        (0, 0, ROOT_A, ROOT_B, [], False),
        (1, 1, ROOT_A, ROOT_B, [], False),
        (0, 0, ROOT_A, ROOT_A, [], True),
        (0, 1, ROOT_A, ROOT_B, [], True),
        (1, 1, ROOT_B, ROOT_B, [], True),
        (1, 0, ROOT_A, ROOT_B, [], False),  # a log never shrinks
        (2, 1, ROOT_A, ROOT_B, [], False),
        (1, 2, ROOT_A, ROOT_B, [], False),  # growth needs a proof
        (0, 0, EMPTY_TREE_ROOT, ROOT_B, [], False),
        (1, 1, EMPTY_TREE_ROOT, ROOT_B, [], False),
        (0, 0, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, [EMPTY_TREE_ROOT], False),  # trivial cases take no proof
        (0, 1, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, [EMPTY_TREE_ROOT], False),
        (1, 1, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, [EMPTY_TREE_ROOT], False),
    ],
)
def test_trivial_consistency_cases(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes], ok: bool
) -> None:
    assert verify_consistency(old, new, old_root, new_root, proof, H) is ok


def test_generation_rejects_impossible_arguments() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAF_HASHES, 8, H)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof([], 0, H)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAF_HASHES, 9, H)
    assert consistency_proof(LEAF_HASHES, 0, H) == []
    assert consistency_proof(LEAF_HASHES, 8, H) == []

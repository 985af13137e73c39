"""The audit hash chain names the first edited, deleted or reordered entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncsettle.domain.trust.hashchain import GENESIS_HASH, build_chain, chain_hash, first_bad_entry
from syncsettle.domain.trust.hashing import sha256, sm3

ENTRIES = [f"release #{i}: insured 3701**********1234 read by insurer A".encode() for i in range(6)]

entries_st = st.lists(st.binary(max_size=16), min_size=1, max_size=20, unique=True)


def _stored(entries: list[bytes]) -> list[tuple[bytes, bytes]]:
    return list(zip(entries, build_chain(entries), strict=True))


def test_chain_hash_is_sm3_of_previous_then_entry() -> None:
    assert chain_hash(GENESIS_HASH, b"abc") == sm3(bytes(32) + b"abc")
    assert chain_hash(b"\x01" * 32, b"abc", hash_fn=sha256) == sha256(b"\x01" * 32 + b"abc")


def test_build_chain_links_each_entry_to_the_previous_hash() -> None:
    hashes = build_chain(ENTRIES)
    assert hashes[0] == chain_hash(GENESIS_HASH, ENTRIES[0])
    for i in range(1, len(ENTRIES)):
        assert hashes[i] == chain_hash(hashes[i - 1], ENTRIES[i])


def test_intact_chain_has_no_bad_entry() -> None:
    assert first_bad_entry(_stored(ENTRIES)) is None
    assert first_bad_entry([]) is None
    assert first_bad_entry(_stored(ENTRIES), expected_head=build_chain(ENTRIES)[-1]) is None


def test_edited_entry_is_reported_at_its_index() -> None:
    chain = _stored(ENTRIES)
    chain[3] = (b"release #3: nothing to see", chain[3][1])
    assert first_bad_entry(chain) == 3


def test_edited_entry_with_recomputed_hash_is_reported_at_the_next_entry() -> None:
    chain = _stored(ENTRIES)
    forged = b"release #3: nothing to see"
    chain[3] = (forged, chain_hash(chain[2][1], forged))
    assert first_bad_entry(chain) == 4


def test_edited_stored_hash_is_reported() -> None:
    chain = _stored(ENTRIES)
    chain[2] = (chain[2][0], bytes(32))
    assert first_bad_entry(chain) == 2


def test_deleted_entry_is_reported_where_the_gap_is() -> None:
    chain = _stored(ENTRIES)
    del chain[2]
    assert first_bad_entry(chain) == 2
    chain = _stored(ENTRIES)
    del chain[0]
    assert first_bad_entry(chain) == 0


def test_reordered_entries_are_reported_at_the_earlier_position() -> None:
    chain = _stored(ENTRIES)
    chain[1], chain[4] = chain[4], chain[1]
    assert first_bad_entry(chain) == 1


def test_cut_off_tail_needs_the_anchored_head() -> None:
    head = build_chain(ENTRIES)[-1]
    chain = _stored(ENTRIES)[:4]
    assert first_bad_entry(chain) is None  # the chain alone cannot see it
    assert first_bad_entry(chain, expected_head=head) == 4


def test_other_genesis_and_hash() -> None:
    genesis = b"\xaa" * 32
    chain = list(zip(ENTRIES, build_chain(ENTRIES, genesis=genesis, hash_fn=sha256), strict=True))
    assert first_bad_entry(chain, genesis=genesis, hash_fn=sha256) is None
    assert first_bad_entry(chain) == 0


@given(entries_st, st.data())
def test_any_single_edit_is_found_at_its_index(entries: list[bytes], data: st.DataObject) -> None:
    chain = _stored(entries)
    index = data.draw(st.integers(0, len(entries) - 1))
    other = data.draw(st.binary(max_size=16).filter(lambda b: b != entries[index]))
    chain[index] = (other, chain[index][1])
    assert first_bad_entry(chain) == index


@given(entries_st, st.data())
def test_any_deletion_but_the_last_is_found(entries: list[bytes], data: st.DataObject) -> None:
    chain = _stored(entries)
    head = chain[-1][1]
    index = data.draw(st.integers(0, len(entries) - 1))
    del chain[index]
    expected = index if index < len(entries) - 1 else len(entries) - 1
    assert first_bad_entry(chain, expected_head=head) == expected


@given(entries_st.filter(lambda e: len(e) >= 2), st.data())
def test_any_swap_is_found_at_the_earlier_position(entries: list[bytes], data: st.DataObject) -> None:
    chain = _stored(entries)
    i = data.draw(st.integers(0, len(entries) - 2))
    j = data.draw(st.integers(i + 1, len(entries) - 1))
    chain[i], chain[j] = chain[j], chain[i]
    assert first_bad_entry(chain) == i

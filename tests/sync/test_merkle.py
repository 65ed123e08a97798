"""Tests for sync.protocol.merkle: RFC 6962/9162 known answers, exhaustive small trees checked
against a naive recursive reference from the RFC text, and hypothesis properties."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    consistency_proof,
    fold_subtrees,
    inclusion_proof,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


def _hashes(blob: str) -> list[bytes]:
    return [bytes.fromhex(blob[i : i + 64]) for i in range(0, len(blob), 64)]


# Reference data of the RFC 6962 test tree, as published in transparency-dev/merkle
# (proof/verify_test.go, inherited from google/certificate-transparency) and repeated
# verbatim by many independent implementations. Sizes 0..8; size 0 is SHA-256("").
CT_LEAVES = [
    bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")
] + [bytes.fromhex("606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = _hashes(
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
)
# Proof hashes from the same source, named below by their first four hex digits.
_H = {
    h.hex()[:4]: h
    for h in CT_ROOTS
    + _hashes(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
    )
}
# The source numbers leaves from 1; these indexes are 0-based.
INCLUSION_VECTORS = [
    (0, 8, "96a2 5f08 6b47"),
    (5, 8, "bc1a ca85 d37e"),
    (2, 3, "fac5"),
    (1, 5, "6e34 5f08 bc1a"),
    (0, 1, ""),
]
CONSISTENCY_VECTORS = [
    (1, 1, ""),
    (1, 8, "96a2 5f08 6b47"),
    (6, 8, "0ebc ca85 d37e"),
    (2, 5, "5f08 bc1a"),
    (6, 7, "0ebc b086 d37e"),
]


# Naive recursive reference transcribed from RFC 9162 2.1, independent of the code under test.
def _k(n: int) -> int:
    return max(k for k in (1 << e for e in range(n.bit_length())) if k < n)


def ref_mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


MAX_EXHAUSTIVE = 64
LEAVES = [leaf_hash(b"entry-%d" % i) for i in range(MAX_EXHAUSTIVE + 2)]
ROOTS = [ref_mth(LEAVES[:n]) for n in range(len(LEAVES) + 1)]
CT_HASHES = [leaf_hash(x) for x in CT_LEAVES]
MANY = [leaf_hash(i.to_bytes(8, "big")) for i in range(3000)]
hash32 = st.binary(min_size=HASH_SIZE, max_size=HASH_SIZE)


@pytest.mark.parametrize("size", range(9))
def test_ct_roots(size: int) -> None:
    assert CT_ROOTS[0] == EMPTY_ROOT
    assert root_hash(CT_HASHES[:size]) == CT_ROOTS[size]
    assert ref_mth(CT_HASHES[:size]) == CT_ROOTS[size]
    cr = CompactRange()
    cr.extend(CT_HASHES[:size])
    assert (cr.size, cr.root()) == (size, CT_ROOTS[size])


def test_ct_proof_vectors() -> None:
    for index, size, names in INCLUSION_VECTORS:
        expected = [_H[n] for n in names.split()]
        assert inclusion_proof(CT_HASHES[:size], index) == expected
        assert verify_inclusion(CT_HASHES[index], index, size, expected, CT_ROOTS[size])
    for old, new, names in CONSISTENCY_VECTORS:
        expected = [_H[n] for n in names.split()]
        assert consistency_proof(CT_HASHES[:new], old) == expected
        assert verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], expected)


@pytest.mark.parametrize("n", range(1, MAX_EXHAUSTIVE + 1))
def test_exhaustive_inclusion(n: int) -> None:
    leaves, root = LEAVES[:n], ROOTS[n]
    cr = CompactRange()
    cr.extend(leaves)
    assert root_hash(leaves) == cr.root() == root
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        assert proof == ref_path(i, leaves)
        assert verify_inclusion(leaves[i], i, n, proof, root)
        for j in range(len(proof)):
            bad = [*proof[:j], flip(proof[j], j % 8), *proof[j + 1 :]]
            assert not verify_inclusion(leaves[i], i, n, bad, root)
        assert not verify_inclusion(flip(leaves[i]), i, n, proof, root)
        assert not verify_inclusion(leaves[i], i, n, proof, flip(root, 7))
        assert not verify_inclusion(leaves[i], i, n, [*proof, root], root)
        if proof:
            assert not verify_inclusion(leaves[i], i, n, proof[:-1], root)
        # The same proof presented for a neighbouring head (its genuine root) must fail.
        assert not verify_inclusion(leaves[i], i, n + 1, proof, ROOTS[n + 1])
        if i < n - 1:
            assert not verify_inclusion(leaves[i], i, n - 1, proof, ROOTS[n - 1])
        for other in {i - 1, i + 1} & set(range(n)):
            assert not verify_inclusion(leaves[i], other, n, proof, root)
        assert not verify_inclusion(leaves[i], n, n, proof, root)


@pytest.mark.parametrize("n", range(1, MAX_EXHAUSTIVE + 1))
def test_exhaustive_consistency(n: int) -> None:
    leaves = LEAVES[:n]
    assert consistency_proof(leaves, 0) == []
    assert verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], [])
    assert not verify_consistency(0, n, ROOTS[1], ROOTS[n], [])
    for m in range(1, n + 1):
        proof = consistency_proof(leaves, m)
        assert proof == (ref_subproof(m, leaves, True) if m < n else [])
        assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)
        for j in range(len(proof)):
            bad = [*proof[:j], flip(proof[j], j % 8), *proof[j + 1 :]]
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], bad)
        assert not verify_consistency(m, n, flip(ROOTS[m]), ROOTS[n], proof)
        assert not verify_consistency(m, n, ROOTS[m], flip(ROOTS[n]), proof)
        assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], [*proof, ROOTS[n]])
        if proof:
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], proof[:-1])
            assert not verify_consistency(m, n, ROOTS[n], ROOTS[m], proof)
        # Wrong sizes, each with the genuine root for that size.
        assert not verify_consistency(m, n + 1, ROOTS[m], ROOTS[n + 1], proof)
        if m > 1 or proof:
            # (0, n) with an empty proof is genuinely valid, hence the guard.
            assert not verify_consistency(m - 1, n, ROOTS[m - 1], ROOTS[n], proof)
        if m < n:
            assert not verify_consistency(m + 1, n, ROOTS[m + 1], ROOTS[n], proof)
            assert not verify_consistency(n, m, ROOTS[n], ROOTS[m], proof)


def test_edge_cases_and_bad_arguments() -> None:
    two = LEAVES[:2]
    for bad_call in (
        lambda: inclusion_proof(two, 2),
        lambda: inclusion_proof(two, -1),
        lambda: inclusion_proof([], 0),
        lambda: consistency_proof(two, 3),
        lambda: consistency_proof(two, -1),
        lambda: root_hash([b"short"]),
        lambda: inclusion_proof([LEAVES[0], b"x" * 33], 0),
        lambda: CompactRange().append(b"x" * 31),
    ):
        with pytest.raises(ValueError):
            bad_call()
    assert consistency_proof(two, 2) == []
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, ROOTS[1], ROOTS[1], [])
    assert not verify_consistency(-1, 1, EMPTY_ROOT, ROOTS[1], [])
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [b""])
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(LEAVES[0], -1, 1, [], LEAVES[0])
    assert not verify_inclusion(LEAVES[0], 0, 2, [LEAVES[1] + b"\x00"], ROOTS[2])
    assert not verify_inclusion(b"", 0, 1, [], b"")


def test_compact_range_full_and_serialization_layout() -> None:
    cr = CompactRange()
    cr.extend(LEAVES[:5])
    raw = cr.to_bytes()
    assert raw == (5).to_bytes(8, "big") + ROOTS[4] + LEAVES[4]
    assert cr.hashes == (ROOTS[4], LEAVES[4])
    assert CompactRange.from_bytes(CompactRange().to_bytes()) == CompactRange()
    full = CompactRange.from_bytes(b"\xff" * 8 + b"\x00" * (64 * HASH_SIZE))
    assert full.size == 2**64 - 1
    with pytest.raises(ValueError):
        full.append(LEAVES[0])


def test_root_of_a_large_tree_splits_at_the_largest_power_of_two() -> None:
    # Speed is measured in benchmarks/audit_bench.py, never asserted here.
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(1_000_000)]
    root = root_hash(leaves)
    # 2**19 is the largest power of two below 1e6, so this is the RFC's top-level split.
    assert root == node_hash(root_hash(leaves[: 2**19]), root_hash(leaves[2**19 :]))


@given(st.lists(hash32, max_size=300), st.lists(hash32, max_size=50))
def test_compact_range_root_and_round_trip(first: list[bytes], more: list[bytes]) -> None:
    cr = CompactRange()
    cr.extend(first)
    assert (cr.size, cr.root()) == (len(first), root_hash(first))
    raw = cr.to_bytes()
    assert len(raw) == 8 + HASH_SIZE * len(cr.hashes) == 8 + HASH_SIZE * len(first).bit_count()
    restored = CompactRange.from_bytes(raw)
    assert restored == cr
    assert restored.to_bytes() == raw
    # A restored range must keep growing exactly like the original.
    restored.extend(more)
    assert restored.root() == root_hash(first + more)


def _framed(size: int, body: bytes) -> bytes:
    return size.to_bytes(8, "big") + body


# Framed inputs reach the length check with plausible sizes, not just a short header.
@given(
    st.binary(max_size=400)
    | st.builds(_framed, st.integers(0, 2**64 - 1), st.binary(max_size=400))
    | st.builds(_framed, st.integers(0, 2**12), st.binary(max_size=12 * 32))
)
def test_compact_range_from_bytes_only_raises_value_error(data: bytes) -> None:
    try:
        cr = CompactRange.from_bytes(data)
    except ValueError:
        return
    assert cr.to_bytes() == data


@settings(deadline=None)
@given(st.data())
def test_random_consistency_and_inclusion(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, len(MANY)), label="n")
    m = data.draw(st.integers(0, n), label="m")
    leaves = MANY[:n]
    old_root, new_root = root_hash(leaves[:m]), root_hash(leaves)
    proof = consistency_proof(leaves, m)
    assert verify_consistency(m, n, old_root, new_root, proof)
    if proof:
        assert not verify_consistency(m, n, old_root, new_root, [flip(proof[0]), *proof[1:]])
    i = data.draw(st.integers(0, n - 1), label="i")
    path = inclusion_proof(leaves, i)
    assert verify_inclusion(leaves[i], i, n, path, new_root)
    assert not verify_inclusion(leaves[i], i, n, path, old_root if m != n else flip(new_root))


def test_append_subtrees_returns_the_roots_each_append_completes() -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(600)]
    frontier = CompactRange()
    for size, leaf in enumerate(leaves, 1):
        completed = frontier.append_subtrees(leaf)
        # One root per trailing zero bit of the new size, plus the leaf itself.
        assert len(completed) == (size & -size).bit_length()
        for height, root in enumerate(completed):
            assert root == ref_mth(leaves[size - (1 << height):size])
        assert frontier.root() == ref_mth(leaves[:size])


@pytest.mark.parametrize("hi", [1, 2, 3, 7, 8, 255, 256, 257, 300, 511, 600])
def test_a_range_folds_from_its_aligned_perfect_subtrees(hi: int) -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(hi)]
    # Every range an RFC 9162 tree is made of: lo a multiple of a power of two >= hi - lo.
    for width in (1 << k for k in range(11)):
        for lo in range(0, hi, width):
            if hi - lo > width:
                continue
            parts = perfect_subtrees(lo, hi)
            assert all(start % (1 << height) == 0 for start, height in parts)
            assert sum(1 << height for _start, height in parts) == hi - lo
            roots = [ref_mth(leaves[start:start + (1 << height)]) for start, height in parts]
            assert fold_subtrees(roots) == ref_mth(leaves[lo:hi])
    assert fold_subtrees([]) == EMPTY_ROOT
    with pytest.raises(ValueError):
        perfect_subtrees(5, 4)

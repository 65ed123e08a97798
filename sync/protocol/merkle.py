"""RFC 9162 (Certificate Transparency v2) Merkle tree math over SHA-256, with no I/O.

The audit trail is an append-only log whose integrity the desktop client and HQ must be
able to check independently: an inclusion proof shows one entry is in a signed tree head,
and a consistency proof shows a later head only appended to an earlier one. Both sides
must compute bit-identical hashes, so this module follows RFC 9162 section 2.1 exactly
(leaf/node domain-separation prefixes, the split at the largest power of two, and the
verification algorithms of 2.1.3.2 and 2.1.4.2). ``CompactRange`` keeps only the right
edge of perfect subtrees so a log can append and report its root without re-reading leaves.

The proof walks (``inclusion_path``, ``consistency_path``) take the tree's node hashes from a
function, so a log that stores some interior nodes proves in O(log n) reads (the desktop's
tiles, docs/decisions/0021-merkle-tiles.md) with the same code that proves over a list of
leaves here; ``CompactRange.append_subtrees`` hands such a log the subtree roots an append
completes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "SubtreeHash",
    "consistency_path",
    "consistency_proof",
    "fold_subtrees",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

# The prefixes make a leaf hash and an interior-node hash of the same bytes differ, which
# is what stops a forged proof from presenting an interior node as a leaf (RFC 9162 2.1.1).
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_SIZE_BYTES = 8

# subtree(lo, hi) -> MTH of leaves lo..hi-1, for the proof walkers below.
SubtreeHash = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (``n`` >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _check_leaves(leaf_hashes: Sequence[bytes]) -> None:
    # A wrong-length "hash" would still produce a root, just one no other implementation
    # agrees with; failing loudly is cheaper than debugging a silent fork later.
    # map() keeps this at C speed; it is a measurable share of hashing a million leaves.
    kinds_ok = all(issubclass(k, bytes | bytearray) for k in set(map(type, leaf_hashes)))
    if not kinds_ok or set(map(len, leaf_hashes)) - {HASH_SIZE}:
        raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")


def _mth(leaves: Sequence[bytes]) -> bytes:
    """Unchecked MTH, computed level by level rather than by recursion.

    Pairing neighbours and promoting an unpaired last node unchanged yields exactly the
    RFC's split-at-largest-power-of-two tree, with one hash call per interior node.
    """
    if not leaves:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    prefix = _NODE_PREFIX
    level: Sequence[bytes] = leaves
    while len(level) > 1:
        pairs = iter(level)
        # zip over one iterator yields (level[0], level[1]), (level[2], level[3]), ...
        nxt = [sha256(prefix + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return bytes(level[0])


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash of the given leaf hashes; the empty tree hashes to EMPTY_ROOT."""
    _check_leaves(leaf_hashes)
    return _mth(leaf_hashes)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of all ``leaf_hashes`` (RFC 9162 2.1.3.1)."""
    _check_leaves(leaf_hashes)
    return inclusion_path(lambda lo, hi: _mth(leaf_hashes[lo:hi]), index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Proof that the first ``old_size`` leaves are a prefix of all ``leaf_hashes``.

    Follows SUBPROOF of RFC 9162 2.1.4.1; empty when ``old_size`` is 0 or the full size.
    """
    _check_leaves(leaf_hashes)
    return consistency_path(lambda lo, hi: _mth(leaf_hashes[lo:hi]), old_size,
                            len(leaf_hashes))


def inclusion_path(subtree: SubtreeHash, index: int, size: int) -> list[bytes]:
    """RFC 9162 2.1.3.1 for a tree of ``size`` leaves whose node hashes come from
    ``subtree(lo, hi)`` (the MTH of leaves lo..hi-1): a log that stores interior nodes
    answers in O(log n) node reads instead of rehashing every leaf."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    # Walk down from the root; the RFC lists siblings leaf-first, so collect and reverse.
    siblings: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            siblings.append(subtree(mid, hi))
            hi = mid
        else:
            siblings.append(subtree(lo, mid))
            lo = mid
    siblings.reverse()
    return siblings


def consistency_path(subtree: SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 2.1.4.1 (SUBPROOF) with node hashes from ``subtree``, as `inclusion_path`."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} out of range for tree size {new_size}")
    if old_size in (0, new_size):
        return []
    suffix: list[bytes] = []
    lo, hi, m = 0, new_size, old_size
    # True while the old tree is still a whole subtree the verifier already knows the root
    # of (the RFC's "b" flag); once we step right it must be supplied in the proof.
    known = True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            suffix.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            suffix.append(subtree(lo, lo + k))
            lo += k
            m -= k
            known = False
    proof = [] if known else [subtree(lo, hi)]
    proof.extend(reversed(suffix))
    return proof


def perfect_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The aligned perfect subtrees that tile leaves lo..hi-1, left to right, as (start,
    height): each starts at a multiple of its own width. For the ranges an RFC 9162 tree
    is made of (``lo`` a multiple of a power of two >= ``hi - lo``) they are the binary
    digits of ``hi - lo``, largest first, and `fold_subtrees` of their roots is the MTH."""
    if not 0 <= lo <= hi:
        raise ValueError(f"bad leaf range {lo}..{hi}")
    parts: list[tuple[int, int]] = []
    while lo < hi:
        height = (hi - lo).bit_length() - 1
        if lo:
            height = min(height, (lo & -lo).bit_length() - 1)
        parts.append((lo, height))
        lo += 1 << height
    return parts


def fold_subtrees(roots: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees' roots, largest (leftmost) first: the RFC
    tree hangs smaller subtrees off the right, so fold from the right."""
    if not roots:
        return EMPTY_ROOT
    acc = bytes(roots[-1])
    for h in reversed(roots[:-1]):
        acc = node_hash(h, acc)
    return acc


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` place ``leaf_hash`` at ``index`` under ``root``?"""
    if not 0 <= index < tree_size:
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    fn, sn = index, tree_size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Skip the levels where this node was promoted without a right sibling.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree (new_size, new_root) an append-only extension of
    (old_size, old_root)?

    Edge cases the RFC leaves to the caller: equal sizes need an empty proof and equal
    roots; an empty old tree needs an empty proof and ``old_root == EMPTY_ROOT``.
    """
    if not 0 <= old_size <= new_size:
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and all(_is_hash(p) for p in proof)):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root and (old_size > 0 or old_root == EMPTY_ROOT)
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = [bytes(p) for p in proof]
    if old_size & (old_size - 1) == 0:
        # A power-of-two old tree is a complete left subtree: its root is the seed.
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class CompactRange:
    """Right-edge frontier of a growing log: one perfect-subtree root per set bit of size.

    Appending merges equal-height subtrees like binary carry propagation, so it costs
    O(1) hashes amortised and O(log n) worst case, and the root at the current size is
    available without touching stored leaves; ``to_bytes`` is small enough to persist.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        # Subtree roots ordered left to right, i.e. highest set bit of size first.
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier subtree roots, largest (leftmost) first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash (already hashed with ``leaf_hash()``) at the right edge."""
        self.append_subtrees(leaf_hash)

    def append_subtrees(self, leaf_hash: bytes) -> list[bytes]:
        """`append`, returning the root of every perfect subtree the leaf completes: item
        ``h`` is the subtree of height ``h`` (``2**h`` leaves) that ends at the new size,
        item 0 the leaf itself. A log that keeps some interior nodes stores them from here
        without hashing anything twice."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        if self._size >= (1 << (8 * _SIZE_BYTES)) - 1:
            raise ValueError("compact range is full (size must fit in 64 bits)")
        merged = bytes(leaf_hash)
        completed = [merged]
        carry = self._size
        while carry & 1:
            merged = node_hash(self._hashes.pop(), merged)
            completed.append(merged)
            carry >>= 1
        self._hashes.append(merged)
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append each of ``leaf_hashes`` in order."""
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """MTH of all leaves appended so far (EMPTY_ROOT when empty)."""
        return fold_subtrees(self._hashes)

    def to_bytes(self) -> bytes:
        """8-byte big-endian size, then the frontier hashes, highest subtree first."""
        return self._size.to_bytes(_SIZE_BYTES, "big") + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactRange:
        """Inverse of ``to_bytes``; raises ValueError unless the length matches the size."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValueError("compact range must be bytes")
        raw = bytes(data)
        if len(raw) < _SIZE_BYTES:
            raise ValueError("compact range shorter than its size header")
        size = int.from_bytes(raw[:_SIZE_BYTES], "big")
        expected = _SIZE_BYTES + HASH_SIZE * size.bit_count()
        if len(raw) != expected:
            raise ValueError(f"compact range of size {size} needs {expected} bytes, not {len(raw)}")
        result = cls()
        result._size = size
        result._hashes = [raw[i : i + HASH_SIZE] for i in range(_SIZE_BYTES, expected, HASH_SIZE)]
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"

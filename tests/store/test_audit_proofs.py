"""One event shown to a court on its own; HQ checking that the log only grew."""

from __future__ import annotations

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.store import audit
from sync.protocol.merkle import leaf_hash, verify_consistency, verify_inclusion
from tests.conftest import World


def test_inclusion_and_consistency_proofs_from_the_store(world: World) -> None:
    first = world.store.sign_tree_head()
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "我不申请回避")
    second = world.store.sign_tree_head()
    assert second.head.tree_size > first.head.tree_size
    public = audit.device_public_keys(world.store.conn)[second.key_id]
    assert first.verify(public)
    assert second.verify(public)

    # The turn's event alone, with its proof, checks out against the signed head.
    event = audit.events_about(world.store.conn, turn.id)[0]
    proof = audit.prove_inclusion(world.store.conn, event.idx, second.head.tree_size)
    assert verify_inclusion(leaf_hash(event.leaf_data()), event.idx, second.head.tree_size,
                            proof, second.head.root_hash)
    assert "我不申请回避" not in event.leaf_data().decode("utf-8")  # no content in the trail

    # HQ holding the first head can see the log only grew.
    consistency = audit.prove_consistency(world.store.conn, first.head.tree_size,
                                          second.head.tree_size)
    assert verify_consistency(first.head.tree_size, second.head.tree_size,
                              first.head.root_hash, second.head.root_hash, consistency)
    assert not verify_consistency(first.head.tree_size, second.head.tree_size,
                                  second.head.root_hash, second.head.root_hash, consistency)


def test_signing_twice_at_the_same_size_returns_the_same_head(world: World) -> None:
    with world.store.transaction() as tx:
        one = audit.sign_head(tx.conn, world.store.store_id, tx.at)
        two = audit.sign_head(tx.conn, world.store.store_id, tx.at)
    assert one == two
    assert len(audit.heads(world.store.conn, world.store.store_id)) == 1

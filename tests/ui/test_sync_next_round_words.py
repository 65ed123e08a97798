"""The sync panel says when HQ is visited next in the words of what happens then: a routine
sync after everything went through, a new try after a round that left something."""

from __future__ import annotations

from desktop.ui.sync_panel import next_try_text
from desktop.ui.sync_worker import SyncState, SyncView


def test_after_everything_went_the_next_visit_is_a_sync_not_a_retry() -> None:
    assert next_try_text(SyncView(SyncState.UP_TO_DATE, next_try_s=300)) == \
        "Next sync in about 5 minutes."
    assert next_try_text(SyncView(SyncState.UP_TO_DATE, next_try_s=30)) == \
        "Next sync in about 30 seconds."
    assert next_try_text(SyncView(SyncState.RETRYING, next_try_s=300)) == \
        "Next try in about 5 minutes."
    assert next_try_text(SyncView(SyncState.OFFLINE, next_try_s=1)) == \
        "Next try in about 1 second."
    assert next_try_text(SyncView(SyncState.UP_TO_DATE)) == ""

"""SIGKILL while recording: a child process records the world's statement through the service
on the real store and is killed; the next login keeps what it had durably recorded.

The child drives the synthetic sources a fifth of a second at a time and, after each step
(everything pushed so far encoded), says how far the media is and waits for the word to go
on: the parent kills it there, in the middle of the recording, with its vault file open and
the recording live in the store. Nothing about the child is faked: it is the program's own
recording service, store and vault; the kill is the kernel's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from desktop.domain.model import TurnKind
from desktop.domain.recording import Interruption, RecordingState
from desktop.services import interview, recording
from desktop.store import recordings
from desktop.store.evidence import blob_path
from desktop.store.store import unlock
from desktop.store.vault_read import decrypt_to
from tests.cli.helpers import last_json, run_cli
from tests.conftest import PASSWORD, World, provision_world_keys, sign_as_team
from tests.services.recording_support import decoded_seconds
from tests.services.test_signing import all_pages_signed

ROOT = Path(__file__).resolve().parents[2]
KILL_AT_MS = 4_000

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from desktop.domain.model import TurnKind
    from desktop.services import interview
    from desktop.store.store import StorePaths, unlock
    from tests.services.recording_support import start

    workdir, login, password, statement = sys.argv[1:5]
    store = unlock(StorePaths(Path(workdir)), login, password)
    rec = start(store, statement)
    turns = 0
    while True:
        rec.drive.advance(0.2)
        rec.live.recorder.drain()
        if rec.live.media_ms() // 1000 > turns:  # a question each second of media
            turns += 1
            interview.add_turn(store, statement, TurnKind.QUESTION, f"第{turns}个问题？")
        print(rec.live.recording_id, rec.live.media_ms(), flush=True)
        if sys.stdin.readline().strip() != "go":
            break
""")


def test_a_recording_killed_midway_is_kept_up_to_its_last_checkpoint(
        world: World, tmp_path: Path) -> None:
    statement_id = world.statement.id
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(world.paths.workdir), world.admin.certificate_no,
         PASSWORD, statement_id],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    killed_at = -1
    recording_id = ""
    try:
        while killed_at < 0:
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            recording_id, media = line.split()
            if int(media) >= KILL_AT_MS:
                child.send_signal(signal.SIGKILL)
                killed_at = int(media)
            else:
                child.stdin.write("go\n")
                child.stdin.flush()
    finally:
        child.kill()
        child.wait(timeout=30)  # reaped: its pid no longer exists
    assert child.returncode == -signal.SIGKILL

    # Before the next login the recording is live in the store, its checkpoints recorded.
    conn = world.store.conn
    assert recordings.get(conn, recording_id).state is RecordingState.RECORDING
    last_offset, last_sha256, last_ms = recordings.checkpoints(conn, recording_id)[0]
    assert killed_at - last_ms <= 2000  # a checkpoint about once a second of media
    world.store.close()

    world.store = store = unlock(world.paths, world.admin.certificate_no, PASSWORD,
                                 clock=world.store.clock)  # the next login salvages it
    found = recording.summary(store, statement_id)
    assert found is not None
    kept = found.recording
    assert (kept.id, kept.state, kept.interruption) == (
        recording_id, RecordingState.INTERRUPTED, Interruption.CRASH)
    assert (kept.size, kept.sha256, kept.duration_ms) == (last_offset, last_sha256, last_ms)
    assert killed_at - 2000 <= kept.duration_ms <= killed_at
    # The kept media decrypts to the hash recorded with the checkpoint, and decodes to it.
    blob = blob_path(world.paths.workdir, last_sha256, store.vault_key())
    with (tmp_path / "sink").open("wb") as sink:  # (a test's own scratch copy)
        assert decrypt_to(blob, store.vault_key(), sink) == last_sha256
    with recording.open_media(store, kept.id) as media:
        seconds, _frames = decoded_seconds(media)
    assert seconds * 1000 >= kept.duration_ms - 1000
    assert not list(blob.parent.glob(".rec-*"))  # sealed in place, under its content name
    # The questions asked before the kill are marked in it.
    chapters = recording.chapters(store, kept.id)
    assert [c.kind for c in chapters].count(TurnKind.QUESTION) >= 3

    # The statement shows the interruption: `recording show`, and its signed PDF.
    shown = last_json(run_cli("recording", "show", "--workdir", str(world.paths.workdir),
                              statement_id, "--json",
                              env={"STATEMENT_ROOM_OFFICER": world.admin.certificate_no,
                                   "STATEMENT_ROOM_PASSWORD": PASSWORD}).stdout)
    assert [(r["state"], r["interruption"], r["sha256"]) for r in shown["recordings"]] == [
        ("interrupted", "crash", last_sha256)]
    for turn in interview.get(store, statement_id).turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(store, turn.id, "明白。")
    interview.start_read_back(store, statement_id)
    provision_world_keys(world)
    signed = sign_as_team(world, all_pages_signed(world))
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed.pdf)
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout.split())
    assert "录制中断（程序或计算机异常终止）" in text and last_sha256 in text

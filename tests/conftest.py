"""Shared fixtures: a real SQLCipher store in a temporary directory, with synthetic people.

Tests run in English (assertions read naturally); tests of the Chinese interface switch the
language themselves. Qt runs offscreen. The clock is a settable fake, so lockout and idle
tests need no sleeps. No test may leave a device emulator's serving thread (or any non-daemon
thread) running: the test that does fails (`no_leaked_threads`).
"""

from __future__ import annotations

import contextlib
import locale
import os
import shutil
import sys
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# HQ processes the tests start (the admin CLI, `python3 -m hq serve`) speak English too; a
# test of HQ in Chinese sets HQ_LANG itself (hq/i18n.py).
os.environ["HQ_LANG"] = "en"

from desktop import warnings_policy
from desktop.domain.ids import new_id
from desktop.domain.model import (
    Case,
    IdKind,
    Officer,
    Party,
    Role,
    Sex,
    Statement,
    StatementKind,
)
from desktop.i18n import set_language
from desktop.services import interview, records
from desktop.store.store import Store, StorePaths, create_store

PASSWORD = "Test2026password"
SECOND_PASSWORD = "Second2026password"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=8)))

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def _english() -> None:
    set_language("en")
    # Qt's own catalogs too, when a GUI test installed them (the launcher speaks the settings'
    # language, Chinese by default): a key's name ("Return") would stay "回车" for the next
    # test on this worker. Only where Qt is loaded already: other tests never import it.
    gui = sys.modules.get("desktop.ui.app")
    if gui is not None:
        gui.install_qt_translations("en")
    # The C library keeps the translations of its own messages (an OSError's strerror) until
    # the messages locale changes, whatever LANGUAGE says by then (Qt sets the locale from the
    # environment): switched away and back, they are English again after a test in Chinese.
    if hasattr(locale, "LC_MESSAGES"):
        current = locale.setlocale(locale.LC_MESSAGES)
        with contextlib.suppress(locale.Error):
            locale.setlocale(locale.LC_MESSAGES, "C")
            locale.setlocale(locale.LC_MESSAGES, current)


@pytest.fixture(scope="session", autouse=True)
def crash_reports_kept_apart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Crash reports of the bugs tests provoke go to a folder of the run (the programs the
    tests start inherit it), never to the tester's own log folder."""
    from desktop import config

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.LOG_DIR, str(tmp_path_factory.mktemp("crash-reports")))
        yield


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    _english()
    yield
    _english()


def pytest_configure(config: pytest.Config) -> None:
    """The program's warning policy holds in tests too: pytest restores its own warning filters
    after loading this file and around every test, so it gets them as `filterwarnings` lines."""
    for message, category, module in warnings_policy.SILENCED:
        config.addinivalue_line("filterwarnings", f"ignore:{message}:{category.__module__}."
                                                  f"{category.__qualname__}:{module}")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject's addopts): a worker per core, at most four (a test's child
    processes need cores too), and none when only tests of one file were asked for: that run
    stays in this process, as quick to start and to debug as before."""
    files = {str(arg).split("::", 1)[0] for arg in config.args}
    if len(files) == 1 and Path(files.pop()).is_file():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(cores or 1, 4)
    return workers if workers > 1 else 0


# hardware.urlhandlers.base names the thread serving an in-process emulator "emulator:<url>".
EMULATOR_THREAD_PREFIX = "emulator:"
# A thread already told to stop may still be finishing its last step when the test ends: it is
# joined (returning as soon as it ends) before it counts as leaked. Generous: a sync round told
# to stop finishes its HTTP request first, which took more than 5 s at a load of 10; a thread
# that never ends still fails the test, only later.
THREAD_JOIN_SECONDS = 20.0
_reported_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # fail one test only


def _watched_threads() -> set[threading.Thread]:
    """Threads that must end with whatever started them: emulator serving threads (daemons,
    but one left running kept a port and its device alive and crashed a later Qt test) and any
    non-daemon thread (it would keep the process from exiting)."""
    return {t for t in threading.enumerate()
            if t is not threading.main_thread() and t.is_alive()
            and (t.name.startswith(EMULATOR_THREAD_PREFIX) or not t.daemon)}


def _fail_on_new_threads(before: set[threading.Thread], what: str) -> None:
    leaked = []
    for thread in _watched_threads() - before - set(_reported_threads):
        thread.join(THREAD_JOIN_SECONDS)
        if thread.is_alive():
            leaked.append(thread.name)
            _reported_threads.add(thread)
    if leaked:
        pytest.fail(f"{what} left thread(s) running: {', '.join(sorted(leaked))} "
                    "(close the port or stop the thread it started)", pytrace=False)


@pytest.fixture(autouse=True)
def no_leaked_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test whose body or function fixtures leave a watched thread running (this
    fixture is set up before, and torn down after, the test's other function fixtures)."""
    before = _watched_threads()
    yield
    _fail_on_new_threads(before, request.node.nodeid)


@pytest.fixture(scope="module", autouse=True)
def no_leaked_threads_in_module(request: pytest.FixtureRequest) -> Iterator[None]:
    """The same for module- and class-scoped fixtures, checked once they are torn down."""
    before = _watched_threads()
    yield
    _fail_on_new_threads(before, f"the fixtures of {request.node.nodeid}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_officer(name: str, certificate: str, role: Role = Role.OFFICER) -> Officer:
    return Officer(id=new_id(), name=name, certificate_no=certificate,
                   unit="示例区综合行政执法局测试中队", role=role)


def make_party(name: str = "测试人甲", id_number: str = "110101199003071233") -> Party:
    return Party(id=new_id(), id_kind=IdKind.RESIDENT_ID, id_number=id_number, name=name,
                 sex=Sex.MALE, nation="汉", birth_date=date(1990, 3, 7),
                 address="北京市东城区测试路8号", authority="北京市公安局东城分局",
                 phone="13900000001", workplace="测试商店")


def without_recording_rule(workdir: Path, required: bool = False) -> None:
    """Settings that sign statements without a recording of the interview, as a site without
    a recorder would (decision 45): every test made before issue 18 signs statements it never
    recorded. Tests of the rule call this with `required=True` (the default of a new store)."""
    from desktop.config import Settings, settings_path

    settings_path(workdir).write_bytes(Settings(recording_required=required).to_json())


@dataclass
class World:
    """A store with two officers, a case, a party and a draft inquiry statement."""

    paths: StorePaths
    store: Store
    admin: Officer
    second: Officer
    case: Case
    party: Party
    statement: Statement
    unit_keys: UnitKeys | None = None  # set by provision_world_keys


def _build_world(paths: StorePaths, clock: FakeClock) -> World:
    """A store with two officers, a case, a party and a draft statement, made through the
    program's own calls (`create_store`, `add_officer`, the services)."""
    admin = make_officer("测试管理员", "TEST0001", Role.ADMIN)
    second = make_officer("测试队员", "TEST0002")
    store = create_store(paths, admin, PASSWORD, clock=clock)
    store.add_officer(second, SECOND_PASSWORD)
    without_recording_rule(paths.workdir)
    case = records.create_case(store, Case(id=new_id(), number="测试〔2026〕1号",
                                           cause="人行道违法停放机动车", matter="违停",
                                           place="测试路口"))
    party = records.record_party(store, make_party())
    statement = interview.open_statement(
        store, case_id=case.id, interviewee_id=party.id, kind=StatementKind.INQUIRY,
        place="询问室", interviewers=(admin.id, second.id), recorder_id=second.id)
    return World(paths, store, admin, second, case, party, statement)


@dataclass(frozen=True)
class WorldTemplate:
    """One world as `_build_world` left it, its files at rest, and what reopens a copy."""

    workdir: Path
    data_key: bytes
    now: datetime  # the fake clock when the world was ready
    admin: Officer
    second: Officer
    case: Case
    party: Party
    statement: Statement


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> WorldTemplate:
    """The world built once per worker. Building one costs two Argon2id derivations at the
    production parameters (the key file refuses cheaper ones, decision 13), about a second
    of CPU; hundreds of tests start from a world, so each gets a copy of these files instead.

    Its session is ended the way a test's world is thrown away (the connection closed, no
    logout recorded), after the write-ahead log is folded into the database file, so the
    files hold exactly what the session had committed."""
    clock = FakeClock()
    built = _build_world(StorePaths(tmp_path_factory.mktemp("world-template") / "store"),
                         clock)
    data_key = built.store.detach()
    return WorldTemplate(built.paths.workdir, data_key, clock.now, built.admin, built.second,
                         built.case, built.party, built.statement)


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, world_template: WorldTemplate) -> Iterator[World]:
    """A store of this test's own (a copy of `world_template`'s files in `tmp_path`), open as
    `create_store` leaves it: the administrator's session, the clock where building left it.
    The ids (store, officers, case, ...) are the template's, the same in every test of a
    worker; a test that needs a store of a different identity creates one."""
    template = world_template
    paths = StorePaths(tmp_path / "store")
    shutil.copytree(template.workdir, paths.workdir)
    clock.now = template.now
    store = Store.reattach(paths, template.data_key, template.admin, clock)
    w = World(paths, store, template.admin, template.second, template.case, template.party,
              template.statement)
    yield w
    try:
        w.store.conn.execute("SELECT 1")
    except Exception:
        return  # the test closed or replaced the store itself
    w.store.conn.close()


# ------------------------------------------------------------------ a real unit's keys

@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A synthetic test PKI (desktop.documents.pki.TestPki), shared by the session."""
    from desktop.documents.pki import write_test_pki

    return write_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory, pki: Any) -> Iterator[Any]:
    """Two SoftHSM2 tokens in a temp dir (tests/documents/softhsm.py); SOFTHSM2_CONF set.

    SoftHSM reads its configuration once per process, so one set serves the whole session.
    """
    from tests.documents.softhsm import make_tokens

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", os.environ.get("SOFTHSM2_CONF", ""))  # restored after
        yield make_tokens(tmp_path_factory.mktemp("softhsm"), pki)


@dataclass
class UnitKeys:
    """The unit root of a store's keys, and how each officer unlocks their own signer."""

    root: object  # desktop.documents.unit_ca.CaIdentity
    root_pem: bytes
    passwords: dict[str, str]


def provision_world_keys(world: World) -> UnitKeys:
    """What a unit without a CA does (`ca init`, `ca issue`, `keys add-root`, `keys import`):
    a unit root, the device's and seal's keys (the administrator keeps the seal) and each
    officer's key, wrapped under that officer's own password."""
    from cryptography.hazmat.primitives import serialization

    from desktop.documents import unit_ca
    from desktop.services import keys

    root = unit_ca.create_unit_root(world.admin.unit)
    passwords = {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD}
    keys.provision_from_unit_root(world.store, root, [world.admin, world.second], passwords,
                                  custodian_id=world.admin.id, device_serial="SR-TEST-01",
                                  p12_rounds=2048)
    world.unit_keys = UnitKeys(root, root.certificate.public_bytes(serialization.Encoding.PEM),
                               passwords)
    return world.unit_keys


def sign_as_team(world: World, signatures: Any, statement_id: str | None = None,
                 **kwargs: Any) -> Any:
    """`sign_statement` with every officer authenticating with their own password and the
    administrator applying the seal (keys from `provision_world_keys`)."""
    from desktop.services import signing

    assert world.unit_keys is not None, "provision_world_keys(world) first"
    statement_id = statement_id or world.statement.id
    team = signing.unlock_team(world.store, statement_id, world.unit_keys.passwords,
                               custodian_id=world.admin.id)
    try:
        return signing.sign_statement(world.store, statement_id, signatures, team=team,
                                      **kwargs)
    finally:
        team.close()

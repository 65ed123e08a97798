"""The `statement-room` parser as a whole: one registration style, one set of shared options.

Every command module of `desktop.cli` adds its commands with `register(sub) -> None`; the
options several commands share (`--workdir`, `--officer`, `--json`) come from one helper
each, so each has one help text everywhere; and the CLI names no `STATEMENT_ROOM_*` variable
itself (they are named in `desktop.config`).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import desktop.cli
from desktop.cli import app, common

CLI_DIR = Path(desktop.cli.__file__).parent
SHARED = ("--workdir", "--officer", "--json")


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[
        tuple[str, argparse.ArgumentParser]]:
    """Every parser that runs a command, with its command line (`officer add`, …)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{path} {name}".strip())
    if parser.get_default("handler") is not None:
        yield path, parser


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def _command_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules([str(CLI_DIR)])
            if m.name not in ("app", "common")]


def test_every_command_module_registers_the_same_way() -> None:
    modules = _command_modules()
    assert {"officers", "audit", "search", "demo", "devices", "documents", "evidence", "export",
            "keys", "ca", "maintenance"} <= set(modules)
    for name in modules:
        module = importlib.import_module(f"desktop.cli.{name}")
        signature = inspect.signature(module.register)
        assert [(p.name, p.annotation) for p in signature.parameters.values()] == [
            ("sub", "Subparsers")], name
        assert signature.return_annotation == "None", name
        assert module.register in app.registers(), name


def test_command_modules_import_only_the_common_part_of_the_cli() -> None:
    """No circle: `app` imports the command modules, they import `common` and nothing else."""
    for name in _command_modules():
        tree = ast.parse((CLI_DIR / f"{name}.py").read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        cli_imports = {m for m in imported if m == "desktop.cli" or m.startswith("desktop.cli.")}
        assert cli_imports <= {"desktop.cli.common"}, (name, cli_imports)


def test_shared_options_have_one_help_text_each() -> None:
    parser = app.build_parser()
    commands = dict(_commands(parser))
    assert {"search", "officer add", "evidence import", "keys list", "ca init", "verify",
            "devices list", "maintenance rebuild-search", "audit verify"} <= set(commands)
    expected: dict[str, str | None] = {}
    for flag, add in (("--workdir", common.add_workdir), ("--officer", common.add_officer),
                      ("--json", common.add_json)):
        reference = argparse.ArgumentParser()
        add(reference)
        found = _option(reference, flag)
        assert found is not None
        expected[flag] = found.help
    seen = {flag: 0 for flag in SHARED}
    for path, command in [("", parser), *commands.items()]:
        for flag in SHARED:
            option = _option(command, flag)
            if option is None or option.dest == "record_workdir":  # verify's own --workdir
                continue
            seen[flag] += 1
            assert option.help == expected[flag], (path, flag, option.help)
    assert min(seen.values()) >= 5, seen


def test_every_command_that_logs_in_knows_where_the_store_is() -> None:
    for path, command in _commands(app.build_parser()):
        if _option(command, "--officer") is not None:
            workdir = _option(command, "--workdir")
            assert workdir is not None, path


def test_the_cli_names_no_variable_itself() -> None:
    for source in CLI_DIR.glob("*.py"):
        assert "STATEMENT_ROOM_" not in source.read_text(encoding="utf-8"), source.name


def test_the_window_start_skips_the_full_parser_only_when_nothing_else_is_asked() -> None:
    """`statement-room` alone (or with the window's options) opens the window without
    importing the command modules; anything else is the full parser's, with its messages."""
    args = app._window_arguments(["--lang", "en", "--workdir", "x", "--demo-devices"])
    assert args is not None
    assert (args.lang, args.workdir, args.demo_devices, args.command) == (
        "en", Path("x"), True, None)
    assert app._window_arguments([]) is not None
    for arguments in (["--help"], ["-h"], ["--version"], ["--lang", "xx"], ["--workdir"],
                      ["audit", "verify"], ["--bogus"], ["--demo-devices", "demo"]):
        assert app._window_arguments(arguments) is None, arguments
    full = app.build_parser().parse_args(["--lang", "en", "--workdir", "x", "--demo-devices"])
    assert vars(full) == vars(args)


# What the parser must not load: each command imports its stack when it runs. Every start of
# the program builds the parser, so these would cost every command (and `--help`) their import.
PARSER_DEFERRED = ("pyhanko", "pyhanko_certvalidator", "asn1crypto", "aiohttp", "sqlcipher3",
                   "reportlab", "cryptography.hazmat", "cryptography.x509", "verification",
                   "desktop.store", "desktop.documents", "desktop.services.devices",
                   "desktop.ui", "hardware.idcard")


def test_building_the_parser_loads_no_command_stack() -> None:
    """`statement-room --help` and the parsing before any command stay light: the command
    modules import their services in their handlers (read in a fresh interpreter, where
    nothing else has loaded them)."""
    script = ("import sys; from desktop.cli.app import build_parser; build_parser(); "
              "print('\\n'.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=CLI_DIR.parents[1])
    modules = set(done.stdout.split())
    assert "desktop.cli.documents" in modules and "desktop.cli.devices" in modules
    loaded = {name: sorted(m for m in modules if m == name or m.startswith(name + "."))
              for name in PARSER_DEFERRED}
    assert {name: found for name, found in loaded.items() if found} == {}

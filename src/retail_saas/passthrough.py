"""One shape for the subcommands that hand their options to another tool
(`retail-saas run`, `build`, `mf`): every '-' option after the command is
the tool's, so argparse reads only '+' prefixes and keeps the rest."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def add_passthrough_parser(
    sub: argparse._SubParsersAction,
    name: str,
    help: str,
    description: str | None,
    func: Callable[[argparse.Namespace], int],
    dest: str,
    args_help: str,
) -> None:
    """Register `name`; its remaining arguments land in `dest` as given."""
    p = sub.add_parser(name, prefix_chars="+", add_help=False, help=help, description=description)
    p.add_argument(dest, nargs=argparse.REMAINDER, help=args_help)
    p.set_defaults(func=func)

"""argparse with Dutch headings, so `--help` reads in one language."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class DinetParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", DutchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {message}\n")


class DutchHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse passes "" when it builds a subcommand's name from this usage line.
        return super().add_usage(usage, actions, groups, "Gebruik: " if prefix is None else prefix)


def add_command(subparsers, name: str, *, help: str, description: str | None = None) -> DinetParser:
    return subparsers.add_parser(name, help=help, description=description or help)

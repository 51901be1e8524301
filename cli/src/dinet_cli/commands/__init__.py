"""One module per subcommand. A module offers `register(subparsers)`, which adds its parser and
sets `func` (args -> exit code); add a module to COMMANDS to add a command."""

from .. import asyncapi
from . import dlq, kpi, seed, status, up

COMMANDS = (up, status, dlq, kpi, seed, asyncapi)

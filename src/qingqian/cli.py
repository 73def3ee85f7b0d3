"""The ``qingqian`` console script.

``qingqian`` runs Django's management commands (``qingqian migrate``, ``qingqian runserver``)
and the product's own commands (``qingqian import-ledger``, ``qingqian token``, ``qingqian
calc`` …), all with ``--help``. It uses the same settings and default database as the web
server unless ``DATABASE_URL`` says otherwise. ``qingqian netting solve …`` reads a file and
writes files with nothing from Django, so it runs without Django's start-up
(``qingqian.netting.cli``; with a Django option such as ``--settings`` it goes through Django).
"""

from __future__ import annotations

import os
import sys

# Options of Django's own command parser: with any of them the shortcut is not taken.
_DJANGO_OPTIONS = (
    "-h", "--help", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback",
    "--no-color", "--force-color", "--skip-checks", "--version",
)  # fmt: skip


def netting_shortcut(argv: list[str]) -> bool:
    """Whether ``qingqian ARGV…`` is a ``netting solve`` that needs nothing from Django."""
    if argv[:2] != ["netting", "solve"]:
        return False
    return not any(a == o or a.startswith(o + "=") for a in argv[2:] for o in _DJANGO_OPTIONS)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if not args:
        args = ["qingqian"]
    args[0] = "qingqian"
    if netting_shortcut(args[1:]):  # h23: no Django start-up for a file-to-file solve
        from qingqian.netting.cli import main as netting_main

        sys.exit(netting_main(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingqian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":  # pragma: no cover
    main()

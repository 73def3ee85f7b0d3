"""The ``qingqian`` console script.

``qingqian`` runs Django's management commands (``qingqian migrate``, ``qingqian runserver``)
and the product's own commands (``qingqian import-ledger``, ``qingqian token``, ``qingqian
calc`` …), all with ``--help``. It uses the same settings and default database as the web
server unless ``DATABASE_URL`` says otherwise.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingqian.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if not args:
        args = ["qingqian"]
    args[0] = "qingqian"
    execute_from_command_line(args)


if __name__ == "__main__":  # pragma: no cover
    main()

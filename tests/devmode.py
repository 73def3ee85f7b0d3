"""Loaded first (``-p tests.devmode`` in pyproject.toml), before pytest-django imports the
settings: the suite runs with development keys, which production refuses
(docs/security.md, "Keys"). Subprocesses the tests start inherit it."""

from __future__ import annotations

import os

os.environ.setdefault("QINGQIAN_DEV", "1")

"""The contact kernel stays pure: no Django, no web framework, no database driver."""

from __future__ import annotations

import subprocess
import sys


def test_kernel_imports_no_django() -> None:
    code = (
        "import sys\n"
        "import qingqian.contact, qingqian.contact.policy, qingqian.contact.presets\n"
        "import qingqian.contact.recheck, qingqian.contact.simulate\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'ninja', 'psycopg', 'django_tasks'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""

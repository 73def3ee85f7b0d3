"""Builds the case log's compiled loops (``src/qingqian/ledger/_speedups.c``, docs/ledger.md).

Everything else about the package is in ``pyproject.toml``. The extension is optional: where
there is no C compiler or no OpenSSL headers (Debian: ``libssl-dev``) the build warns and
the log runs its pure-Python twins, which give the same bytes.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "qingqian.ledger._speedups",
            sources=["src/qingqian/ledger/_speedups.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)

"""Interface app that hosts the product's own ``qingqian`` sub-commands.

Each product command group (``calc``, ``plan``, ``netting``, ``ledger`` …) is a Django
management command here; it parses arguments, calls one domain or kernel function and
prints the result (``--json`` for machine-readable output). No rules live here.
"""

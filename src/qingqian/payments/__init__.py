"""Payments: commission and the trust (client money) ledger.

``commission`` and ``trust`` are pure kernels: no Django import, no clock, no I/O.
"""

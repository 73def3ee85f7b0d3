"""Qingqian (清欠): an open-source, compliance-first debt-recovery platform."""

__version__ = "0.1.0"

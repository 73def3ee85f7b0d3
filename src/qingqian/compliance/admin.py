"""The audit trail's model and its admin moved to ``qingqian.audit``."""

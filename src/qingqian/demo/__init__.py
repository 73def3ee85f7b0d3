"""The demo portfolio that ``make demo`` loads (``qingqian load-demo``).

``catalogue`` (names, places, logins) and ``identifiers`` (check characters) are data and pure
functions; ``plan`` decides the whole portfolio from a seed without touching the database;
``generator`` writes it in bulk.
"""

"""The demo portfolio that ``make demo`` loads (``qingqian load-demo``)."""

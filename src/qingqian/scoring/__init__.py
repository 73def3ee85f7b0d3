"""Debt radar (债务雷达): repayment-propensity scores, work queues and their simulation.

Pure kernels, no Django: ``features`` (lawful features as at a date), ``scorecard`` (the
expert cold-start card), ``pipeline`` (WOE/logistic scorecard and LightGBM challenger,
reports, model artefacts), ``fairness`` (audit by group), ``queue`` (a handler's ordered
work) and ``simulate`` (what prioritisation buys, under stated assumptions).
"""

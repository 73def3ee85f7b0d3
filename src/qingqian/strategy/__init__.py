"""Intake: the feasibility report, fee-schedule legality and the strategy engine.

The modules here are pure kernels (no Django, no clock, no I/O): ``feasibility`` (the
可行性报告 as a function of the case's facts and ``today``), ``fee_rules`` (which fee caps
bind an organisation, refusals citing the rule, the public price data) and ``playbooks``
(strategy by aging: one treatment per debtor, champion/challenger). See
docs/feasibility-and-strategy.md.
"""

"""Contact: one compliance gate for every call, robot call, SMS, e-mail, letter and visit.

The pure kernel lives here and imports nothing from Django:

- ``policy``   versioned policy data (JSON round trip) and ``decide(policy, request, history,
  holds, at)``, the one function that says whether a contact attempt may happen and why not;
- ``presets``  the ``cn-default`` and ``us-reg-f`` policies;
- ``recheck``  an independent re-checker that finds any violation in a log of attempts;
- ``simulate`` a seeded campaign simulator that replays robots and collectors through
  ``decide`` and re-checks the log.

The rules, their sources and the reason codes are described in ``docs/contact-policy.md``.
"""

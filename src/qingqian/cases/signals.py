"""Signals other apps listen to (sent inside the transaction of the change)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by ``case_transition`` after the move is written, with ``case``, ``from_state`` and
#: ``to_state``. Receivers that start background work must defer it with
#: ``transaction.on_commit`` so a rolled-back move starts nothing.
case_state_changed = Signal()

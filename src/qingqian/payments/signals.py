"""Signals of the payments app."""

from django.dispatch import Signal

#: Sent after the bulk import wrote payments behind the model signals (``COPY``), inside
#: its transaction, with ``organisation_id``, ``case_ids`` (the cases that received
#: payments) and ``received`` (the instants received), so that read models (the KPI daily
#: rollup and case facts) can catch up.
payments_bulk_posted = Signal()

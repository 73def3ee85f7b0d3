"""Negotiation: promises, installment plans and their agreed terms.

The pure kernels here (``plans``, ``terms``, ``breach``) import nothing from Django; the
Django models and services of this app live beside them and call them.
"""

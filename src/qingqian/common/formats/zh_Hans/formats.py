"""Simplified Chinese: Django's formats, but numbers grouped by thousands with commas.

Django's ``zh_Hans`` formats group by four digits (万) with no separator, so ``intcomma`` and
``floatformat:"2g"`` print 1234567.50 as "1234567.50" in Chinese and "1,234,567.50" in English.
Amounts on invoices, bank statements and court filings in mainland China are written with a
comma every three digits; the product shows them so in both languages.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (the rest as Django has it)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

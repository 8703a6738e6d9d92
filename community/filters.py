"""Filters of the API's query strings that refuse what no row can match with a 400.

django-filter's ``NumberFilter`` reads ``grid=1e30`` or a 23-digit number as a
Decimal and hands it to the database, which cannot hold it: a 500. ``IdFilter``
takes ids as the rest of the portal does (``community.http.is_id``), and
refuses anything else with a 400 that names the parameter. A well-formed id
the caller may not see still just finds nothing, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from community.http import MAX_ID, is_id


class IdField(forms.Field):
    """A row id: ASCII digits up to the largest id a database holds."""

    default_error_messages = {
        "invalid": _("Enter an id: a whole number from 0 to %(max)s."),
    }

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not is_id(text):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"max": MAX_ID}
            )
        return int(text)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """``?grid=7``: rows whose ``field_name`` is that id."""

    field_class = IdField

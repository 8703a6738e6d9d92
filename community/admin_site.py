"""The admin site: Django's, with every changelist refusing filters the database cannot hold.

The changelist takes any ``field__lookup=value`` from its query string. A value
Django accepts can still be one the database cannot: ``created_at__gte=0001-01-01``
is a day in Shanghai that starts before year 1 in UTC, ``created_at__year=`` a
20-digit number, the day after ``9999-12-31`` in the date drill-down. The
lookup only becomes SQL when the rows are read, so the error came out of the
template as a 500; ``id__in=`` a 20-digit number fails only when the database
reads it. ``SafeChangeList`` asks the database once while a bad parameter can
still be refused: the admin then drops the query string and shows the list
again, with a message saying which filter could not be used.

Every ModelAdmin registered on the site gets it (``PortalAdminSite.register``),
so the apps' admin modules need nothing.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import DataError, connections, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _


class SafeChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Any]:
        try:
            rows = super().get_queryset(request, exclude_parameters)
            # One EXISTS: every value has met the database. Inside a transaction,
            # in a savepoint, so that PostgreSQL's "bigint out of range" spoils nothing.
            in_transaction = connections[rows.db].in_atomic_block
            with transaction.atomic(using=rows.db) if in_transaction else nullcontext():
                rows.exists()
        except (OverflowError, ValueError, DataError) as exc:
            messages.warning(
                request,
                _("A filter of this list could not be used (%(error)s): showing all rows.")
                % {"error": exc},
            )
            raise IncorrectLookupParameters(exc) from exc
        return rows


class SafeChangeListAdmin(admin.ModelAdmin):
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SafeChangeList


class PortalAdminSite(admin.AdminSite):
    """Django's default site (see community.apps.PortalAdminConfig), changelists made safe."""

    def register(
        self,
        model_or_iterable: type[Model] | Any,
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SafeChangeListAdmin):
            admin_class = type(
                admin_class.__name__,
                (SafeChangeListAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

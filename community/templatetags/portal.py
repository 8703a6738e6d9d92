"""Template helpers shared by every app's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def masked(phone: str | None) -> str:
    """138****8000: enough to recognise a number, not to call it."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"

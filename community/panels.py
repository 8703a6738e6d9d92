"""Panels other apps add to a role's home page.

The organisation app knows no other app; an app that has something to show on
a role's home page registers a panel for that role in its AppConfig.ready().
A panel is a function of the viewer returning a template and its context, or
None when it has nothing to show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from community.models import User


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelFactory = Callable[[User], Panel | None]
_registry: dict[str, list[PanelFactory]] = defaultdict(list)


def register(role: str, factory: PanelFactory) -> None:
    if factory not in _registry[role]:
        _registry[role].append(factory)


def panels_for(user: User, role: str) -> list[Panel]:
    return [panel for factory in _registry[role] if (panel := factory(user)) is not None]

"""Factories for the organisation: streets, communities, departments, people, roles."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from community.models import (
    Community,
    Department,
    DepartmentKind,
    Membership,
    Role,
    Street,
    User,
)

PASSWORD = "correct-horse-42"


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试{n}街道")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}部门")
    kind = DepartmentKind.CITY_MANAGEMENT


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = ""
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    """A role written directly (no notification): for setting the scene in tests."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.GRID_WORKER
    community = factory.SubFactory(CommunityFactory)


def person(role: str, unit: Street | Community | Department | None = None, **kwargs) -> User:
    """A user holding ``role`` in ``unit``."""
    user = UserFactory(**kwargs)
    scope = {"street": None, "community": None, "department": None}
    if isinstance(unit, Street):
        scope["street"] = unit
    elif isinstance(unit, Community):
        scope["community"] = unit
    elif isinstance(unit, Department):
        scope["department"] = unit
    Membership.objects.create(user=user, role=role, **scope)
    return user

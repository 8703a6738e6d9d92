"""Factories for grids, buildings, households and residents."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grids.models import Building, BuildingUnit, Grid, GridKind, Household, Resident
from tests.community.factories import CommunityFactory


class GridFactory(DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    kind = GridKind.BASIC
    name = factory.Sequence(lambda n: f"第{n}网格")


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(GridFactory)
    community = factory.SelfAttribute("grid.community")
    number = factory.Sequence(lambda n: n + 1)
    floors = 6


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = BuildingUnit

    building = factory.SubFactory(BuildingFactory)
    number = 1


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    unit = factory.SubFactory(UnitFactory)
    room = factory.Sequence(lambda n: f"{n % 6 + 1}0{n % 4 + 1}-{n}")


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    birth_year = 1950

"""Demo data: 许庄街道 with its two communities, departments and one account per role.

Names and numbers are fictional. Running it again changes nothing that is
already there (it is safe to run on every start). Every other installed app
with a ``demo`` module adds its own data after this, in INSTALLED_APPS order,
through ``demo.seed(stdout=...)``: this app knows none of them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from community.models import Community, Department, DepartmentKind, Role, Street, User
from community.services import membership_grant

DEFAULT_PASSWORD = "tongxin2026"  # noqa: S105 - the public demo password, printed on purpose


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    phone: str
    role: str
    unit: str  # "street", a community name, or a department name; "" for admin


STREET = "许庄街道"
YUJING = "御景花园社区"
JINGHANG = "京杭佳苑社区"
DEPARTMENTS = [
    ("许庄街道综合执法中队", DepartmentKind.CITY_MANAGEMENT, "0537-2300110"),
    ("许庄派出所", DepartmentKind.POLICE, "0537-2300120"),
    ("许庄供电所", DepartmentKind.POWER_SUPPLY, "0537-2300130"),
    ("御景花园物业服务中心", DepartmentKind.PROPERTY, "0537-2300140"),
    ("许庄街道住建办", DepartmentKind.HOUSING, "0537-2300150"),
]
ACCOUNTS = [
    DemoAccount("admin", "系统管理员", "13800000001", Role.ADMIN, ""),
    DemoAccount("jiedao", "刘卫东", "13800000010", Role.STREET_DISPATCHER, "street"),
    DemoAccount("jiedao_lead", "孙志强", "13800000011", Role.STREET_LEAD, "street"),
    DemoAccount("chengguan", "赵磊", "13800000020", Role.DEPARTMENT_HANDLER, DEPARTMENTS[0][0]),
    DemoAccount("shuji", "李书华", "13800000030", Role.SECRETARY, YUJING),
    DemoAccount("wangge", "陈晓雨", "13800000031", Role.GRID_WORKER, YUJING),
    DemoAccount("wangge2", "周建国", "13800000032", Role.GRID_WORKER, YUJING),
    DemoAccount("wangge3", "刘芳", "13800000036", Role.GRID_WORKER, YUJING),
    DemoAccount("tiaojie", "吴秀英", "13800000033", Role.MEDIATOR, YUJING),
    DemoAccount("zhiyuan", "郑海燕", "13800000034", Role.VOLUNTEER_LEADER, YUJING),
    DemoAccount("jumin", "张桂兰", "13800000035", Role.RESIDENT, YUJING),
    DemoAccount("shuji_jh", "马丽", "13800000040", Role.SECRETARY, JINGHANG),
    DemoAccount("wangge_jh", "高峰", "13800000041", Role.GRID_WORKER, JINGHANG),
]


class Command(BaseCommand):
    help = "Create the demo street, communities, departments and one account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DJANGO_ENV=production (demo passwords are public!).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError("Refusing to create demo accounts in production.")
        with transaction.atomic():
            units = self._organisation()
            self._accounts(units, options["password"])
            for app in apps.get_app_configs():
                if app.name != "community" and module_has_submodule(app.module, "demo"):
                    import_module(f"{app.name}.demo").seed(stdout=self.stdout)
        self._print_logins(options["password"])

    def _organisation(self) -> dict[str, Street | Community | Department]:
        street, _ = Street.objects.get_or_create(
            name=STREET, defaults={"district": "济宁市太白湖新区"}
        )
        yujing, _ = Community.objects.get_or_create(
            street=street,
            name=YUJING,
            defaults={"address": "许庄街道御景花园小区社区服务中心", "phone": "0537-2310001"},
        )
        jinghang, _ = Community.objects.get_or_create(
            street=street,
            name=JINGHANG,
            defaults={"address": "许庄街道京杭佳苑小区北门", "phone": "0537-2310002"},
        )
        units: dict[str, Street | Community | Department] = {
            "street": street,
            YUJING: yujing,
            JINGHANG: jinghang,
        }
        for name, kind, phone in DEPARTMENTS:
            dept, _ = Department.objects.get_or_create(
                street=street, name=name, defaults={"kind": kind, "phone": phone}
            )
            units[name] = dept
        return units

    def _accounts(self, units: dict[str, Street | Community | Department], password: str) -> None:
        admin = self._user(ACCOUNTS[0], password, superuser=True)
        for account in ACCOUNTS:
            user = admin if account.role == Role.ADMIN else self._user(account, password)
            membership_grant(
                user=user, role=account.role, unit=units.get(account.unit), actor=admin
            )

    def _user(self, account: DemoAccount, password: str, superuser: bool = False) -> User:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "name": account.name,
                "phone": account.phone,
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def _print_logins(self, password: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Demo logins (password: {password}):")
        )
        for a in ACCOUNTS:
            role = Role(a.role).label
            where = a.unit if a.unit != "street" else STREET
            self.stdout.write(f"  {a.username:<12} {a.phone}  {a.name}  {role} {where}")

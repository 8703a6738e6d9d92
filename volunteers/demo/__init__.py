"""Demo volunteers of the two communities, at the numbers of the reports.

御景花园: the "运河情" team led by 郑海燕 (``zhiyuan``), with 张桂兰 (``jumin``) among
its volunteers, and the vaccination days every three days, 9:00–17:00, with
home visits for residents who cannot come. 京杭佳苑: 42 volunteers (party
members, social workers, residents), 12 public-benefit projects, the art troupe
in four groups, the four-thirty class (158 children, 4,630 person-times in the
last twelve months) and the winter-break class (800 person-times).

The past (a season of activities with their roll) is written in bulk, in the
states and with the events and hours the services would have left, since
thousands of rows one service call at a time would take too long; what is yet
to come is made through the services. Called by ``manage.py seed_demo``; a
second run adds nothing.
"""

from __future__ import annotations

import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from community.models import Community, Notification, User
from volunteers.demo.jinghang import JINGHANG, seed_jinghang
from volunteers.demo.past import Past
from volunteers.demo.yujing import YUJING, seed_yujing
from volunteers.models import Team, Volunteer


def seed(*, stdout: TextIO) -> None:
    yujing = Community.objects.filter(name=YUJING).first()
    jinghang = Community.objects.filter(name=JINGHANG).first()
    zhiyuan = User.objects.filter(username="zhiyuan").first()
    if yujing is None or jinghang is None or zhiyuan is None:
        return
    if Team.objects.filter(community__in=[yujing, jinghang]).exists():
        return
    rng = random.Random(6)  # noqa: S311 - demo data, the same on every machine
    started = timezone.now()
    with transaction.atomic():
        past = Past()
        seed_yujing(past, rng, yujing, zhiyuan)
        seed_jinghang(past, rng, jinghang)
        rows = past.save()
        # Messages the demo's own steps wrote are old news: the bell lights up for what comes.
        Notification.objects.filter(kind="volunteers", created_at__gte=started).update(
            read_at=timezone.now()
        )
    stdout.write(
        f"  {YUJING}, {JINGHANG}: {Team.objects.count()} volunteer teams, "
        f"{Volunteer.objects.count()} volunteers, {rows} sign-ups"
    )

"""Forms of the volunteers app. They parse; the services decide."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.forms import DayField, StyledForm, limit_choices
from community.models import DESCRIPTION_LENGTH
from grids.models import Resident
from volunteers.models import (
    Activity,
    Audience,
    MemberStatus,
    ProjectCategory,
    ServiceProject,
    SignUpStatus,
    Volunteer,
    VolunteerKind,
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ActivityForm(StyledForm):
    """One day, a start and an end time: what a phone's pickers fill in best."""

    title = forms.CharField(label=_("Title"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100)
    day = forms.DateField(label=_("Day"), widget=_date_input())
    starts = forms.TimeField(label=_("Starts"), widget=_time_input())
    ends = forms.TimeField(label=_("Ends"), widget=_time_input())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    hours = forms.DecimalField(
        label=_("Service hours for each volunteer (empty: the length)"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal(24),
        decimal_places=1,
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day and starts and ends:
            if ends <= starts:
                self.add_error("ends", _("The activity must end after it starts."))
            else:
                data["starts_at"] = _aware(day, starts)
                data["ends_at"] = _aware(day, ends)
        return data


def _aware(day: Any, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


class ActivityNewForm(ActivityForm):
    project = forms.ModelChoiceField(
        label=_("Service project"), queryset=ServiceProject.objects.none()
    )
    audience = forms.ChoiceField(
        label=_("Who may sign up"), choices=Audience.choices, widget=forms.RadioSelect
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    field_order = ["project", "title", "place", "day", "starts", "ends", "capacity", "audience"]

    def __init__(self, *args: Any, projects: QuerySet[ServiceProject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
            self.initial.setdefault("audience", Audience.TEAM)
            self.initial.setdefault("day", timezone.localdate() + timedelta(days=1))
        limit_choices(self, "project", projects)
        self.fields["project"].label_from_instance = lambda p: f"{p.team} · {p.name}"  # type: ignore[attr-defined]


class ActivityEditForm(ActivityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_activity(cls, activity: Activity, data: Any = None) -> ActivityEditForm:
        start, end = timezone.localtime(activity.starts_at), timezone.localtime(activity.ends_at)
        return cls(
            data,
            initial={
                "title": activity.title,
                "place": activity.place,
                "day": start.date(),
                "starts": start.time(),
                "ends": end.time(),
                "capacity": activity.capacity,
                "hours": activity.hours,
                "description": activity.description,
                "version": activity.version,
            },
        )


class CancelActivityForm(StyledForm):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=200)


class WalkInsForm(StyledForm):
    walk_ins = forms.IntegerField(
        label=_("People served without signing up"), min_value=0, max_value=10000
    )


class SignUpForm(StyledForm):
    """For whom: oneself, someone of one's household, or a child by name."""

    kind = forms.ChoiceField(
        choices=[("serve", "serve"), ("attend", "attend")], widget=forms.HiddenInput
    )
    resident = forms.ModelChoiceField(
        label=_("Who comes"), queryset=Resident.objects.none(), required=False, empty_label=None
    )
    name = forms.CharField(label=_("Or someone not listed (name)"), max_length=50, required=False)
    note = forms.CharField(
        label=_("Note for the team (optional)"),
        max_length=200,
        required=False,
        help_text=_("For a home visit: building, unit and room."),
    )

    def __init__(self, *args: Any, household: QuerySet[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "resident", household)
        if not household.exists():
            del self.fields["resident"]


class RollAddForm(StyledForm):
    """The leader puts a member who came without signing up on the roll."""

    volunteer = forms.ModelChoiceField(
        label=_("Came without signing up"), queryset=Volunteer.objects.none()
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_roll = activity.signups.exclude(status=SignUpStatus.CANCELLED).values("volunteer")
        limit_choices(
            self,
            "volunteer",
            Volunteer.objects.filter(
                memberships__team=activity.team_id, memberships__status=MemberStatus.APPROVED
            )
            .exclude(pk__in=on_roll.exclude(volunteer=None))
            .order_by("name_sort", "id"),
        )


class HoursForm(StyledForm):
    hours = forms.DecimalField(
        label=_("Hours served"), min_value=Decimal("0.1"), max_value=Decimal(24), decimal_places=1
    )
    reason = forms.CharField(label=_("Why"), max_length=200)


class TeamForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("About the team"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProjectForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Kind of service"), choices=ProjectCategory.choices)
    description = forms.CharField(
        label=_("What it offers"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VolunteerAddForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.RegexField(
        label=_("Mobile number (optional)"),
        regex=r"^1[3-9]\d{9}$",
        max_length=11,
        required=False,
        error_messages={"invalid": _("Enter an 11-digit mainland mobile number.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VolunteerKind.choices)
    skills = forms.CharField(label=_("Skills"), max_length=300, required=False)
    availability = forms.CharField(label=_("When available"), max_length=200, required=False)


class ProfileForm(StyledForm):
    skills = forms.CharField(
        label=_("Skills"),
        max_length=300,
        required=False,
        help_text=_("e.g. sewing, repairing bicycles, tutoring maths"),
    )
    availability = forms.CharField(
        label=_("When available"),
        max_length=200,
        required=False,
        help_text=_("e.g. weekday afternoons, weekends"),
    )


class PeriodForm(StyledForm):
    # Query-string dates: DayField refuses years no report can count in.
    since = DayField(label=_("From"), widget=_date_input(), required=False)
    until = DayField(label=_("To"), widget=_date_input(), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end is before the start."))
        return data

"""REST API of the requests workflow: the same services as the pages.

``POST /api/v1/petitions/`` files a request (``client_token`` or an
``Idempotency-Key`` header makes a retry return the first one);
``POST /api/v1/petitions/{id}/move/`` makes any move of the state machine
(409 when the request changed meanwhile); ``GET …/{id}/events/`` is the timeline.
"""

from __future__ import annotations

from typing import Any

import django_filters
import django_filters.rest_framework
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from community.filters import IdFilter
from community.http import api_user, idempotency_key
from community.models import DESCRIPTION_LENGTH, REASON_LENGTH, User
from grids.models import Building
from petitions import selectors, services
from petitions.forms import MoveForm
from petitions.models import (
    MOVES,
    OPEN_STATUSES,
    Action,
    Category,
    Channel,
    Petition,
    PetitionEvent,
    PetitionPhoto,
    Priority,
    Rating,
    Status,
)


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = PetitionPhoto
        fields = ["id", "width", "height", "url", "thumbnail_url"]

    def get_url(self, obj: PetitionPhoto) -> str:
        return reverse("petitions:photo", args=[obj.pk, "full"])

    def get_thumbnail_url(self, obj: PetitionPhoto) -> str:
        return reverse("petitions:photo", args=[obj.pk, "thumb"])


class PetitionSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.__str__", read_only=True)
    department_name = serializers.CharField(
        source="department.name", read_only=True, default=None, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)
    on_hold = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "reference",
            "category",
            "priority",
            "channel",
            "status",
            "level",
            "round",
            "version",
            "building",
            "building_name",
            "grid",
            "community",
            "department",
            "department_name",
            "created_at",
            # The clock of the desk holding it now (to sign for, review, handle…).
            "due_at",
            # The handling deadline promised to the resident (null until the
            # community takes it on or the street dispatches it).
            "promised_at",
            "is_overdue",
            "on_hold",
        ]
        read_only_fields = fields

    def get_on_hold(self, obj: Petition) -> bool:
        return obj.on_hold_since is not None


class PetitionDetailSerializer(PetitionSerializer):
    allowed_actions = serializers.SerializerMethodField()
    # "" until the requester rates (a read-only model field would drop allow_blank).
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True, read_only=True)

    class Meta(PetitionSerializer.Meta):
        fields = [
            *PetitionSerializer.Meta.fields,
            "description",
            "place_note",
            "requester_name",
            "result",
            "rating",
            "rating_comment",
            "merged_into",
            "allowed_actions",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Petition) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = request.user if request is not None else None
        if not isinstance(user, User) or (
            instance.requester_id != user.pk and not selectors.is_staff_of(user, instance)
        ):
            # A neighbour whose request was merged into this one sees the matter, not who asked.
            data["requester_name"] = ""
        return data

    def get_allowed_actions(self, obj: Petition) -> list[str]:
        request = self.context.get("request")
        if request is None or not isinstance(request.user, User):
            return []
        return services.allowed_actions(obj, services.desks_of(request.user, obj))


class SubmitSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.none())
    description = serializers.CharField(max_length=DESCRIPTION_LENGTH)
    place_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ONLINE)
    requester_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    requester_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    client_token = serializers.UUIDField(required=False)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:  # None only when the schema generator looks at the class
            field = self.fields["building"]
            assert isinstance(field, serializers.RelatedField)
            # Where the caller may file: home communities, or the buildings they staff.
            field.queryset = Building.objects.filter(
                Q(community__in=services.desks.home_communities(user))
                | Q(pk__in=selectors.recordable_buildings(user).values("pk"))
            )


class MoveSerializer(serializers.Serializer):
    """A move and its fields; which fields a move needs is in petitions.forms.ACTION_FIELDS."""

    action = serializers.ChoiceField(
        choices=[
            (a, Action(a).label)
            for a in MOVES
            if a not in ("deadline_near", "breach", "close_unrated")
        ]
    )
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_LENGTH)
    note = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_LENGTH)
    internal_note = serializers.CharField(
        required=False, allow_blank=True, max_length=DESCRIPTION_LENGTH
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    description = serializers.CharField(required=False, max_length=DESCRIPTION_LENGTH)
    result = serializers.CharField(required=False, max_length=DESCRIPTION_LENGTH)
    original = serializers.IntegerField(required=False)
    assignee = serializers.IntegerField(required=False)
    department = serializers.IntegerField(required=False)
    due_at = serializers.DateTimeField(required=False)
    rating = serializers.ChoiceField(choices=Rating.choices, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=REASON_LENGTH)
    # The resident reads the reason or note of a move about the handling
    # (escalate, send back, hold, callback…) only when this is true.
    share = serializers.BooleanField(required=False, default=False)


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.__str__", read_only=True, default=None, allow_null=True
    )
    # "" for the step that filed the request.
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    # Whether the requester reads the reason (and the note) written with the
    # step; a requester is never sent one that is not (selectors.timeline).
    reason_public = serializers.BooleanField(read_only=True)

    class Meta:
        model = PetitionEvent
        fields = [
            "id",
            "action",
            "actor_name",
            "desk",
            "from_status",
            "to_status",
            "level",
            "round",
            "reason",
            "reason_public",
            "public_note",
            "internal_note",
            "data",
            "created_at",
            "photos",
        ]
        read_only_fields = fields


# "open" stands for every status still in someone's hands.
STATUS_FILTER_CHOICES = [("open", _("All open")), *Status.choices]


class PetitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=STATUS_FILTER_CHOICES, method="filter_status")
    # The REST flavour reads "1"/"0" as well as "true"/"false" (the desks link to
    # "overdue=1"); the plain one would ignore "1" and return every request.
    overdue = django_filters.rest_framework.BooleanFilter(method="filter_overdue")
    q = django_filters.CharFilter(method="filter_q")
    # Plain ids over what the caller sees: an id they may not see finds nothing,
    # as if it did not exist (a model choice would answer 400 for a made-up id
    # and 200 for another community's, telling which ids exist). What cannot be
    # an id at all ("1e30", 23 digits) is a 400 naming the parameter.
    grid = IdFilter(field_name="grid")
    community = IdFilter(field_name="community")
    department = IdFilter(field_name="department")

    class Meta:
        model = Petition
        fields = ["status", "category", "priority", "grid", "community", "department"]

    def filter_status(self, rows: QuerySet[Petition], name: str, value: str) -> QuerySet[Petition]:
        if value == "open":
            return rows.filter(status__in=OPEN_STATUSES)
        return rows.filter(status=value)

    def filter_overdue(
        self, rows: QuerySet[Petition], name: str, value: bool
    ) -> QuerySet[Petition]:
        return rows.filter(selectors.overdue_q()) if value else rows

    def filter_q(self, rows: QuerySet[Petition], name: str, value: str) -> QuerySet[Petition]:
        return rows.filter(Q(reference__icontains=value) | Q(description__icontains=value))


class PetitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests in the caller's scope. Photos go as multipart ``photos``."""

    queryset = Petition.objects.none()  # for the schema; requests use get_queryset
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = PetitionFilter
    ordering_fields = ["created_at", "due_at"]

    def get_queryset(self) -> QuerySet[Petition]:
        return selectors.petition_list(self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PetitionSerializer if self.action == "list" else PetitionDetailSerializer

    def _detail(self, p: Petition, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=p.pk)
        return Response(
            PetitionDetailSerializer(fresh, context={"request": self.request}).data, status=code
        )

    @extend_schema(
        request=SubmitSerializer,
        responses={
            201: PetitionDetailSerializer,
            200: OpenApiResponse(
                PetitionDetailSerializer, description="A retry: the request first filed."
            ),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request) -> Response:
        """File a request; retrying with the same token returns the first one (200)."""
        user = api_user(request)
        data = SubmitSerializer(data=request.data, user=user)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        token = v.get("client_token") or idempotency_key(request)
        before = token is not None and (
            Petition.objects.filter(recorded_by=user, client_token=token).exists()
        )
        p = services.petition_submit(
            actor=user,
            building=v["building"],
            category=v["category"],
            priority=v["priority"],
            description=v["description"],
            place_note=v.get("place_note", ""),
            channel=v["channel"],
            requester_name=v.get("requester_name", ""),
            requester_phone=v.get("requester_phone", ""),
            photos=request.FILES.getlist("photos"),
            token=token,
        )
        return self._detail(p, status.HTTP_200_OK if before else status.HTTP_201_CREATED)

    @extend_schema(request=MoveSerializer, responses=PetitionDetailSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Make one move; 409 when the request changed or the move is not possible now."""
        p = self.get_object()
        user = api_user(request)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        act = v.pop("action")
        # The same checks as the page's form: ids outside the caller's choices are refused.
        form_data = {f"{act}-{k}": (v[k].isoformat() if k == "due_at" else v[k]) for k in v}
        form_data.setdefault(f"{act}-version", p.version)
        form = MoveForm(form_data, action=act, petition=p, user=user)
        if not form.is_valid():
            errors = {k: [str(e) for e in errs] for k, errs in form.errors.items()}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        kwargs = form.move_kwargs()
        if "version" not in v:
            kwargs.pop("version", None)  # no version sent: no staleness check
        services.petition_move(
            petition=p,
            actor=user,
            action=act,
            photos=request.FILES.getlist("photos") if form.takes_photos else None,
            **kwargs,
        )
        return self._detail(p)

    @extend_schema(responses=EventSerializer(many=True))
    # The whole timeline at once: not paged, and the list's filters do not apply.
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        """The timeline: public steps for the requester; everything for staff."""
        p = self.get_object()
        user = api_user(request)
        staff = selectors.is_staff_of(user, p)
        return Response(
            EventSerializer(selectors.timeline(p, viewer=user, staff=staff), many=True).data
        )

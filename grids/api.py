"""REST API of the grids app: patrols, visits and hazards (the same services as the pages)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from community.filters import IdFilter
from community.http import api_user, idempotency_key
from community.models import DESCRIPTION_LENGTH, User
from grids import selectors, services
from grids.models import (
    BuildingUnit,
    Facility,
    Grid,
    Hazard,
    HazardPhoto,
    Patrol,
    PatrolCheckIn,
    Resident,
    Visit,
)


def _limit(serializer: serializers.Serializer, name: str, queryset: QuerySet[Any]) -> None:
    """Only these rows exist for this caller: others read as unknown ids."""
    field = serializer.fields[name]
    assert isinstance(field, serializers.RelatedField)
    field.queryset = queryset


class CheckInSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.__str__", read_only=True)

    class Meta:
        model = PatrolCheckIn
        fields = ["id", "building", "building_name", "at", "latitude", "longitude", "note"]
        read_only_fields = ["id", "at"]


class PatrolSerializer(serializers.ModelSerializer):
    worker_name = serializers.CharField(source="worker.__str__", read_only=True)
    check_in_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Patrol
        fields = [
            "id",
            "grid",
            "worker",
            "worker_name",
            "status",
            "started_at",
            "ended_at",
            "summary",
            "check_in_count",
        ]
        read_only_fields = fields


class PatrolDetailSerializer(PatrolSerializer):
    check_ins = CheckInSerializer(many=True, read_only=True)

    class Meta(PatrolSerializer.Meta):
        fields = [*PatrolSerializer.Meta.fields, "check_ins"]
        read_only_fields = fields


class StartSerializer(serializers.Serializer):
    # Only the caller's own grids exist here: another grid's id reads as unknown.
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.none())

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:  # None only when the schema generator looks at the class
            _limit(self, "grid", Grid.objects.filter(staff__user=user).distinct())


class CheckInInputSerializer(CheckInSerializer):
    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:  # None only when the schema generator looks at the class
            _limit(self, "building", selectors.patrol_buildings_for(user))


class EndSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_LENGTH)


class PatrolFilter(django_filters.FilterSet):
    # Plain ids over what the caller sees: an id they may not see just finds
    # nothing, as if it did not exist; what cannot be an id is a 400.
    grid = IdFilter(field_name="grid")
    worker = IdFilter(field_name="worker")

    class Meta:
        model = Patrol
        fields = ["status", "grid", "worker"]


class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A grid worker's patrols; the secretary and street see their communities'."""

    queryset = Patrol.objects.none()  # for the schema; requests use get_queryset
    filterset_class = PatrolFilter
    ordering_fields = ["started_at"]

    def get_queryset(self) -> QuerySet[Patrol]:
        rows = selectors.patrol_list(self.request.user)
        if self.action == "retrieve":
            rows = rows.prefetch_related("check_ins__building")
        return rows

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PatrolDetailSerializer if self.action == "retrieve" else PatrolSerializer

    def _detail(self, patrol: Patrol, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("check_ins__building").get(pk=patrol.pk)
        return Response(PatrolDetailSerializer(fresh).data, status=code)

    @extend_schema(request=StartSerializer, responses=PatrolDetailSerializer)
    def create(self, request: Request) -> Response:
        """Start a patrol of one of your grids (returns the running one if any)."""
        user = api_user(request)
        data = StartSerializer(data=request.data, user=user)
        data.is_valid(raise_exception=True)
        patrol = services.patrol_start(worker=user, grid=data.validated_data["grid"])
        return self._detail(patrol, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInInputSerializer, responses=PatrolDetailSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        patrol = self.get_object()
        user = api_user(request)
        data = CheckInInputSerializer(data=request.data, user=user)
        data.is_valid(raise_exception=True)
        services.patrol_check_in(
            patrol=patrol,
            actor=user,
            building=data.validated_data["building"],
            note=data.validated_data.get("note", ""),
            latitude=data.validated_data.get("latitude"),
            longitude=data.validated_data.get("longitude"),
        )
        return self._detail(patrol)

    @extend_schema(request=EndSerializer, responses=PatrolDetailSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        patrol = self.get_object()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.patrol_end(
            patrol=patrol, actor=api_user(request), summary=data.validated_data.get("summary", "")
        )
        return self._detail(patrol)


class VisitSerializer(serializers.ModelSerializer):
    worker_name = serializers.CharField(source="worker.__str__", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "resident",
            "worker",
            "worker_name",
            "visited_on",
            "condition",
            "needs",
            "follow_up",
            "card_left",
        ]
        read_only_fields = ["id", "worker", "worker_name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "resident" in self.fields:
            _limit(self, "resident", Resident.objects.visible_to(request.user))

    def to_representation(self, instance: Visit) -> dict[str, Any]:
        data = super().to_representation(instance)
        # What a resident is like and needs is health-adjacent: as on the page.
        if not self.context["access"].health(instance.resident):
            data["condition"] = data["needs"] = ""
        return data


class VisitFilter(django_filters.FilterSet):
    resident = IdFilter(field_name="resident")

    class Meta:
        model = Visit
        fields = ["resident"]


class VisitViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Home visits to the residents the caller may see; record one of your grid's."""

    queryset = Visit.objects.none()  # for the schema; requests use get_queryset
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visited_on"]

    def get_queryset(self) -> QuerySet[Visit]:
        return (
            Visit.objects.visible_to(self.request.user)
            .select_related("worker", "resident__household__unit__building")
            .order_by("-visited_on", "-id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "access": selectors.access_for(self.request.user),
        }

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.visit_record(actor=api_user(self.request), **data)


class HazardPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = HazardPhoto
        fields = ["id", "stage", "width", "height", "url", "thumbnail_url"]

    def get_url(self, obj: HazardPhoto) -> str:
        return reverse("grids:hazard-photo", args=[obj.pk, "full"])

    def get_thumbnail_url(self, obj: HazardPhoto) -> str:
        return reverse("grids:hazard-photo", args=[obj.pk, "thumb"])


class HazardSerializer(serializers.ModelSerializer):
    photos = HazardPhotoSerializer(many=True, read_only=True)
    reported_by_name = serializers.CharField(source="reported_by.__str__", read_only=True)
    # Or the Idempotency-Key header: a retry with the same token returns the first hazard.
    client_token = serializers.UUIDField(required=False, write_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "building",
            "unit",
            "facility",
            "kind",
            "severity",
            "description",
            "status",
            "reported_by_name",
            "created_at",
            "fixed_at",
            "fix_note",
            "photos",
            "client_token",
        ]
        read_only_fields = [
            "id",
            "status",
            "reported_by_name",
            "created_at",
            "fixed_at",
            "fix_note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Places outside the caller's view read as unknown ids.
            buildings = selectors.buildings_for(request.user)
            _limit(self, "building", buildings)
            _limit(self, "unit", BuildingUnit.objects.filter(building__in=buildings))
            _limit(self, "facility", Facility.objects.filter(unit__building__in=buildings))


class HazardFixSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_LENGTH)


class HazardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Hazards at the buildings the caller may see. Photos go as multipart ``photos``."""

    queryset = Hazard.objects.none()  # for the schema; requests use get_queryset
    serializer_class = HazardSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status", "kind", "severity"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Hazard]:
        return selectors.hazard_list(self.request.user)

    @extend_schema(
        request=HazardSerializer,
        responses={
            201: HazardSerializer,
            200: OpenApiResponse(
                HazardSerializer, description="A retry: the hazard first reported."
            ),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report a hazard; retrying with the same token returns the first one (200)."""
        user = api_user(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        token = data.pop("client_token", None) or idempotency_key(request)
        before = token is not None and selectors.hazard_reported_with(user, token) is not None
        hazard = services.hazard_report(
            actor=user,
            photos=request.FILES.getlist("photos"),
            patrol=selectors.current_patrol(user),
            token=token,
            **data,
        )
        fresh = self.get_queryset().get(pk=hazard.pk)
        return Response(
            self.get_serializer(fresh).data,
            status=status.HTTP_200_OK if before else status.HTTP_201_CREATED,
        )

    @extend_schema(request=HazardFixSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk: str | None = None) -> Response:
        """Mark fixed, with at least one photo of the fix (multipart ``photos``)."""
        hazard = self.get_object()
        data = HazardFixSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.hazard_fix(
            hazard=hazard,
            actor=api_user(request),
            note=data.validated_data.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
        fresh = self.get_queryset().get(pk=hazard.pk)
        return Response(HazardSerializer(fresh, context={"request": request}).data)

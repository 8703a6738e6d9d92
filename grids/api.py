"""REST API of the grids app: patrols (the same services as the pages)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from community.http import api_user
from grids import selectors, services
from grids.models import Building, Grid, Patrol, PatrolCheckIn


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
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all())


class EndSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A grid worker's patrols; the secretary and street see their communities'."""

    queryset = Patrol.objects.none()  # for the schema; requests use get_queryset
    filterset_fields = ["status", "grid", "worker"]
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
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patrol = services.patrol_start(worker=api_user(request), grid=data.validated_data["grid"])
        return self._detail(patrol, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInSerializer, responses=PatrolDetailSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        patrol = self.get_object()
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        building = data.validated_data["building"]
        if not Building.objects.visible_to(request.user).filter(pk=building.pk).exists():
            # Outside everything the caller may see: as if it did not exist.
            raise serializers.ValidationError({"building": [_("Unknown building.")]})
        services.patrol_check_in(
            patrol=patrol,
            actor=api_user(request),
            building=building,
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

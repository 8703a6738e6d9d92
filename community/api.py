"""REST API of the organisation app; the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

import django_filters
import django_filters.rest_framework
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from community import selectors, services
from community.filters import IdFilter
from community.http import api_user
from community.models import Community, Membership, Notification
from community.models.notifications import NotificationQuerySet


class MembershipSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "role", "role_label", "street", "community", "department", "unit"]

    def get_unit(self, obj: Membership) -> str | None:
        return str(obj.unit) if obj.unit else None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    language = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    memberships = MembershipSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """Who is signed in, and the roles they hold."""
    user = api_user(request)
    data = {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.name,
        "phone": user.phone,
        "language": user.language,
        "roles": selectors.roles_of(user),
        "memberships": user.active_memberships,
    }
    return Response(MeSerializer(data).data)


class CommunitySerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "name", "street", "street_name", "address", "phone"]


class CommunityFilter(django_filters.FilterSet):
    # An id, as every API filter takes them: one the caller may not see finds nothing.
    street = IdFilter(field_name="street")

    class Meta:
        model = Community
        fields = ["street"]


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    """Communities the caller works in or oversees; others are 404."""

    queryset = Community.objects.none()  # for the schema; requests use get_queryset
    serializer_class = CommunitySerializer
    ordering_fields = ["name"]
    filterset_class = CommunityFilter

    def get_queryset(self) -> QuerySet[Community]:
        return selectors.communities_with_street(self.request.user).order_by("name", "pk")


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "read"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationFilter(django_filters.FilterSet):
    # "1"/"true": only the unread ones; "0"/"false" or none: all.
    unread = django_filters.rest_framework.BooleanFilter(method="filter_unread")

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(
        self, rows: NotificationQuerySet, name: str, value: bool
    ) -> NotificationQuerySet:
        return rows.unread() if value else rows


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-portal notifications, newest first."""

    queryset = Notification.objects.none()  # for the schema; requests use get_queryset
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.inbox(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        services.notification_mark_read(notification=notification, user=api_user(request))
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(user=api_user(request))})


class TokenView(ObtainAuthToken):
    """Trade a username (or mobile number) and password for an API token.

    Goes through django-axes like the login page: 5 failures lock the pair.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Axes marks the DRF request, which its middleware never sees:
            # answer the lockout here, with the same words as the login page.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": _("Too many wrong passwords: this login is paused for 15 minutes.")},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})

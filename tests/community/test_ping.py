"""The cheapest signed-in page, which the page benchmark measures every page against."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.community.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_ping_answers_a_signed_in_person_with_two_queries(client, django_assert_num_queries):
    client.force_login(UserFactory())
    # The session and the user.
    with django_assert_num_queries(2):
        response = client.get(reverse("ping"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_ping_sends_a_stranger_to_sign_in(client):
    response = client.get(reverse("ping"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]

"""Every text a person can send has a limit, so 100 KB in a note is refused, not kept.

These walk the code rather than a list: a new TextField, form field or serializer
field without a maximum fails here.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.db import models
from rest_framework import serializers

from community.models import (
    DESCRIPTION_LENGTH,
    NOTE_LENGTH,
    REASON_LENGTH,
    RECORD_LENGTH,
    STATEMENT_LENGTH,
)

OUR_APPS = ["community", "grids", "petitions", "mediation", "volunteers"]
LIMITS = {REASON_LENGTH, NOTE_LENGTH, DESCRIPTION_LENGTH, STATEMENT_LENGTH, RECORD_LENGTH}
# Serializers that only ever describe a response (nothing is read from them).
RESPONSE_ONLY = {"MeSerializer"}


def _text_fields():
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    yield f"{model.__name__}.{field.name}", field


def _classes(module_name: str, base: type):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return
    for name, cls in inspect.getmembers(module, inspect.isclass):
        if issubclass(cls, base) and cls.__module__ == module.__name__:
            yield name, cls


def test_there_are_text_fields_to_check():
    assert len(list(_text_fields())) > 20


@pytest.mark.parametrize(("name", "field"), list(_text_fields()), ids=lambda v: str(v))
def test_every_text_field_has_one_of_the_named_limits(name, field):
    assert field.max_length in LIMITS, f"{name} needs max_length= one of community.models' *_LENGTH"


def _form_char_fields():
    for app in OUR_APPS:
        for module in (f"{app}.forms", f"{app}.admin"):
            for form_name, form in _classes(module, forms.BaseForm):
                for field_name, field in form.base_fields.items():
                    if isinstance(field, forms.CharField) and not isinstance(
                        field, forms.UUIDField
                    ):
                        yield f"{form_name}.{field_name}", field


def test_every_form_text_field_has_a_limit():
    unbounded = [name for name, field in _form_char_fields() if field.max_length is None]
    assert unbounded == []


def _serializer_char_fields():
    for app in OUR_APPS:
        for name, cls in _classes(f"{app}.api", serializers.BaseSerializer):
            if name in RESPONSE_ONLY or not issubclass(cls, serializers.Serializer):
                continue
            for field_name, field in cls().fields.items():
                if isinstance(field, serializers.CharField) and not field.read_only:
                    yield f"{name}.{field_name}", field


def test_every_api_text_field_has_a_limit():
    fields = list(_serializer_char_fields())
    assert any(name == "VisitSerializer.condition" for name, _ in fields)
    assert [name for name, field in fields if field.max_length is None] == []

"""The OpenAPI schema is complete and unambiguous: it generates and validates without a warning."""
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


def test_schema_is_served_and_documents_the_error_object(api):
    schema = api.get("/api/schema/?format=json").json()
    assert {"ErrorSerializer", "Error"} & set(schema["components"]["schemas"])
    assert "/api/v1/orders/{id}/pay/" in schema["paths"]

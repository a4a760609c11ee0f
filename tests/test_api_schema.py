"""The OpenAPI schema: committed as docs/openapi.yaml and kept in step with the code, valid OpenAPI 3, and
served with interactive documentation from the portal's own static files under its Content-Security-Policy."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate"


def test_the_committed_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text() == SCHEMA.read_text(), (
        f"docs/openapi.yaml is out of date with the API's code. Regenerate it with\n  {REGENERATE}\n"
        "then review the difference and commit it with the change."
    )


def test_every_operation_documents_its_problems_and_headers():
    import yaml

    schema = yaml.safe_load(SCHEMA.read_text())
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 30
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "404", "429"} <= set(responses), (path, method)
        assert "application/problem+json" in responses["404"]["content"]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "post":
            assert "Idempotency-Key" in headers, path
        if method in ("post", "patch") and "{" in path and not path.endswith("/read/"):
            assert "If-Match" in headers and {"412", "428"} <= set(responses), (path, method)
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "pk_<prefix>_<secret>",
    }  # fmt: skip


def test_the_schema_is_served_and_lists_no_identity_fields(db):
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for field in ("full_name", "date_of_birth", "nhs_number", "address"):
        assert f"{field}:" not in text, field


def test_the_docs_pages_load_their_scripts_and_styles_from_our_own_static_files(db):
    client = Client()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>" not in page and "<style" not in page and "//" not in page.replace("http://www.w3.org", "")
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
def test_swagger_ui_runs_under_our_content_security_policy(page, live_server):
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Parallel API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("#operations-cases-cases_list")
    scripts = page.eval_on_selector_all("script[src]", "elements => elements.map(element => element.src)")
    assert scripts and all(src.startswith(live_server.url) for src in scripts)
    assert refused == []

"""The README's REST API examples, run as written against a live server holding the demo data, with the demo's
published key: the curl examples in bash, the Python example in a Python of its own (standard library only)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordination import clock
from demo.loader import load_demo
from demo.world import DEMO_API_KEY
from sharing import deadlines
from sharing.models import SharingDecision, SharingRequest

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples(language: str) -> list[str]:
    text = README.read_text()
    section = text.split("\n## REST API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the demo hashes a password each
    # A transactional test empties every table afterwards, the rules seeded after migrate included.
    clock.seed_national_rules()
    deadlines.seed_rules()
    assert load_demo()


def _run(command: list[str], live_server, script: str) -> str:
    env = {**os.environ, "PARALLEL_URL": live_server.url, "PARALLEL_KEY": DEMO_API_KEY}
    result = subprocess.run([*command, script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def _decided_once() -> SharingRequest:
    request = SharingRequest.objects.get(providing_organisation__short_name="Northshire Hospitals",
                                         status=SharingRequest.Status.DECIDED)  # fmt: skip
    assert SharingDecision.objects.filter(request=request).get().outcome == "share_in_part"
    return request


def test_the_curl_examples(demo, live_server):
    (script,) = _examples("sh")
    # The examples say where to point them; the test points them at its own server instead.
    script = "\n".join(line for line in script.splitlines() if not line.startswith("export PARALLEL_"))
    output = _run(["bash", "-euo", "pipefail", "-c"], live_server, script)
    request = _decided_once()
    assert f'"reference":"{request.reference}"' in output and '"status":"decided"' in output


def test_the_python_example(demo, live_server):
    (script,) = _examples("python")
    output = _run([sys.executable, "-c"], live_server, script)
    request = _decided_once()
    assert f"{request.reference} decided share_in_part" in output
    assert output.count("open 20") == 2  # the two cases the trust was involved in, page by page

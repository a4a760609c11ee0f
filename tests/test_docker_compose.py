"""The production-like stack (Dockerfile, docker-compose.yml, .env.example) agrees with the code.

No Docker engine is needed: the files are parsed and checked against coordination/settings.py, and what
the stack's containers would run (collectstatic as in the Dockerfile, check --deploy, migrate, gunicorn
and web's health check) is run here in subprocesses with the production environment of .env.example.
"""

import importlib
import os
import re
import secrets
import shlex
import socket
import string
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
LONG_RUNNING = ("web", "worker", "pdf-worker", "beat", "postgres", "redis")
APP_SERVICES = ("migrate", "web", "worker", "pdf-worker", "beat")  # built from the project, configured by .env

# os.environ.get("X" / os.getenv("X" / os.environ["X"] / envbool("X" / envint("X" / envlist("X"
_SETTINGS_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|envbool|envint|envlist)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"""
)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def settings_reads() -> set[str]:
    return {a or b for a, b in _SETTINGS_READ.findall((ROOT / "coordination" / "settings.py").read_text())}


def read_env_file(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number} is not NAME=value: {raw!r}"
        assert name not in env, f"{path.name}:{number} sets {name} a second time"
        env[name.strip()] = value.strip()
    return env


ENV_EXAMPLE = read_env_file(ROOT / ".env.example")
COMPOSE_VARIABLES = {name for name, _, _ in _INTERPOLATION.findall(COMPOSE_TEXT)}


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${...} substitution, with .env (here .env.example) as the source of variables."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.groups()
        value = variables.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if unset and op and op.endswith("?"):
            raise AssertionError(f"compose would stop: {name} is unset ({arg})")
        return arg if unset and op else (value or "")

    return _INTERPOLATION.sub(replace, value)


def command(service: str) -> list[str]:
    cmd = SERVICES[service].get("command")
    assert cmd, f"service {service} has no command"
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def env_files(service: str) -> list[str]:
    files = SERVICES[service].get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    return [item["path"] if isinstance(item, dict) else item for item in files]


def effective_env(service: str) -> dict[str, str]:
    """What an app container sees: .env (as .env.example), then compose's environment: over it."""
    env = dict(ENV_EXAMPLE)
    env.update({name: interpolate(value, ENV_EXAMPLE) for name, value in environment(service).items()})
    return env


def healthcheck(service: str) -> list[str]:
    check = SERVICES[service].get("healthcheck") or {}
    assert not check.get("disable"), f"{service}'s health check is disabled"
    test = check.get("test")
    assert test, f"{service} has no health check"
    return ["CMD-SHELL", test] if isinstance(test, str) else [str(part) for part in test]


def named_volumes(service: str) -> dict[str, str]:
    """Container path -> volume name, for the service's named volumes."""
    mounts = {}
    for volume in SERVICES[service].get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume["target"]
        else:
            source, target = volume.split(":")[:2]
        if source in (COMPOSE.get("volumes") or {}):
            mounts[target] = source
    return mounts


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    return instructions


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """.env.example as a container gets it, made runnable here: a real key, SQLite under tmp_path."""
    inherited = {k: v for k, v in os.environ.items() if k not in settings_reads() | COMPOSE_VARIABLES}
    env = inherited | ENV_EXAMPLE
    for name in COMPOSE_VARIABLES:
        env.pop(name, None)  # read by compose, never by the app
    env.pop("REDIS_URL")
    env.update(
        SECRET_KEY=random_secret_key(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'parallel.sqlite3'}",
        # .env.example names the image's paths (/app/...); settings.py creates VAR_DIR on import.
        VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "staticfiles"),
        DOCUMENT_ROOT=str(tmp_path / "documents"),
        DJANGO_SETTINGS_MODULE="coordination.settings",
    )
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


# --- Services --------------------------------------------------------------------------------------


def test_the_long_running_services_exist():
    missing = set(LONG_RUNNING) - set(SERVICES)
    assert not missing, f"docker-compose.yml lacks services {sorted(missing)}"


def test_postgres_redis_and_web_have_health_checks():
    assert "pg_isready" in " ".join(healthcheck("postgres"))
    assert "redis-cli ping" in " ".join(healthcheck("redis"))
    web = healthcheck("web")
    assert web[0] == "CMD" and web[1] == "python" and web[2] == "-c", web
    assert "/healthz" in web[3] and "urllib" in web[3]


def test_images_are_postgres_15_and_redis_7():
    assert SERVICES["postgres"]["image"].split(":")[1].split(".")[0] == "15"
    assert SERVICES["redis"]["image"].split(":")[1].split(".")[0] == "7"


def _celery_app(cmd: list[str]) -> str:
    for i, part in enumerate(cmd):
        if part in ("-A", "--app"):
            return cmd[i + 1]
        if part.startswith("--app="):
            return part.partition("=")[2]
        if part.startswith("-A") and len(part) > 2:
            return part[2:]
    raise AssertionError(f"no -A/--app in {cmd}")


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_services_run_the_coordination_app(service):
    cmd = command(service)
    assert cmd[0] == "celery", cmd
    assert _celery_app(cmd) == "coordination"
    assert service in cmd, f"{service} does not run `celery {service}`: {cmd}"


def _option(cmd: list[str], long: str, short: str | None = None) -> str | None:
    for i, part in enumerate(cmd):
        if part.startswith(long + "="):
            return part.partition("=")[2]
        if part == long or (short and part == short):
            return cmd[i + 1]
    return None


def test_the_pdf_worker_consumes_the_pdf_queue_one_render_at_a_time_with_limits():
    from django.conf import settings

    cmd = command("pdf-worker")
    assert cmd[:4] == ["celery", "-A", "coordination", "worker"], cmd
    route = settings.CELERY_TASK_ROUTES["coordination.tasks.render_summary"]["queue"]
    assert _option(cmd, "--queues", "-Q") == route == settings.PDF_QUEUE
    assert _option(cmd, "--concurrency", "-c") == "1"
    # The limits come from .env through compose, with the same defaults as .env.example and the Makefile.
    makefile = (ROOT / "Makefile").read_text()
    for option, variable in (("--max-tasks-per-child", "PDF_WORKER_MAX_TASKS"),
                             ("--max-memory-per-child", "PDF_WORKER_MAX_MEMORY_KB")):  # fmt: skip
        value = _option(cmd, option)
        assert value and value.startswith("${" + variable + ":-"), f"{option} should come from {variable}: {value}"
        default = value.removeprefix("${" + variable + ":-").removesuffix("}")
        assert int(interpolate(value, ENV_EXAMPLE)) > 0 and default == ENV_EXAMPLE[variable]
        assert re.search(rf"^{variable} \?= {default}$", makefile, re.M), f"the Makefile's {variable} default"
    # The other worker leaves the pdf queue alone, so a slow render never holds up reminders and e-mails.
    assert _option(command("worker"), "--queues", "-Q") in (None, "celery")


def test_the_celery_app_is_named_coordination():
    app = importlib.import_module("coordination.celery").app
    assert app.main == "coordination"


def test_beat_keeps_its_schedule_on_the_var_volume():
    cmd = " ".join(command("beat"))
    schedule = re.search(r"(?:--schedule[= ]|-s ?)(\S+)", cmd)
    assert schedule, f"beat has no --schedule: {cmd}"
    assert any(schedule.group(1).startswith(path + "/") for path in named_volumes("beat")), (
        f"beat's schedule {schedule.group(1)} is not on a named volume: {named_volumes('beat')}"
    )


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")  # WhiteNoise: no collectstatic here
def test_web_serves_coordination_wsgi_with_gunicorn():
    cmd = command("web")
    assert cmd[0] == "gunicorn" and "coordination.wsgi:application" in cmd, cmd
    wsgi = importlib.import_module("coordination.wsgi")
    assert callable(wsgi.application)


def test_migrations_run_once_before_the_app_starts():
    cmd = command("migrate")
    assert cmd[0] == "python" and cmd[1:3] == ["manage.py", "migrate"], cmd
    assert str(SERVICES["migrate"].get("restart", "no")) == "no", "a one-shot service must not restart"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in ("web", "worker", "pdf-worker", "beat"):
        depends = SERVICES[service]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", service
        assert depends["postgres"]["condition"] == "service_healthy", service
        assert depends["redis"]["condition"] == "service_healthy", service


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_read_dot_env_and_run_in_production_mode(service):
    assert ".env" in env_files(service), f"{service} does not read .env"
    assert SERVICES[service].get("build") or SERVICES[service].get("image", "").startswith("parallel")
    debug = effective_env(service).get("DEBUG", "True").strip().lower()
    assert debug not in ("1", "true", "yes", "on"), f"{service} runs with DEBUG={debug}"


def test_named_volumes_hold_postgres_redis_and_var():
    assert "/var/lib/postgresql/data" in named_volumes("postgres")
    assert "/data" in named_volumes("redis")
    var_dir = ENV_EXAMPLE["VAR_DIR"]
    volumes = {named_volumes(service).get(var_dir) for service in APP_SERVICES}
    assert len(volumes) == 1 and None not in volumes, f"app services must share one volume at {var_dir}"


def test_documents_live_on_a_named_volume_that_web_and_worker_share():
    root = ENV_EXAMPLE["DOCUMENT_ROOT"]
    assert ENV_EXAMPLE["DOCUMENT_STORAGE"] == "local"
    volumes = {named_volumes(service).get(root) for service in ("web", "worker", "pdf-worker")}
    assert len(volumes) == 1 and None not in volumes, f"web and the workers must share one volume at {root}"
    assert volumes != {named_volumes("web").get(ENV_EXAMPLE["VAR_DIR"])}, "documents deserve their own volume"
    mkdir = next(a for k, a in dockerfile_instructions() if k == "RUN" and "chown" in a)
    assert root in mkdir, f"the image must create {root}, owned by its user, for the volume to copy"


# --- Environment variables -------------------------------------------------------------------------


def test_the_settings_regex_finds_the_variables():
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= settings_reads()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_environment_names_only_variables_settings_read(service):
    unknown = set(environment(service)) - settings_reads()
    assert not unknown, f"{service} sets {sorted(unknown)}, which coordination/settings.py never reads"


def test_env_example_names_only_variables_settings_or_compose_read():
    unknown = set(ENV_EXAMPLE) - settings_reads() - COMPOSE_VARIABLES
    assert not unknown, f".env.example sets {sorted(unknown)}, which nothing reads"


def test_env_example_documents_every_variable_settings_read():
    missing = settings_reads() - set(ENV_EXAMPLE)
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_documents_every_variable_compose_interpolates():
    missing = COMPOSE_VARIABLES - set(ENV_EXAMPLE)
    assert not missing, f"docker-compose.yml uses {sorted(missing)}, which .env.example does not document"


def test_every_env_example_variable_has_a_comment():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            assert i > 0 and lines[i - 1].lstrip().startswith("#"), f"no comment above {line!r}"


def test_env_example_secrets_are_placeholders():
    # Compose also reads the pdf worker's limits (PDF_WORKER_*), which are numbers, not secrets.
    compose_secrets = [name for name in COMPOSE_VARIABLES if re.search(r"PASSWORD|SECRET|TOKEN|KEY$", name)]
    for name in ("SECRET_KEY", "EMAIL_HOST_PASSWORD", *compose_secrets):
        assert "change-me" in ENV_EXAMPLE[name], f"{name} in .env.example is not a placeholder"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_database_and_redis_urls_point_at_the_compose_services(service):
    env = effective_env(service)
    database, redis = urlsplit(env["DATABASE_URL"]), urlsplit(env["REDIS_URL"])
    assert database.scheme.startswith("postgres") and database.hostname == "postgres"
    assert redis.scheme == "redis" and redis.hostname == "redis"
    assert {"postgres", "redis"} <= set(SERVICES)
    assert (database.port or 5432) == 5432 and (redis.port or 6379) == 6379
    server = {name: interpolate(value, ENV_EXAMPLE) for name, value in environment("postgres").items()}
    assert database.username == server["POSTGRES_USER"]
    assert database.password == server["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == server.get("POSTGRES_DB", server["POSTGRES_USER"])


# --- Image -----------------------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_gunicorn_image():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    args = {keyword: [a for k, a in instructions if k == keyword] for keyword in keywords}
    assert args["FROM"] == ["python:3.11-slim"]
    assert any(re.search(r"\bpip install (-\S+ )*['\"]?\.(\[[\w,-]+\])?['\"]?(\s|$)", run_args)
               for run_args in args["RUN"])  # fmt: skip
    users = args.get("USER", [])
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert keywords.index("USER") < keywords.index("CMD")
    cmd = args["CMD"][-1]
    assert "gunicorn" in cmd and "coordination.wsgi:application" in cmd and "0.0.0.0:8000" in cmd


def test_dockerfile_gives_the_secret_key_to_collectstatic_only():
    instructions = dockerfile_instructions()
    collect = [a for k, a in instructions if k == "RUN" and "collectstatic" in a]
    assert len(collect) == 1 and "--noinput" in collect[0]
    assert re.search(r"\bDEBUG=False\b", collect[0]) and re.search(r"\bSECRET_KEY=\S+", collect[0])
    for keyword, arguments in instructions:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in arguments, f"{keyword} {arguments} keeps a SECRET_KEY in the image"


def test_the_image_installs_the_s3_extra_that_document_storage_s3_needs():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(dep.startswith("django-storages[s3]") for dep in pyproject["project"]["optional-dependencies"]["s3"])
    runs = [a for k, a in dockerfile_instructions() if k == "RUN"]
    assert any(re.search(r"\bpip install (-\S+ )*['\"]?\.\[([\w,-]*,)?s3\b", run_args) for run_args in runs)


def test_gunicorn_is_a_dependency():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    names = {re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0].lower() for dep in dependencies}
    assert "gunicorn" in names


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "var", ".git", "__pycache__", "staticfiles", ".env"} <= ignored


# --- What the containers run, run here -------------------------------------------------------------


def test_collectstatic_succeeds_as_the_dockerfile_runs_it(tmp_path):
    collect = next(a for k, a in dockerfile_instructions() if k == "RUN" and "collectstatic" in a)
    build_key = re.search(r"\bSECRET_KEY=(\S+)", collect).group(1)
    env = {k: v for k, v in os.environ.items() if k not in settings_reads()}
    env.update(DEBUG="False", SECRET_KEY=build_key, VAR_DIR=str(tmp_path / "var"))
    env["STATIC_ROOT"] = str(tmp_path / "staticfiles")
    result = run([sys.executable, "manage.py", "collectstatic", "--noinput"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists(), "no manifest: DEBUG=False was not used"


def test_check_deploy_passes_with_the_example_environment(production_env):
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_web_health_check_passes_against_gunicorn_in_production_mode(production_env, tmp_path):
    # The image serves what collectstatic gathered at build time (test_collectstatic_... builds it that way); here,
    # what the test run gathered (conftest.py), so that pages and error pages find their hashed files.
    from django.conf import settings

    production_env["STATIC_ROOT"] = str(settings.STATIC_ROOT)
    migrate = command("migrate")
    assert migrate[0] == "python"
    result = run([sys.executable, *migrate[1:]], production_env)
    assert result.returncode == 0, result.stdout + result.stderr

    port = _free_port()
    web = [part if not part.startswith("--bind") else f"--bind=127.0.0.1:{port}" for part in command("web")]
    if "--bind" in web:
        web[web.index("--bind") + 1] = f"127.0.0.1:{port}"
    probe = healthcheck("web")
    assert "127.0.0.1:8000" in probe[3]
    probe_args = [sys.executable, "-c", probe[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")]

    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *web[1:]], cwd=ROOT, env=production_env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            probed = run(probe_args, production_env, timeout=30)
            if probed.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert probed.returncode == 0, f"{probed.stderr}\n--- gunicorn ---\n{log.read_text()}"
        # Production settings are in force: a bare request names no allowed host and is refused.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)

"""The deployment files say what docs/production.md promises: pinned images, a one-shot
migrate the processes wait for, healthchecks, limits, log rotation, secrets where needed."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
# An exact version (postgres:16.11-bookworm, nginx:1.28.0) or a MinIO release tag; never a bare
# major version, never latest.
PINNED = re.compile(r"^[\w./-]+:(\d+\.\d+(\.\d+)?(-[\w.]+)?|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z)$")


def test_compose_pulled_images_are_pinned_to_exact_versions():
    pulled = {name: s["image"] for name, s in SERVICES.items() if "build" not in s}
    assert set(pulled) == {"proxy", "postgres", "redis", "minio", "minio-init"}
    for name, image in pulled.items():
        assert PINNED.match(image), f"{name}: {image} is not pinned to an exact version"
        assert "latest" not in image


def test_compose_app_image_is_tagged_by_release_not_latest():
    for name in APP_SERVICES:
        assert SERVICES[name]["image"].startswith("tapif:${TAPIF_RELEASE:?")


def test_compose_migrate_runs_once_before_the_processes():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(map(str, SERVICES[name]["command"]))


def test_dockerfile_starts_gunicorn_with_its_conf_and_never_migrates():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert cmd == 'CMD ["gunicorn", "-c", "python:tapif.gunicorn_conf", "tapif.wsgi"]'
    assert "migrate" not in dockerfile.split("FROM base\n")[-1].replace("`migrate`", "")
    assert SERVICES["web"]["command"] == [
        "gunicorn",
        "-c",
        "python:tapif.gunicorn_conf",
        "tapif.wsgi",
    ]


@pytest.mark.parametrize(
    ("service", "probe"),
    [
        ("web", "/readyz"),
        ("worker", "manage.py healthcheck worker"),
        ("beat", "manage.py healthcheck beat"),
        ("postgres", "pg_isready"),
        ("redis", "redis-cli ping"),
        ("minio", "mc ready local"),
        ("proxy", "nginx -t"),
    ],
)
def test_compose_long_running_services_have_a_healthcheck(service, probe):
    test = " ".join(SERVICES[service]["healthcheck"]["test"])
    assert probe in test


def test_compose_every_service_rotates_its_logs_and_long_running_ones_are_limited():
    for name, service in SERVICES.items():
        logging = service["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"], name
        assert int(logging["options"]["max-file"]) >= 2, name
        if name != "minio-init":
            limits = service["deploy"]["resources"]["limits"]
            assert float(limits["cpus"]) > 0, name
            assert limits["memory"], name


def test_compose_secrets_reach_only_the_services_that_need_them():
    def environment(name):
        service = SERVICES[name]
        return " ".join(f"{k}={v}" for k, v in (service.get("environment") or {}).items())

    for name in APP_SERVICES:
        assert SERVICES[name]["env_file"] == "tapif.env"
        assert "POSTGRES_PASSWORD" in environment(name)  # inside DATABASE_URL
        assert "MINIO_ROOT" not in environment(name)
    for name in ("proxy", "postgres", "redis", "minio", "minio-init"):
        assert "env_file" not in SERVICES[name], name
    for name in ("proxy", "redis"):
        assert "PASSWORD" not in environment(name)
        assert "SECRET" not in environment(name)
    assert "MINIO_ROOT" not in environment("postgres")
    assert "POSTGRES_PASSWORD" not in environment("minio") + environment("minio-init")


def test_compose_publishes_only_the_proxy_and_the_local_console():
    published = {name: s["ports"] for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"proxy": ["80:80", "443:443"], "minio": ["127.0.0.1:9001:9001"]}


def test_nginx_reference_config_limits_bodies_and_forwards_the_client():
    app = (ROOT / "deploy/nginx/tapif-app.conf").read_text()
    assert "client_max_body_size 12m;" in app
    for header in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ):
        assert header in app
    http = (ROOT / "deploy/nginx/tapif-http.conf").read_text()
    assert "$request_uri" not in http
    assert "$http_referer" not in http
    assert "$tapif_log_path" in http
    template = (ROOT / "deploy/nginx/tapif.conf.template").read_text()
    assert "return 301 https://$host$request_uri;" in template


def test_the_dependency_policy_covers_python_and_images():
    config = yaml.safe_load((ROOT / ".github/dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"uv", "docker", "docker-compose"}
    assert all(update["schedule"]["interval"] == "weekly" for update in config["updates"])

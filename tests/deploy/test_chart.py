"""The Helm chart: its structure always; rendered and linted by Helm itself when Helm is here.

Helm comes from `helm-python-sdk` (PyPI: Helm's Go SDK as a library, no binary) or a `helm`
binary on PATH; without either, the rendering tests skip and the structural ones still run.
"""

import copy
import re
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.support import CHART, alert_rules, load_yaml

VALUES = load_yaml(CHART / "values.yaml")
TEMPLATES = sorted((CHART / "templates").iterdir())
REQUIRED_TEMPLATES = {
    "00-configmap.yaml",
    "01-secret.yaml",
    "10-webhook-deployment.yaml",
    "11-webhook-service.yaml",
    "12-webhook-hpa.yaml",
    "20-stream-statefulset.yaml",
    "30-poller-deployment.yaml",
    "40-lag-exporter-deployment.yaml",
    "50-servicemonitor.yaml",
    "60-prometheusrule.yaml",
    "_helpers.tpl",
}
ALL_ON = {
    "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
    "prometheusRule": {
        "enabled": True,
        "runbookBaseUrl": "https://git.example.com/o/parcelwatch/blob/main/deploy/RUNBOOK.md",
    },
    "webhook": {"autoscaling": {"enabled": True}, "ingress": {"enabled": True, "className": "nginx"}},
    "stream": {"persistence": {"enabled": True}},
    "kafka": {"saslMechanism": "SCRAM-SHA-512", "saslUsername": "parcelwatch"},
    "secret": {"kafkaSaslPassword": "secret", "webhookSecrets": {"generic": ["whsec_c2VjcmV0"]}},
    "config": {"env": {"PARCELWATCH_RULES__DELIVERED_PROTECTION_DAYS": "5"}},
}


# Structure: no Helm needed.


def test_chart_metadata():
    chart = load_yaml(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "parcelwatch"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])


def test_templates_are_numbered():
    names = {path.name for path in TEMPLATES}
    assert REQUIRED_TEMPLATES <= names
    for name in names - {"_helpers.tpl", "NOTES.txt"}:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.yaml", name), name


def test_every_value_a_template_reads_exists():
    for path in TEMPLATES:
        for reference in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", path.read_text()):
            node = VALUES
            for key in reference.strip(".").split("."):
                assert isinstance(node, dict) and key in node, f"{path.name}: .Values{reference} not in values.yaml"
                node = node[key]


def test_optional_objects_are_behind_enabled_flags():
    flags = {
        "12-webhook-hpa.yaml": ".Values.webhook.autoscaling.enabled",
        "13-webhook-pdb.yaml": ".Values.webhook.podDisruptionBudget.enabled",
        "14-webhook-ingress.yaml": ".Values.webhook.ingress.enabled",
        "22-stream-pdb.yaml": ".Values.stream.podDisruptionBudget.enabled",
        "50-servicemonitor.yaml": ".Values.serviceMonitor.enabled",
        "60-prometheusrule.yaml": ".Values.prometheusRule.enabled",
    }
    for name, flag in flags.items():
        first = (CHART / "templates" / name).read_text().splitlines()[0]
        assert first.startswith("{{- if") and flag in first, name
    assert VALUES["serviceMonitor"]["enabled"] is False
    assert VALUES["prometheusRule"]["enabled"] is False
    assert VALUES["webhook"]["autoscaling"]["enabled"] is False


def test_prometheusrule_template_embeds_the_rules_from_values():
    template = (CHART / "templates" / "60-prometheusrule.yaml").read_text()
    assert "toYaml .Values.prometheusRule.rules" in template
    assert "kind: PrometheusRule" in template


def test_default_stream_workers_fit_the_partitions():
    assert VALUES["stream"]["replicas"] <= VALUES["kafka"]["partitions"]


# Rendered by Helm.


def _helm_python():
    try:
        import helm_python
    except ImportError:
        return None
    return helm_python


def render(values: dict | None = None) -> list[dict]:
    """`helm template` of the chart with these values over values.yaml, as a list of objects."""
    helm_python = _helm_python()
    if helm_python is not None:
        with helm_python.Chart.load(str(CHART)) as chart:
            manifests = chart.render(values or {}, name="pw", namespace="parcelwatch").values()
    elif shutil.which("helm"):
        result = subprocess.run(
            ["helm", "template", "pw", str(CHART), "--namespace", "parcelwatch", "-f", "-"],
            input=yaml.safe_dump(values or {}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise RuntimeError(result.stderr)
        manifests = [result.stdout]
    else:
        pytest.skip("Helm is not installed (pip install helm-python-sdk, or a helm binary); structure still checked")
    return [doc for text in manifests for doc in yaml.safe_load_all(text) if doc]


def kinds(objects: list[dict]) -> list[tuple[str, str]]:
    return sorted((o["kind"], o["metadata"]["name"]) for o in objects)


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]


def test_helm_lint_finds_no_error():
    helm_python = _helm_python()
    if helm_python is not None:
        for values in ({}, ALL_ON):
            report = helm_python.lint(str(CHART), values, strict=True)
            errors = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
            assert errors == [], errors
    elif shutil.which("helm"):
        result = subprocess.run(["helm", "lint", "--strict", str(CHART)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        pytest.skip("Helm is not installed (pip install helm-python-sdk, or a helm binary)")


def test_default_render_has_the_processes_and_no_optional_objects():
    objects = render()
    assert kinds(objects) == sorted(
        [
            ("ConfigMap", "pw-parcelwatch"),
            ("Secret", "pw-parcelwatch"),
            ("ServiceAccount", "pw-parcelwatch"),
            ("Deployment", "pw-parcelwatch-webhook"),
            ("Service", "pw-parcelwatch-webhook"),
            ("PodDisruptionBudget", "pw-parcelwatch-webhook"),
            ("StatefulSet", "pw-parcelwatch-stream"),
            ("Service", "pw-parcelwatch-stream"),
            ("PodDisruptionBudget", "pw-parcelwatch-stream"),
            ("Deployment", "pw-parcelwatch-poller"),
            ("Service", "pw-parcelwatch-poller"),
            ("Deployment", "pw-parcelwatch-lag-exporter"),
            ("Service", "pw-parcelwatch-lag-exporter"),
        ]
    )


def test_everything_enabled_renders_the_optional_objects():
    objects = render(ALL_ON)
    present = {kind for kind, _ in kinds(objects)}
    assert {"HorizontalPodAutoscaler", "Ingress", "ServiceMonitor", "PrometheusRule"} <= present
    webhook = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-webhook"))
    assert "replicas" not in webhook["spec"], "the HPA owns the replica count"
    sts = next(o for o in objects if o["kind"] == "StatefulSet")
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
    assert config["PARCELWATCH_KAFKA__SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert config["PARCELWATCH_RULES__DELIVERED_PROTECTION_DAYS"] == "5"
    secret = next(o for o in objects if o["kind"] == "Secret")["stringData"]
    assert yaml.safe_load(secret["PARCELWATCH_WEBHOOK__SECRETS"]) == {"generic": ["whsec_c2VjcmV0"]}


def test_rendered_prometheusrule_holds_exactly_the_alert_rules():
    rule = next(o for o in render(ALL_ON) if o["kind"] == "PrometheusRule")
    [group] = rule["spec"]["groups"]
    base = ALL_ON["prometheusRule"]["runbookBaseUrl"]
    expected = copy.deepcopy(alert_rules())
    for each in expected:
        each["annotations"]["runbook_url"] = each["annotations"]["runbook_url"].replace("deploy/RUNBOOK.md", base)
    assert group["rules"] == expected


def test_every_container_has_probes_resources_and_the_settings():
    for workload in workloads(render(ALL_ON)):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            name = f"{workload['metadata']['name']}/{container['name']}"
            assert container["resources"]["requests"], name
            assert container["readinessProbe"]["httpGet"]["path"] in ("/readyz", "/healthz"), name
            liveness = container["livenessProbe"]
            assert liveness.get("httpGet", {}).get("path") == "/healthz" or "tcpSocket" in liveness, name
            sources = [next(iter(s.values()))["name"] for s in container["envFrom"]]
            assert sources == ["pw-parcelwatch", "pw-parcelwatch"], name
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name


def test_process_commands():
    args = {w["metadata"]["name"]: w["spec"]["template"]["spec"]["containers"][0]["args"] for w in workloads(render())}
    assert args["pw-parcelwatch-webhook"] == ["webhook"]
    assert args["pw-parcelwatch-stream"] == ["stream"]
    assert args["pw-parcelwatch-poller"] == ["poller", "--metrics-port", "9100"]
    assert args["pw-parcelwatch-lag-exporter"] == ["lag", "--serve", "--port", "9400"]


def test_services_and_servicemonitors_find_their_pods_and_ports():
    objects = render(ALL_ON)
    services = [o for o in objects if o["kind"] == "Service"]
    pods = {w["metadata"]["name"]: w["spec"]["template"] for w in workloads(objects)}
    for service in services:
        template = pods[service["metadata"]["name"]]
        assert service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
        ports = {p["name"] for c in template["spec"]["containers"] for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
    assert len(monitors) == 4
    for monitor in monitors:
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        selected = [
            s for s in services if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
        ]
        assert len(selected) == 1, monitor["metadata"]["name"]
        assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in selected[0]["spec"]["ports"]}
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_existing_secret_replaces_the_charts_secret():
    objects = render({"secret": {"existingSecret": "parcelwatch-prod"}})
    assert "Secret" not in {o["kind"] for o in objects}
    for workload in workloads(objects):
        env_from = workload["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "parcelwatch-prod"}} in env_from


def test_stream_workers_may_not_outnumber_partitions():
    assert len([o for o in render({"stream": {"replicas": 6}}) if o["kind"] == "StatefulSet"]) == 1
    with pytest.raises(Exception, match="exceeds kafka.partitions"):
        render({"stream": {"replicas": 7}})


def test_config_env_takes_only_parcelwatch_settings():
    with pytest.raises(Exception, match="not a PARCELWATCH_"):
        render({"config": {"env": {"HOME": "/root"}}})

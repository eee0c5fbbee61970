"""The deployment files: Kubernetes manifests, Dockerfile and Cloud Build pipeline, checked as data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import ENV_PREFIX, Settings
from bot.runtime.jobs import runs_shard_zero
from bot.runtime.logs import redact
from bot.runtime.secrets import SECRET_FIELDS, parse_reference

yaml = pytest.importorskip(
    "yaml", reason="PyYAML is not installed: add pyyaml to the dev dependencies in pyproject.toml and re-lock"
)

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
HEALTH_PORT = 8080
WEB_PORT = 8081
SECRET_VARS = {ENV_PREFIX + f.upper() for f in SECRET_FIELDS}
PLACEHOLDERS = ("PROJECT_ID", "REGION", "IMAGE_DIGEST", "SHARE_DOMAIN")
DIGEST = "sha256:" + "0123456789abcdef" * 4


def cloudbuild() -> dict[str, Any]:
    build: dict[str, Any] = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    return build


def steps() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in cloudbuild()["steps"]}


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def one(kind: str) -> dict[str, Any]:
    (found,) = [d for d in documents() if d["kind"] == kind]
    return found


def pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = one("StatefulSet")["spec"]["template"]["spec"]
    return spec


def container() -> dict[str, Any]:
    (c,) = pod_spec()["containers"]
    return c


def env() -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container()["env"]}


def test_kustomization_lists_every_manifest_and_overrides_the_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    assert "namespace" not in kustomization
    assert all("namespace" not in d["metadata"] for d in documents() if d["kind"] != "Kustomization")
    (image,) = kustomization["images"]
    assert image["name"] == container()["image"]
    assert image["newName"] == "REGION-docker.pkg.dev/PROJECT_ID/sharify/bot"
    assert image["digest"] == "IMAGE_DIGEST" and "newTag" not in image  # pods run an image by digest, never a tag


def test_pod_and_container_are_locked_down() -> None:
    pod = pod_spec()["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    sc = container()["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 10001
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc.get("privileged", False) is False
    assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"]
    assert sc["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod_spec()["automountServiceAccountToken"] is False
    assert pod_spec()["enableServiceLinks"] is False  # else "sharify" service vars land in SHARIFY_*


def test_tmp_is_a_writable_emptydir() -> None:
    mounts = {m["mountPath"]: m["name"] for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    config = one("ConfigMap")["data"]
    assert config["SHARIFY_DATA_DIR"] in mounts  # the data dir is writable too


def test_probes_hit_the_health_server() -> None:
    c = container()
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"health": HEALTH_PORT, "web": WEB_PORT}
    assert one("ConfigMap")["data"]["SHARIFY_HEALTH_PORT"] == str(HEALTH_PORT)
    assert c["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "health"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert c["startupProbe"]["httpGet"]["path"] == "/livez"
    assert c["readinessProbe"]["timeoutSeconds"] > 2  # /readyz may take up to its 2 s check cut-off


def test_resources_have_requests_and_limits() -> None:
    resources = container()["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert "memory" in resources["limits"]


def test_one_shard_per_pod() -> None:
    statefulset = one("StatefulSet")
    e = env()
    assert e["SHARIFY_SHARD_COUNT"]["value"] == str(statefulset["spec"]["replicas"])
    assert e["POD_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['apps.kubernetes.io/pod-index']"
    assert e["SHARIFY_SHARD_IDS"]["value"] == "[$(POD_INDEX)]"
    names = list(e)
    assert names.index("POD_INDEX") < names.index("SHARIFY_SHARD_IDS")  # $(VAR) expands only earlier vars


def test_the_shard_convention_gives_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    replicas = one("StatefulSet")["spec"]["replicas"]
    for index in range(replicas):
        monkeypatch.setenv("SHARIFY_SHARD_IDS", env()["SHARIFY_SHARD_IDS"]["value"].replace("$(POD_INDEX)", str(index)))
        monkeypatch.setenv("SHARIFY_SHARD_COUNT", env()["SHARIFY_SHARD_COUNT"]["value"])
        s = Settings(_env_file=None)
        assert (s.shard_ids, s.shard_count) == ([index], replicas)


def test_exactly_one_pod_does_the_server_wide_chores(monkeypatch: pytest.MonkeyPatch) -> None:
    replicas = one("StatefulSet")["spec"]["replicas"]
    chore_pods = []
    for index in range(replicas):
        monkeypatch.setenv("SHARIFY_SHARD_IDS", env()["SHARIFY_SHARD_IDS"]["value"].replace("$(POD_INDEX)", str(index)))
        monkeypatch.setenv("SHARIFY_SHARD_COUNT", env()["SHARIFY_SHARD_COUNT"]["value"])
        if runs_shard_zero(Settings(_env_file=None).shard_ids):
            chore_pods.append(index)
    assert chore_pods == [0]


def test_configmap_holds_only_known_non_secret_settings() -> None:
    data = one("ConfigMap")["data"]
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(data) <= known - SECRET_VARS
    assert all(isinstance(v, str) for v in data.values())  # ConfigMap values must be strings


def test_secrets_are_secret_manager_references_only() -> None:
    assert not [d for d in documents() if d["kind"] == "Secret"]
    e = env()
    for var in SECRET_VARS:
        value = e[var]["value"].replace("PROJECT_ID", "my-proj-123")  # as cloudbuild renders it
        ref = parse_reference(var, var.lower(), value)
        assert ref is not None and ref.path.startswith("projects/my-proj-123/secrets/")


@pytest.mark.parametrize("path", sorted([*K8S.glob("*.yaml"), ROOT / "cloudbuild.yaml", ROOT / "Dockerfile"]), ids=str)
def test_no_literal_secret_values(path: Path) -> None:
    text = path.read_text()
    assert redact(text) == text
    assert not re.search(r"(?i)(token|api_key|password|secret)\s*[:=]\s*['\"]?[A-Za-z0-9+/_-]{20,}", text)


def test_service_account_uses_workload_identity_without_a_kubernetes_token() -> None:
    sa = one("ServiceAccount")
    assert sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == (
        "sharify@PROJECT_ID.iam.gserviceaccount.com"
    )
    assert sa["automountServiceAccountToken"] is False
    assert pod_spec()["serviceAccountName"] == sa["metadata"]["name"]


def test_network_policy_allows_only_health_and_share_pages_in_and_dns_https_mongodb_metadata_out() -> None:
    policy = one("NetworkPolicy")["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["podSelector"]["matchLabels"] == one("StatefulSet")["spec"]["selector"]["matchLabels"]
    ingress_ports = {(p["protocol"], p["port"]) for rule in policy["ingress"] for p in rule["ports"]}
    assert ingress_ports == {("TCP", HEALTH_PORT), ("TCP", WEB_PORT)}
    egress_ports = {(p["protocol"], p["port"]) for rule in policy["egress"] for p in rule["ports"]}
    assert egress_ports == {("UDP", 53), ("TCP", 53), ("TCP", 443), ("TCP", 27017), ("TCP", 80), ("TCP", 988)}
    for rule in policy["egress"]:
        if any(p["port"] in {80, 988} for p in rule["ports"]):  # plain HTTP only to the GKE metadata server
            assert [t["ipBlock"]["cidr"] for t in rule["to"]] in (["169.254.169.254/32"], ["169.254.169.252/32"])


def test_disruption_budget_covers_the_shards() -> None:
    pdb = one("PodDisruptionBudget")["spec"]
    assert pdb["selector"]["matchLabels"] == one("StatefulSet")["spec"]["selector"]["matchLabels"]
    assert pdb["maxUnavailable"] == 1


def test_placeholders_appear_only_where_cloudbuild_replaces_them() -> None:
    for path in K8S.glob("*.yaml"):
        text = path.read_text()
        rendered = (
            text.replace("PROJECT_ID", "my-proj")
            .replace("REGION", "europe-west1")
            .replace("IMAGE_DIGEST", DIGEST)
            .replace("SHARE_DOMAIN", "share.example.org")
        )
        assert not any(p in rendered for p in PLACEHOLDERS)
        for line in text.splitlines():
            if "REGION" in line and not line.lstrip().startswith("#"):
                assert "REGION-docker.pkg.dev" in line, line
    render = steps()["render"]["args"][-1]
    for placeholder, value in [
        ("PROJECT_ID", "${PROJECT_ID}"),
        ("REGION", "${_REGION}"),
        ("IMAGE_DIGEST", "$${digest}"),
        ("SHARE_DOMAIN", "${_SHARE_DOMAIN}"),
    ]:
        assert f"s/{placeholder}/{value}/g" in render


def test_cloudbuild_tests_before_pushing_and_deploys_the_pushed_image_by_digest() -> None:
    build = cloudbuild()
    s = steps()
    assert list(s) == ["test", "build", "push", "render", "deploy"]
    assert s["test"]["name"].startswith("python:3.13@") and s["test"]["args"][-1].rstrip().endswith("make test")
    assert s["build"]["waitFor"] == ["-"]  # built alongside the tests...
    assert {"test", "build"} <= set(s["push"]["waitFor"])  # ...pushed only after both
    assert s["render"]["waitFor"] == ["push"] and s["deploy"]["waitFor"] == ["render"]
    image = "${_IMAGE}:${SHORT_SHA}"
    assert build["substitutions"]["_IMAGE"] == "${_REGION}-docker.pkg.dev/${PROJECT_ID}/sharify/bot"
    assert f'--tag "{image}"' in s["build"]["args"][-1]
    assert "--build-arg" not in s["build"]["args"][-1]  # the Dockerfile pins its base itself
    assert f'docker push "{image}"' in s["push"]["args"][-1]
    assert build["images"] == [image]  # recorded in the build's results and provenance
    assert "apply --namespace" in s["deploy"]["args"][-1] and "-k deploy" in s["deploy"]["args"][-1]
    assert {"_REGION", "_CLUSTER", "_NAMESPACE", "_SHARED_REPO", "_SHARED_REF"} <= set(build["substitutions"])
    assert "_PYTHON_DIGEST" not in build["substitutions"]


def test_every_cloudbuild_step_image_is_pinned_by_digest() -> None:
    for step_id, step in steps().items():
        assert re.fullmatch(r"[a-z0-9./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}", step["name"]), (step_id, step["name"])


def test_managed_prometheus_scrapes_every_bot_pod_on_the_health_port() -> None:
    monitoring = one("PodMonitoring")
    assert monitoring["apiVersion"] == "monitoring.googleapis.com/v1"
    spec = monitoring["spec"]
    assert spec["selector"]["matchLabels"] == one("StatefulSet")["spec"]["selector"]["matchLabels"]
    (endpoint,) = spec["endpoints"]
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    assert ports[endpoint["port"]] == HEALTH_PORT and endpoint["path"] == "/metrics"


def test_the_grace_period_outlasts_the_graceful_stop() -> None:
    """Kubernetes SIGKILLs after terminationGracePeriodSeconds: the drain budget plus closing (jobs up to 5 s,
    the gateway up to 5 s) must fit, with a margin."""
    configured = one("ConfigMap")["data"].get("SHARIFY_SHUTDOWN_GRACE_S")
    grace = float(configured) if configured else Settings.model_fields["shutdown_grace_s"].default
    assert pod_spec()["terminationGracePeriodSeconds"] >= grace + 15


def test_share_pages_are_on_behind_an_https_ingress_with_a_managed_certificate() -> None:
    config = one("ConfigMap")["data"]
    assert config["SHARIFY_WEB_PORT"] == str(WEB_PORT) and config["SHARIFY_PUBLIC_URL"] == "https://SHARE_DOMAIN"
    assert config["SHARIFY_WEB_FORWARDED_HOPS"] == "2"  # Google's load balancer appends the visitor, then itself
    rendered = {**config, "SHARIFY_PUBLIC_URL": "https://share.example.org"}
    settings = Settings(_env_file=None, **{k.removeprefix(ENV_PREFIX).lower(): v for k, v in rendered.items()})
    assert settings.web_port == WEB_PORT and settings.public_url == "https://share.example.org"

    (web,) = [d for d in documents() if d["kind"] == "Service" and d["metadata"]["name"] == "sharify-web"]
    assert web["spec"]["selector"] == one("StatefulSet")["spec"]["selector"]["matchLabels"]
    assert [(p["port"], p["targetPort"]) for p in web["spec"]["ports"]] == [(80, "web")]
    annotations = web["metadata"]["annotations"]
    assert annotations["cloud.google.com/neg"] == '{"ingress": true}'
    backend = one("BackendConfig")
    assert json.loads(annotations["cloud.google.com/backend-config"]) == {"default": backend["metadata"]["name"]}
    check = backend["spec"]["healthCheck"]
    assert (check["requestPath"], check["port"]) == ("/readyz", HEALTH_PORT)  # the pods' readiness, web included

    certificate = one("ManagedCertificate")
    assert certificate["spec"]["domains"] == ["SHARE_DOMAIN"]
    ingress = one("Ingress")
    meta = ingress["metadata"]["annotations"]
    assert meta["networking.gke.io/managed-certificates"] == certificate["metadata"]["name"]
    assert meta["kubernetes.io/ingress.allow-http"] == "false"
    assert ingress["spec"]["defaultBackend"]["service"] == {"name": "sharify-web", "port": {"name": "web"}}

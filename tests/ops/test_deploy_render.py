"""The pipeline's shell steps, run as Cloud Build would run them, and the manifests they render, held to Kubernetes'
own schemas with `kubernetes-validate --strict` (offline: the package ships the schemas).

The steps' text is taken from cloudbuild.yaml, substituted the way Cloud Build does (`${_NAME}` and `${PROJECT_ID}`
from the substitutions, `$$` for a literal `$`), and run with bash in a scratch copy of the repository. There is no
container engine here, so `docker` is the one stand-in: a script on PATH answering `push` and `image inspect` the way
the registry-backed docker does. kubectl's built-in kustomize is not here either: its one transformation these
manifests use (the `images` override) is applied below as kustomize documents it, to validate what the cluster gets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev lock; run `make` to install it")

ROOT = Path(__file__).resolve().parents[2]
PROJECT, REGION, SHA = "my-proj-123", "europe-west1", "abc1234"
IMAGE = f"{REGION}-docker.pkg.dev/{PROJECT}/sharify/bot"
DIGEST = "sha256:" + "5d41402abc4b2a76" * 4
# The oldest Kubernetes the manifests need (the StatefulSet pod-index label) and a current one.
KUBERNETES_VERSIONS = ("1.28", "1.33")


def cloudbuild_substitute(text: str, substitutions: dict[str, str]) -> str:
    """Cloud Build's substitution: `$$` is a `$`; `$NAME`/`${NAME}` must be a known substitution, or the build fails."""

    def value(name: str) -> str:
        assert name in substitutions, f"${{{name}}} is not a substitution: write $${{{name}}} for a shell variable"
        return cloudbuild_substitute(substitutions[name], substitutions)

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        return value(match[1] or match[2])

    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", replace, text)


def step_script(step_id: str, **overrides: str) -> str:
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    substitutions = {**build["substitutions"], "PROJECT_ID": PROJECT, "SHORT_SHA": SHA, **overrides}
    (step,) = [s for s in build["steps"] if s["id"] == step_id]
    assert step["entrypoint"] == "bash" and step["args"][0] == "-c"
    return cloudbuild_substitute(step["args"][1], substitutions)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A scratch /workspace: the repository's k8s/ and a `docker` stand-in on PATH."""
    shutil.copytree(ROOT / "k8s", tmp_path / "k8s")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    # The stand-in answers `docker image inspect --format '{{index .RepoDigests 0}}' IMAGE:TAG` with the reference
    # the registry gave the push ($REPO_DIGEST, empty if the push gave none) and records its calls.
    docker.write_text('#!/bin/sh\necho "$*" >> "$DOCKER_CALLS"\n[ "$1" = image ] && echo "$REPO_DIGEST"\nexit 0\n')
    docker.chmod(0o755)
    return tmp_path


def run_step(
    workspace: Path, step_id: str, env: dict[str, str] | None = None, **overrides: str
) -> subprocess.CompletedProcess[str]:
    path = f"{workspace / 'bin'}:/usr/bin:/bin"
    return subprocess.run(
        ["bash", "-c", step_script(step_id, **overrides)],
        cwd=workspace,
        env={"PATH": path, "DOCKER_CALLS": str(workspace / "docker-calls"), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def kustomize_images(workspace: Path) -> list[dict[str, Any]]:
    """The resources of deploy/kustomization.yaml with its `images` override applied (name -> newName@digest)."""
    kustomization = yaml.safe_load((workspace / "deploy" / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "resources", "images"}
    overrides = {i["name"]: i for i in kustomization["images"]}
    assert all(set(i) <= {"name", "newName", "newTag", "digest"} for i in overrides.values())
    resources = []
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((workspace / "deploy" / name).read_text()):
            template = doc.get("spec", {}).get("template", {}).get("spec", {})
            for container in template.get("containers", []):
                image = overrides.get(container["image"])
                if image is not None:
                    container["image"] = f"{image.get('newName', container['image'])}@{image['digest']}"
            resources.append(doc)
    return resources


def kubernetes_validate(paths: list[Path], version: str) -> subprocess.CompletedProcess[str]:
    validate = shutil.which("kubernetes-validate", path=str(Path(sys.executable).parent))
    assert validate, "kubernetes-validate is missing: it is in requirements-dev.lock; run `make` to install it"
    return subprocess.run(
        [validate, "--strict", "--kubernetes-version", version, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_build_step_builds_on_the_base_the_dockerfile_pins(workspace: Path) -> None:
    built = run_step(workspace, "build")
    assert built.returncode == 0, built.stderr
    (call,) = (workspace / "docker-calls").read_text().splitlines()
    assert call == f"build --tag {IMAGE}:{SHA} ."


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_test_step_fetches_shared_beside_the_checkout_before_the_tests(tmp_path: Path) -> None:
    """The tests read recorded Last.fm responses and docs from ../shared: the step clones _SHARED_REPO there at
    _SHARED_REF, then runs `make test` (a stand-in here that records what it found)."""
    origin = tmp_path / "shared-origin"
    (origin / "fixtures" / "lastfm").mkdir(parents=True)
    (origin / "fixtures" / "lastfm" / "SOURCES.md").write_text("recorded\n")
    git("init", "--quiet", "--initial-branch=fixtures-v2", cwd=origin)
    git("add", "-A", cwd=origin)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "fixtures", cwd=origin)
    checkout = tmp_path / "workspace"
    (checkout / "bin").mkdir(parents=True)
    make = checkout / "bin" / "make"
    make.write_text('#!/bin/sh\necho "$*" > make-called\ncat ../shared/fixtures/lastfm/SOURCES.md >> make-called\n')
    make.chmod(0o755)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "stale").write_text("from an earlier build\n")
    env = {"PATH": f"{checkout / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(**overrides: str) -> subprocess.CompletedProcess[str]:
        script = step_script("test", **overrides)
        command = ["bash", "-c", script]
        return subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, check=False)

    refused = run()  # the trigger left _SHARED_REPO empty
    assert refused.returncode == 1 and "_SHARED_REPO must be the git URL" in refused.stderr
    assert not (checkout / "make-called").exists()

    missing = run(_SHARED_REPO=origin.as_uri(), _SHARED_REF="no-such-branch")
    assert missing.returncode != 0 and not (checkout / "make-called").exists()

    tested = run(_SHARED_REPO=origin.as_uri(), _SHARED_REF="fixtures-v2")
    assert tested.returncode == 0, tested.stderr
    assert (checkout / "make-called").read_text() == "test\nrecorded\n"
    assert not (tmp_path / "shared" / "stale").exists()  # a fresh clone, not what a previous build left


def test_push_render_and_validate_deploy_exactly_the_pushed_digest(workspace: Path) -> None:
    pushed = run_step(workspace, "push", env={"REPO_DIGEST": f"{IMAGE}@{DIGEST}"})
    assert pushed.returncode == 0, pushed.stderr
    assert (workspace / "docker-calls").read_text().splitlines()[0] == f"push {IMAGE}:{SHA}"
    assert (workspace / "image-digest").read_text().strip() == DIGEST

    rendered = run_step(workspace, "render")
    assert rendered.returncode == 0, rendered.stderr
    deploy = workspace / "deploy"
    for path in deploy.glob("*.yaml"):
        assert not re.search(r"PROJECT_ID|REGION-|IMAGE_DIGEST|SHARE_DOMAIN", path.read_text()), path.name
    resources = kustomize_images(workspace)
    (statefulset,) = [r for r in resources if r["kind"] == "StatefulSet"]
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"{IMAGE}@{DIGEST}"  # by digest: what was tested and pushed, tag or no tag

    (deploy / "kustomized.yaml").write_text(yaml.safe_dump_all(resources))
    for version in KUBERNETES_VERSIONS:
        result = kubernetes_validate([deploy / "kustomized.yaml"], version)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("passed") == len(resources) - len(custom_resources(resources))
        assert unchecked(result.stdout) == custom_resources(resources)


@pytest.mark.parametrize("reference", ["", f"{IMAGE}:{SHA}", f"{IMAGE}@sha256:abc", f"{IMAGE}-other@{DIGEST}"])
def test_the_push_step_fails_without_a_registry_digest(workspace: Path, reference: str) -> None:
    pushed = run_step(workspace, "push", env={"REPO_DIGEST": reference})
    assert pushed.returncode == 1 and "no registry digest" in pushed.stderr
    assert not (workspace / "image-digest").exists()
    assert run_step(workspace, "render").returncode != 0  # nothing to deploy


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_file_passes_strict_validation(version: str) -> None:
    kustomization = yaml.safe_load((ROOT / "k8s" / "kustomization.yaml").read_text())
    files = [ROOT / "k8s" / name for name in kustomization["resources"]]
    result = kubernetes_validate(files, version)
    assert result.returncode == 0, result.stdout + result.stderr
    resources = [yaml.safe_load(f.read_text()) for f in files]
    assert result.stdout.count("passed") == len(files) - len(custom_resources(resources))
    assert unchecked(result.stdout) == custom_resources(resources)


# Kinds the Kubernetes API does not define (Managed Prometheus' PodMonitoring, GKE's BackendConfig and
# ManagedCertificate): the validator has no schema for them, says so, and they are checked field by field in
# test_deploy_files.py instead.
CUSTOM_KINDS = {"PodMonitoring", "BackendConfig", "ManagedCertificate"}


def custom_resources(resources: list[dict]) -> list[str]:
    return sorted(r["kind"] for r in resources if r["kind"] in CUSTOM_KINDS)


def unchecked(output: str) -> list[str]:
    return sorted(re.findall(r"couldn't find schema for kind (\w+)", output, flags=re.IGNORECASE))


def test_strict_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    statefulset = yaml.safe_load((ROOT / "k8s" / "statefulset.yaml").read_text())
    statefulset["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"periodSeconds": 10}  # a typo
    bad = tmp_path / "statefulset.yaml"
    bad.write_text(yaml.safe_dump(statefulset))
    result = kubernetes_validate([bad], KUBERNETES_VERSIONS[-1])
    assert result.returncode != 0 and "livenesProbe" in result.stdout + result.stderr

"""The apply step against the fake Hub: build failures with their log, a Space without a
Dockerfile, a redeploy that changes nothing, the wait for /api/health."""

from __future__ import annotations

import io

import pytest

from config.settings import load_settings
from deploy.display import Display
from deploy.hub import Clock, Deployer, DeployError, health_headers
from deploy.plan import build
from tests.conftest import PROJECT
from tests.deploy.conftest import StatusServer
from tests.fakes.hub_server import TOKEN

HEALTHY = {"status": "healthy", "services": {"qdrant": {"status": "healthy"}}}
STARTING = {"status": "starting", "services": {"qdrant": {"status": "healthy"}}}


class FakeClock(Clock):
    """Time that moves only when the deployer sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        super().__init__(now=lambda: self.t, sleep=self._advance)

    def _advance(self, seconds: float) -> None:
        self.t += seconds


def _plan(root=PROJECT, url="http://127.0.0.1:9", private=False):
    settings = load_settings(cohere_api_key=None, qdrant_url=None, database_url=None,
                             admin_token="admin-token-for-hub-tests-000", allowed_origins="")
    return build(settings, space="you/book-chat", frontend="https://you.github.io",
                 private=private, url=url, root=root)


def _deployer(api, plan, *, timeout=600.0):
    out = io.StringIO()
    return Deployer(api, plan, Display(out), token=TOKEN, timeout=timeout, poll=5.0,
                    clock=FakeClock()), out


def test_a_deploy_creates_sets_uploads_follows_and_waits_for_healthy(hub, api):
    with StatusServer(script=[(503, STARTING), (503, STARTING), (200, HEALTHY)]) as space:
        plan = _plan(url=space.url)
        deployer, out = _deployer(api, plan)
        deployer.apply()
    stored = hub.spaces["you/book-chat"]
    assert set(stored.files) == set(plan.files) | {".gitattributes"}
    assert stored.secrets == {"ADMIN_TOKEN": "admin-token-for-hub-tests-000"}
    assert stored.variables["ALLOWED_ORIGINS"] == f"https://you.github.io,{space.url}"
    text = out.getvalue()
    for line in ["Space BUILDING", "Space APP_STARTING", "✓ Space RUNNING",
                 "/api/health: starting", "✓ /api/health says healthy"]:
        assert line in text, text
    assert "admin-token-for-hub-tests-000" not in text
    assert space.authorizations == [None] * 3  # a public Space gets no token


def test_a_build_error_stops_with_the_last_lines_of_the_build_log(hub, api):
    hub.build_failure = [f"step {i}" for i in range(40)] + ["ERROR: No matching distribution"]
    deployer, _ = _deployer(api, _plan())
    with pytest.raises(DeployError) as err:
        deployer.apply()
    message = str(err.value)
    assert message.startswith("the image failed to build (Build failed with exit code: 1)")
    assert "ERROR: No matching distribution" in message and "step 39" in message
    assert "step 5\n" not in message  # only the tail
    assert hub.paths()[-1] == "/api/spaces/you/book-chat/logs/build"


def test_a_space_without_a_dockerfile_is_named(hub, api, tmp_path):
    (tmp_path / "README.md").write_text("---\nsdk: docker\napp_port: 7860\n---\n# x\n")
    (tmp_path / "server.py").write_text("")
    deployer, _ = _deployer(api, _plan(root=tmp_path))
    with pytest.raises(DeployError, match="the Space has no Dockerfile"):
        deployer.apply()


def test_a_readme_without_an_sdk_is_refused_by_the_hub(hub, api, tmp_path):
    (tmp_path / "README.md").write_text("# no front matter\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    deployer, _ = _deployer(api, _plan(root=tmp_path))
    with pytest.raises(DeployError, match="the Hub refused the upload: Invalid metadata"):
        deployer.apply()
    assert not any(p.endswith("/commit/main") for p in hub.paths())


def test_a_redeploy_with_nothing_changed_makes_no_commit(hub, api):
    with StatusServer(script=[(200, HEALTHY)]) as space:
        plan = _plan(url=space.url)
        _deployer(api, plan)[0].apply()
        commits = len(hub.spaces["you/book-chat"].commits)
        deployer, out = _deployer(api, plan)
        deployer.apply()
    assert len(hub.spaces["you/book-chat"].commits) == commits
    assert "no file changed: the Space keeps its image" in out.getvalue()


@pytest.mark.parametrize("report_sha", [True, False])
def test_the_previous_build_still_running_is_not_taken_for_the_new_one(hub, api, report_sha):
    with StatusServer(script=[(200, HEALTHY)]) as space:
        plan = _plan(url=space.url)
        _deployer(api, plan)[0].apply()
        hub.report_sha, hub.stale_polls = report_sha, 3
        deployer, out = _deployer(api, plan)
        deployer.plan.files = [f for f in plan.files if f != "bench/README.md"]  # a change
        deployer.apply()
    assert hub.spaces["you/book-chat"].commits[-1] == {"bench/README.md": None}
    lines = [line.split(" (")[0] for line in out.getvalue().splitlines() if "Space " in line]
    assert lines[-5:] == ["  … Space RUNNING", "  … Space BUILDING", "  … Space APP_STARTING",
                          "  … Space RUNNING", "  ✓ Space RUNNING after 0:30"]


def test_a_space_that_never_gets_healthy_reports_what_it_says(hub, api):
    unhealthy = {"status": "unhealthy", "services": {
        "qdrant": {"status": "unhealthy", "error": "collection missing: ingest"},
        "history": {"status": "healthy"}}}
    with StatusServer(script=[(503, unhealthy)]) as space:
        deployer, _ = _deployer(api, _plan(url=space.url), timeout=60)
        with pytest.raises(DeployError) as err:
            deployer.apply()
    assert "did not become healthy in time" in str(err.value)
    assert "unhealthy (qdrant: collection missing: ingest)" in str(err.value)


def test_a_build_that_outlasts_the_timeout_stops_with_its_stage(hub, api):
    hub.build_polls = 1000
    deployer, _ = _deployer(api, _plan(), timeout=30)
    with pytest.raises(DeployError, match="the Space is still BUILDING after 0:3"):
        deployer.apply()


def test_a_private_space_is_created_private_and_the_token_stays_with_the_hub(hub, api):
    with StatusServer(script=[(200, HEALTHY)]) as space:
        deployer, _ = _deployer(api, _plan(url=space.url, private=True))
        deployer.apply()
    assert hub.spaces["you/book-chat"].private
    assert space.authorizations == [None]  # --space-url names a host that is not the Hub's


def test_only_a_private_spaces_own_host_gets_the_hub_token():
    assert health_headers("https://you-book-chat.hf.space", True, TOKEN) == {
        "Authorization": f"Bearer {TOKEN}"}
    assert health_headers("https://you-book-chat.hf.space", False, TOKEN) == {}
    assert health_headers("https://chat.example.org", True, TOKEN) == {}
    assert health_headers("https://evil.example/x.hf.space", True, TOKEN) == {}
    assert health_headers("https://you-book-chat.hf.space", True, None) == {}

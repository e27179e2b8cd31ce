"""The preflight's own checks (white space, the Hub token, CORS origins) and its run as a
whole; the service probes are in test_services.py. Each failure names the variable and the fix,
never the value."""

from __future__ import annotations

from qdrant_client import QdrantClient

from deploy import preflight
from deploy.plan import build
from stores.vectorstore import describe
from tests.conftest import PROJECT
from tests.deploy.conftest import NamedEmbeddings, assert_safe, deploy_settings, make_collection
from tests.fakes.hub_server import TOKEN
from tests.fakes.hub_state import HubUser
from tests.support import free_port

# -- white space -----------------------------------------------------------------------------

def test_padded_values_are_named_with_a_warning_and_never_shown():
    raw = {"cohere_api_key": " co-PADDED-1234\n", "qdrant_url": "https://q.example.org ",
           "database_url": "postgresql://x@h/db", "port": " 7860 "}
    verdicts = preflight.check_padding(raw)
    assert [(v.name, v.status) for v in verdicts] == [("COHERE_API_KEY", "warn"),
                                                     ("QDRANT_URL", "warn")]
    assert "trimmed" in verdicts[0].message
    assert_safe(verdicts[0], "co-PADDED-1234")


# -- the Hub token -----------------------------------------------------------------------------

def test_the_hub_token_is_checked_and_the_space_looked_up(hub, api):
    verdict = preflight.check_hub(api, TOKEN, "you/book-chat")
    assert verdict.status == "ok"
    assert "logged in as you" in verdict.message and "will be created" in verdict.message
    api.create_repo("you/book-chat", repo_type="space", space_sdk="docker")
    assert "exists: it will be updated" in preflight.check_hub(api, TOKEN, "you/book-chat").message
    assert preflight.check_hub(api, TOKEN, "book-club/chat").status == "ok"  # an org of yours


def test_no_token_says_how_to_log_in(api):
    verdict = preflight.check_hub(api, None, "you/book-chat")
    assert verdict.status == "fail" and verdict.name == "HF_TOKEN"
    assert "hf auth login" in verdict.message and "write" in verdict.message


def test_a_refused_token_is_a_failure_without_its_value(api):
    verdict = preflight.check_hub(api, "hf_WRONG-token-000000", "you/book-chat")
    assert verdict.status == "fail" and "refused the token (401)" in verdict.message
    assert_safe(verdict, "hf_WRONG-token-000000")


def test_a_read_only_token_cannot_deploy(hub, api):
    hub.users["hf_readonly-token-0000"] = HubUser("you", role="read")
    verdict = preflight.check_hub(api, "hf_readonly-token-0000", "you/book-chat")
    assert verdict.status == "fail" and "read-only" in verdict.message


def test_a_namespace_not_yours_is_refused(api):
    verdict = preflight.check_hub(api, TOKEN, "someone-else/book-chat")
    assert verdict.status == "fail"
    assert "cannot create Spaces under 'someone-else'" in verdict.message


def test_an_unreachable_hub_is_reported():
    from huggingface_hub import HfApi

    api = HfApi(endpoint=f"http://127.0.0.1:{free_port()}", token=TOKEN)
    verdict = preflight.check_hub(api, TOKEN, "you/book-chat")
    assert verdict.status == "fail" and "the Hub is unreachable" in verdict.message


# -- CORS origins ----------------------------------------------------------------------------

def _plan(frontend=None, **settings):
    return build(deploy_settings(**settings), space="you/book-chat", frontend=frontend, private=False,
                 url=None, root=PROJECT)


def test_a_wildcard_frontend_fails():
    verdicts = preflight.check_origins(_plan("*"))
    assert [(v.name, v.status) for v in verdicts] == [("ALLOWED_ORIGINS", "fail")]
    assert "wildcard is never allowed" in verdicts[0].message


def test_a_frontend_with_a_path_keeps_its_origin_with_a_warning():
    verdicts = preflight.check_origins(_plan("https://you.github.io/book/"))
    assert [v.status for v in verdicts] == ["warn", "ok"]
    assert "kept the origin only (https://you.github.io)" in verdicts[0].message
    assert verdicts[1].message == "https://you.github.io, https://you-book-chat.hf.space"


def test_no_frontend_warns_that_only_the_space_may_call_itself():
    verdicts = preflight.check_origins(_plan())
    assert [v.status for v in verdicts] == ["warn"] and "--frontend" in verdicts[0].message


# -- warnings for what stays embedded ----------------------------------------------------------

def test_unset_services_are_warnings_that_say_what_the_space_will_do(hub, api):
    verdicts = preflight.run(
        deploy_settings(), _plan("https://you.github.io"), raw_env={}, api=api, token=TOKEN,
        open_qdrant=None, make_embeddings=None,
    )
    by_name = {v.name: v for v in verdicts}
    assert all(v.status != "fail" for v in verdicts), verdicts
    assert "offline" in by_name["COHERE_API_KEY"].message
    assert "sample book" in by_name["QDRANT_URL"].message
    assert "SQLite" in by_name["DATABASE_URL"].message


def test_the_model_check_runs_inside_the_preflight_on_the_configured_embeddings(local_qdrant):
    path, open_client = local_qdrant
    make_collection(path, "book", "embed-english-v3.0", 2)
    client = QdrantClient(path=path)
    assert describe(client, "book").points == 2
    client.close()
    settings = deploy_settings(qdrant_url="http://qdrant.invalid", qdrant_collection="book")
    verdicts = preflight.run(
        settings, _plan("https://you.github.io"), raw_env={}, api=None, token=None,
        open_qdrant=open_client, make_embeddings=lambda s: NamedEmbeddings("embed-v4.0"),
    )
    by_name = {v.name: v for v in verdicts}
    assert by_name["QDRANT_URL"].status == "ok"
    assert by_name["COHERE_API_KEY"].status == "fail"  # offline would embed with another model
    assert by_name["HF_TOKEN"].status == "fail"

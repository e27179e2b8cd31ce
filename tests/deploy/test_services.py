"""The probes of the services the Space will use, each failure with its message: the variable
and the fix, never the value.

Qdrant: the check takes a client factory; collection states are tested with the embedded
(local-mode) client, the URL paths with a refusing port and small servers answering 404 / 401.
PostgreSQL is the real local one; Cohere is the fake Cohere server.
"""

from __future__ import annotations

import pytest

from clients.factory import make_qdrant
from deploy.services import check_cohere, check_database, check_model, check_qdrant
from tests.deploy.conftest import (
    NamedEmbeddings,
    StatusServer,
    assert_safe,
    deploy_settings,
    make_collection,
)
from tests.support import free_port

SECRET = "qd-SECRET-KEY-77aa"


# -- Qdrant ----------------------------------------------------------------------------------

def test_a_refusing_qdrant_port_explains_the_suspended_cluster():
    settings = deploy_settings(qdrant_url=f"http://127.0.0.1:{free_port()}", qdrant_api_key=SECRET)
    verdict, info = check_qdrant(settings, make_qdrant)
    assert (verdict.name, verdict.status, info) == ("QDRANT_URL", "fail", None)
    assert "connection refused" in verdict.message and "Resume" in verdict.message
    assert_safe(verdict, SECRET, settings.qdrant_url)


def test_a_qdrant_answering_404_explains_the_suspended_cluster():
    with StatusServer(404) as server:
        verdict, _ = check_qdrant(deploy_settings(qdrant_url=server.url), make_qdrant)
        assert server.hits >= 1
    assert verdict.status == "fail" and "404 Not Found" in verdict.message
    assert "suspended free-tier" in verdict.message and "Resume" in verdict.message


def test_a_qdrant_refusing_the_key_names_the_key():
    with StatusServer(401) as server:
        verdict, _ = check_qdrant(deploy_settings(qdrant_url=server.url, qdrant_api_key=SECRET),
                                  make_qdrant)
    assert (verdict.name, verdict.status) == ("QDRANT_API_KEY", "fail")
    assert "refused the key (401)" in verdict.message
    assert_safe(verdict, SECRET)


def test_a_missing_collection_says_to_ingest(local_qdrant):
    path, open_client = local_qdrant
    verdict, info = check_qdrant(deploy_settings(qdrant_collection="absent"), open_client)
    assert (verdict.name, verdict.status) == ("QDRANT_COLLECTION", "fail")
    assert "does not exist" in verdict.message and "./dev ingest" in verdict.message


def test_an_empty_collection_says_to_ingest(local_qdrant):
    path, open_client = local_qdrant
    make_collection(path, "book", "embed-v4.0", 0)
    verdict, _ = check_qdrant(deploy_settings(qdrant_collection="book"), open_client)
    assert verdict.status == "fail" and "empty" in verdict.message


def test_a_filled_collection_passes_and_its_model_is_compared(local_qdrant):
    path, open_client = local_qdrant
    make_collection(path, "book", "embed-english-v3.0", 3)
    verdict, info = check_qdrant(deploy_settings(qdrant_collection="book"), open_client)
    assert verdict.status == "ok" and "3 vectors" in verdict.message
    same = check_model(info, NamedEmbeddings("embed-english-v3.0"), cohere=True)
    assert same.status == "ok"
    other = check_model(info, NamedEmbeddings("embed-v4.0"), cohere=True)
    assert (other.name, other.status) == ("COHERE_EMBED_MODEL", "fail")
    assert "filled by 'embed-english-v3.0'" in other.message and "--full" in other.message
    offline = check_model(info, NamedEmbeddings("all-MiniLM-L6-v2-int8"), cohere=False)
    assert offline.name == "COHERE_API_KEY" and "offline MiniLM" in offline.message


# -- PostgreSQL ------------------------------------------------------------------------------

def test_the_local_database_connects(pg_url):
    assert check_database(pg_url).status == "ok"


def test_a_remote_database_without_sslmode_is_refused_before_connecting():
    verdict = check_database("postgresql://u:pw-SECRET@ep-x.neon.tech/db")
    assert (verdict.name, verdict.status) == ("DATABASE_URL", "fail")
    assert "?sslmode=require" in verdict.message
    assert_safe(verdict, "pw-SECRET", "neon.tech")
    assert "sslmode" in check_database("postgresql://u@ep-x.neon.tech/db?sslmode=prefer").message


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/no_such_db_for_deploy", "does not exist"), ("/test", "refused the user or password")],
)
def test_database_failures_are_classified_without_the_url(pg_url, path, expected):
    from urllib.parse import urlsplit

    parts = urlsplit(pg_url)
    user = "postgres" if expected == "does not exist" else "no_such_role_for_deploy"
    url = f"postgresql://{user}:pw-SECRET@{parts.hostname}:{parts.port or 5432}{path}"
    verdict = check_database(url)
    assert verdict.status == "fail" and expected in verdict.message
    assert_safe(verdict, "pw-SECRET", "no_such_role_for_deploy", "no_such_db_for_deploy")


def test_a_database_that_refuses_connections_is_named():
    verdict = check_database(f"postgresql://postgres:pw-SECRET@127.0.0.1:{free_port()}/test")
    assert verdict.status == "fail" and "connection refused" in verdict.message


# -- Cohere ----------------------------------------------------------------------------------

def _cohere_settings(cohere, **extra):
    return deploy_settings(cohere_api_key="co-SECRET-KEY-42", cohere_base_url=cohere.url, **extra)


def test_the_cohere_key_is_accepted_with_one_listing(cohere):
    verdicts = check_cohere(_cohere_settings(cohere))
    assert [(v.name, v.status) for v in verdicts] == [("COHERE_API_KEY", "ok")]
    assert [r.path for r in cohere.requests] == ["/v1/models"]


def test_a_refused_cohere_key_fails_without_its_value(cohere):
    cohere.set_fault("models", 401)
    verdicts = check_cohere(_cohere_settings(cohere))
    assert [(v.name, v.status) for v in verdicts] == [("COHERE_API_KEY", "fail")]
    assert "refused the key (401)" in verdicts[0].message
    assert_safe(verdicts[0], "co-SECRET-KEY-42")


def test_a_model_cohere_does_not_offer_is_named(cohere):
    verdicts = check_cohere(_cohere_settings(cohere, cohere_embed_model="embed-nonexistent-v9"))
    assert [(v.name, v.status) for v in verdicts] == [("COHERE_API_KEY", "ok"),
                                                     ("COHERE_EMBED_MODEL", "fail")]
    assert "does not offer this model for embed" in verdicts[1].message


def test_an_unreachable_cohere_names_the_base_url():
    settings = deploy_settings(cohere_api_key="co-SECRET-KEY-42",
                         cohere_base_url=f"http://127.0.0.1:{free_port()}")
    verdicts = check_cohere(settings)
    assert (verdicts[0].name, verdicts[0].status) == ("COHERE_BASE_URL", "fail")
    assert "unreachable" in verdicts[0].message

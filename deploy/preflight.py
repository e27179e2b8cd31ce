"""The checks run before anything is uploaded, in the order an author would fix them.

A failure names the variable and the fix, never its value; warnings (white space trimmed, a
service left on its embedded default, a private Space) do not stop the deploy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient

from config.settings import Settings
from deploy.plan import SECRETS, VARIABLES, Plan
from deploy.services import Verdict, check_cohere, check_database, check_model, check_qdrant

TOKEN_HELP = (
    "create a token with the write role at huggingface.co/settings/tokens, then "
    "`hf auth login` or export HF_TOKEN"
)


def check_padding(raw: Mapping[str, object]) -> list[Verdict]:
    """Surrounding white space (a pasted newline, a trailing space) breaks keys on a Space."""
    verdicts = []
    for name in (*SECRETS, *VARIABLES):
        value = raw.get(name.lower())
        if isinstance(value, str) and value.strip() and value != value.strip():
            verdicts.append(Verdict(name, "warn", "had white space around it; it is trimmed "
                                    "before upload (trim it where you set it too)"))
    return verdicts


def check_hub(api: HfApi, token: str | None, space_id: str) -> Verdict:
    """The token is valid, may write, and may create Spaces under the Space's owner."""
    if not token:
        return Verdict("HF_TOKEN", "fail", f"no Hugging Face token found: {TOKEN_HELP}")
    try:
        me = api.whoami(token=token)
        if me.get("auth", {}).get("accessToken", {}).get("role") == "read":
            return Verdict("HF_TOKEN", "fail", f"the token is read-only: {TOKEN_HELP}")
        owner = space_id.split("/", 1)[0]
        names = {me.get("name")} | {org.get("name") for org in me.get("orgs") or []}
        if owner not in names:
            return Verdict("HF_TOKEN", "fail", f"the token's user ({me.get('name')}) cannot "
                           f"create Spaces under {owner!r}: use your user or one of your orgs")
        exists = api.repo_exists(space_id, repo_type="space", token=token)
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 401:
            return Verdict("HF_TOKEN", "fail", f"the Hub refused the token (401): {TOKEN_HELP}")
        return Verdict("HF_TOKEN", "fail", f"the Hub answered HTTP {status}; try again later")
    except httpx.HTTPError as exc:
        return Verdict("HF_TOKEN", "fail", f"the Hub is unreachable ({type(exc).__name__})")
    then = "exists: it will be updated" if exists else "does not exist yet: it will be created"
    return Verdict("HF_TOKEN", "ok", f"logged in as {me.get('name')}; Space {space_id} {then}")


def check_origins(plan: Plan) -> list[Verdict]:
    """CORS: the site's origin (no path, never *) plus the Space's own URL for /docs."""
    site = plan.site
    if site.problem:
        return [Verdict("ALLOWED_ORIGINS", "fail", site.problem)]
    verdicts = []
    if site.dropped:
        verdicts.append(Verdict("ALLOWED_ORIGINS", "warn", f"--frontend: kept the origin only "
                                f"({site.origin}); browsers send no path in Origin"))
    if len(plan.origins) <= 1:
        verdicts.append(Verdict("ALLOWED_ORIGINS", "warn", "only the Space itself may call it: "
                                "pass --frontend https://your-site so the widget works there"))
    else:
        verdicts.append(Verdict("ALLOWED_ORIGINS", "ok", ", ".join(plan.origins)))
    return verdicts


def run(
    settings: Settings,
    plan: Plan,
    *,
    raw_env: Mapping[str, object],
    api: HfApi,
    token: str | None,
    open_qdrant: Callable[[Settings], QdrantClient],
    make_embeddings: Callable[[Settings], Embeddings],
) -> list[Verdict]:
    """Every check, in order; the caller stops when any says fail."""
    verdicts = check_padding(raw_env)
    verdicts.append(check_hub(api, token, plan.space_id))
    verdicts += check_origins(plan)
    if settings.cohere_api_key is not None:
        verdicts += check_cohere(settings)
    else:
        verdicts.append(Verdict("COHERE_API_KEY", "warn", "not set: the Space answers with the "
                                "offline extractive model and embeds with MiniLM"))
    if settings.qdrant_url is not None:
        qdrant, info = check_qdrant(settings, open_qdrant)
        verdicts.append(qdrant)
        if qdrant.status == "ok":
            cohere = settings.cohere_api_key is not None
            verdicts.append(check_model(info, make_embeddings(settings), cohere=cohere))
    else:
        verdicts.append(Verdict("QDRANT_URL", "warn", "not set: the Space uses its own embedded "
                                "store and answers from the bundled sample book"))
    if settings.database_url is not None:
        verdicts.append(check_database(settings.database_url.get_secret_value()))
    else:
        verdicts.append(Verdict("DATABASE_URL", "warn", "not set: history is kept in SQLite "
                                "under DATA_DIR, lost on restart without persistent storage"))
    if plan.untracked:
        verdicts.append(Verdict("files", "warn", f"{len(plan.untracked)} files git does not "
                                "track are left out of the upload: commit them if the app "
                                "needs them"))
    if plan.private:
        verdicts.append(Verdict("--private", "warn", "readers' browsers cannot call a private "
                                "Space: the widget works only for you, logged in"))
    return verdicts

"""./dev deploy --space USER/NAME [--frontend URL] [--private] [--dry-run]

Deploys this clone to a Hugging Face Space (Docker SDK): preflight first, then create or update
the Space, its secrets and variables, upload the image's build context, follow the build and
wait for /api/health. Configured by the same environment as the server (see the README); the Hub
token comes from HF_TOKEN or the cached `hf auth login`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from urllib.parse import urlsplit

from config.settings import PROJECT_DIR


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="./dev deploy", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--space", required=True, help="the Space, as USER/NAME (or ORG/NAME)")
    p.add_argument("--frontend", help="URL of the book's site; its origin is allowed by CORS")
    p.add_argument("--private", action="store_true", help="create the Space private")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and run the preflight; send nothing to the Hub")
    p.add_argument("--space-url", help="the Space's public URL when it is not the default "
                   "https://USER-NAME.hf.space (a custom domain)")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds to wait for the build and for healthy (default 1800)")
    p.add_argument("--poll", type=float, default=5.0,
                   help="seconds between status calls (default 5)")
    p.add_argument("--verbose", action="store_true", help="show the libraries' debug logs")
    return p


def _setup(verbose: bool, token: str | None):
    """The redacting display and log routing, before anything can print."""
    from huggingface_hub.utils import disable_progress_bars

    from deploy.display import Display, Redactor, route_logs

    redact = Redactor([token])
    route_logs(redact, sys.stderr, logging.DEBUG if verbose else logging.WARNING)
    disable_progress_bars()  # our own progress lines instead of the library's bars
    # qdrant-client's version probe warns from a thread when the URL fails; the preflight
    # reports that failure itself, with the fix.
    warnings.filterwarnings("ignore", message="Failed to obtain server version")
    return Display(sys.stdout, redact)


def _preflight(settings, the_plan, api, token: str | None, out) -> bool:
    """Print every verdict; True when none failed."""
    from pydantic_settings import EnvSettingsSource

    from clients import factory
    from config.settings import Settings
    from deploy import preflight

    out.heading("Preflight")
    verdicts = preflight.run(
        settings, the_plan, raw_env=EnvSettingsSource(Settings)(), api=api, token=token,
        open_qdrant=factory.make_qdrant, make_embeddings=factory.make_embeddings,
    )
    for verdict in verdicts:
        out.mark(verdict.status, f"{verdict.name}: {verdict.message}")
    failed = [v for v in verdicts if v.status == "fail"]
    if failed:
        out.heading(f"Preflight failed ({len(failed)} to fix): nothing was sent to the Hub.")
    return not failed


def _apply(deployer) -> str | None:
    """Run the deploy; the reason it stopped, in one line, or None."""
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    from deploy.hub import DeployError

    try:
        deployer.apply()
    except DeployError as exc:
        return str(exc)
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        detail = f": {exc.server_message.strip()}" if exc.server_message else ""
        return f"the Hub answered HTTP {status}{detail}"
    except httpx.HTTPError as exc:
        return f"the Hub is unreachable ({type(exc).__name__})"
    except Exception as exc:  # a one-line report, never a traceback (--verbose logs it)
        logging.getLogger("deploy").debug("deploy failed", exc_info=True)
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from huggingface_hub import HfApi, get_token

    from config.settings import SettingsError, load_settings
    from deploy import hub, plan

    token = get_token()
    out = _setup(args.verbose, token)
    try:
        settings = load_settings()
        the_plan = plan.build(settings, space=args.space, frontend=args.frontend,
                              private=args.private, url=args.space_url, root=PROJECT_DIR)
    except (SettingsError, plan.PlanError) as exc:
        out.line(str(exc))
        return 2
    for value in the_plan.secrets.values():
        out.redact.add(value, urlsplit(value).password)

    out.heading("Plan" + (" (dry run: nothing is sent to the Hub)" if args.dry_run else ""))
    for text in the_plan.render():
        out.line("  " + text)
    api = HfApi(token=token)
    if not _preflight(settings, the_plan, api, token, out):
        return 1
    if args.dry_run:
        out.heading("Dry run: the preflight passed. Run again without --dry-run to deploy.")
        return 0

    out.heading("Deploy")
    deployer = hub.Deployer(api, the_plan, out, token=token, timeout=args.timeout,
                            poll=args.poll)
    problem = _apply(deployer)
    if problem is not None:
        out.heading(f"Deploy failed: {problem}")
        return 1
    out.heading(f"Deployed: {the_plan.url}")
    out.line("Add the widget to docusaurus.config.js:")
    out.line(the_plan.snippet())
    return 0


if __name__ == "__main__":
    sys.exit(main())

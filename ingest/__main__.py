"""Command line: python -m ingest DOCS_DIR [--base-url URL] [--route-base PATH | --site-dir DIR]
[--collection NAME] [--full] [--dry-run]. Configured by the same settings as the server (Cohere
or offline embeddings, Qdrant URL or the embedded store under DATA_DIR)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from book.site import SiteConfigError, route_base_for
from ingest.run import ingest


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    p.add_argument("docs_dir", type=Path, help="the Docusaurus docs/ folder")
    p.add_argument("--base-url", default=None, help="URL of the deployed docs site")
    p.add_argument("--route-base", default=None,
                   help="the docs' routeBasePath, e.g. / or /docs (DOCS_ROUTE_BASE)")
    p.add_argument("--site-dir", type=Path, default=None,
                   help="the Docusaurus site folder, to read routeBasePath from its config "
                        "(default: the folder above DOCS_DIR when it has one)")
    p.add_argument("--collection", default=None, help="Qdrant collection (QDRANT_COLLECTION)")
    p.add_argument("--full", action="store_true", help="drop the collection and re-embed all")
    p.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _route_base(args: argparse.Namespace, configured: str | None) -> str:
    """--route-base, else --site-dir's config, else DOCS_ROUTE_BASE, else found next to the
    docs folder (or /docs)."""
    if args.route_base is not None:
        return "/" + args.route_base.strip().strip("/")
    if args.site_dir is None and configured is not None:
        return configured
    return route_base_for(args.docs_dir, args.site_dir)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from clients import factory
    from config.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    collection = args.collection or settings.qdrant_collection
    try:
        route_base = _route_base(args, settings.docs_route_base)
    except SiteConfigError as exc:
        print(f"ingest failed: {exc}", file=sys.stderr)
        return 1
    try:
        client = factory.make_qdrant(settings)
    except RuntimeError as exc:  # embedded store locked by a running server
        print(f"cannot open the embedded Qdrant store: {exc}", file=sys.stderr)
        return 1
    try:
        report = ingest(
            args.docs_dir,
            client=client,
            embeddings=factory.make_embeddings(settings),
            collection=collection,
            record_db_url=settings.record_db_url,
            base_url=args.base_url if args.base_url is not None else settings.docs_base_url,
            route_base=route_base,
            full=args.full,
            dry_run=args.dry_run,
            progress=sys.stderr.isatty(),
        )
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"ingest failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        r = report
        verb = "would add" if r.dry_run else "added"
        print(
            f"{r.files} files, {r.chunks} chunks: {verb} {r.added}, updated {r.updated}, "
            f"unchanged {r.unchanged}, deleted {r.deleted} in {r.seconds:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

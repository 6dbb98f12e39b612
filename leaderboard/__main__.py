"""`python -m leaderboard PATHS... --out DIR`: build the static leaderboard site."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m leaderboard", description=__doc__)
    ap.add_argument("paths", nargs="+", type=Path, help="run directories or folders holding them")
    ap.add_argument("--out", required=True, type=Path, help="directory to write the site to")
    ap.add_argument("--all-runs", action="store_true", help="open the overview with one row per run")
    args = ap.parse_args(argv)
    from eval_anything.scrub import install_log_scrubbing

    install_log_scrubbing()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from leaderboard.build import build_site

    try:
        out = build_site(args.paths, args.out, all_runs=args.all_runs)
    except (FileNotFoundError, FileExistsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"site written to {out} (open {out / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

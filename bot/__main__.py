"""Command line: `python -m bot run` (the bot; without a Discord token, the offline sandbox when started from a
terminal, else exit 2) and `python -m bot sandbox` (the bot against a local Discord and Last.fm, driven from a prompt
or a script; in a source checkout only, the sandbox is not installed with the package)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from bot.config import load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Sharify, the collaborative playlist bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (in a terminal without SHARIFY_DISCORD_TOKEN: the sandbox)")
    sandbox = sub.add_parser("sandbox", help="try Sharify offline against a local Discord and Last.fm")
    sandbox.add_argument("--script", metavar="FILE", help="run the commands in FILE ('-' for standard input)")
    sandbox.add_argument("--json", action="store_true", help="print one JSON object per message the bot sent")
    sandbox.add_argument("--data-dir", type=Path, help="keep the sandbox's data here (default: a temporary folder)")
    sandbox.add_argument(
        "--wait", type=float, default=180.0, metavar="SECONDS", help="how long to wait for a deferred reply (180)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()

    from bot.runtime.logs import configure_logging  # noqa: PLC0415 - after settings are known to be valid

    if args.command == "run" and settings.discord_token is None:
        if not sys.stdin.isatty():  # a container or a service: nobody could type into the sandbox's prompt
            print(
                "Sharify cannot start: set SHARIFY_DISCORD_TOKEN to run on Discord "
                "(without it, `run` opens the offline sandbox only from a terminal).",
                file=sys.stderr,
            )
            return 2
        print(
            "No Discord token configured (set SHARIFY_DISCORD_TOKEN to run on Discord): "
            "starting the offline sandbox instead.",
            flush=True,
        )
        args = _parser().parse_args(["sandbox"])
    if args.command == "sandbox":
        try:
            from bot.sandbox.cli import run_sandbox  # noqa: PLC0415 - a development tool, not in the image
        except ModuleNotFoundError as e:
            if e.name is None or not e.name.startswith("bot.sandbox"):
                raise
            print("The sandbox is not part of this installation: run it from a source checkout.", file=sys.stderr)
            return 2

        configure_logging("WARNING", "text")
        return asyncio.run(
            run_sandbox(settings, script=args.script, as_json=args.json, data_dir=args.data_dir, wait=args.wait)
        )

    from bot.app import run  # noqa: PLC0415
    from bot.runtime.lifecycle import TokenRejected  # noqa: PLC0415
    from bot.runtime.secrets import ConfigError, resolve_secrets  # noqa: PLC0415

    configure_logging(settings.log_level, settings.log_format)
    try:
        settings = asyncio.run(resolve_secrets(settings))
    except ConfigError as e:
        print(f"Sharify cannot start: {e}", file=sys.stderr)
        return 2
    try:
        # SIGTERM and SIGINT are handled inside run(): a graceful stop, then exit 0.
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except TokenRejected as e:
        print(f"Sharify cannot start: {e}.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard command."""

from __future__ import annotations

import argparse


def cmd_dashboard(args: argparse.Namespace) -> int:
    from ..dashboard import serve

    return serve(host=args.host, port=args.port)



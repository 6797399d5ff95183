"""argparse pieces every family of commands shares: one-line usage errors and
whole-number arguments."""

from __future__ import annotations

import argparse


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (what was wrong, where to look)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _whole_number(minimum: int):
    """An argparse type: a whole number >= ``minimum``, with a one-line error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}: allowed a whole "
                                             f"number >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"invalid value {value}: allowed a whole "
                                             f"number >= {minimum}")
        return value
    return parse


_positive = _whole_number(1)
_non_negative = _whole_number(0)

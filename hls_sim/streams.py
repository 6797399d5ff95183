"""Per-decision random numbers, for common random numbers between worlds.

Each stochastic decision of the model (a crisis, a hand-off lost, a practitioner
leaving, a bid's discount...) draws from its own stream, and the number a stream gives
is a pure function of (run seed, decision, week, slot[, sub]): person i's draw for
"crisis" in week t is the same in every world run from the same seed, whatever else
happened in that world, and no matter how many other draws were made before it. So
the same person meets the same luck in both worlds wherever the worlds still agree,
and one extra draw somewhere shifts nothing else (Starsim's per-slot random numbers
follow the same principle).

The numbers come from a counter-based generator: the SplitMix64 output function
applied to a key made from the seed, the decision's name, the week and the slot.
Unlike a sequential generator, it computes only the draws asked for, in any order.
Slots are stable indices: a person's row, a post's row, an organisation's row.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.special import ndtri

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0 ** -53


def _mix_int(x: int) -> int:
    """SplitMix64's output function on a Python int (64-bit)."""
    x = (x + _GOLDEN) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function, element-wise on uint64 (wrapping arithmetic)."""
    x ^= x >> np.uint64(30)
    x *= _C1
    x ^= x >> np.uint64(27)
    x *= _C2
    x ^= x >> np.uint64(31)
    return x


def _mix_array(x: np.ndarray) -> np.ndarray:
    """``_mix_int`` element-wise on uint64 (wrapping arithmetic)."""
    return _mix(x + np.uint64(_GOLDEN))


def decision_key(seed: int, decision: str) -> int:
    """A 64-bit key for one decision of one run (stable across processes and machines)."""
    digest = hashlib.blake2b(decision.encode(), digest_size=8).digest()
    return _mix_int(_mix_int(int(seed) & _M64) ^ int.from_bytes(digest, "little"))


class Stream:
    """The random numbers of one decision of one run.

    ``random(week, slots)`` gives one uniform number in [0, 1) per slot;
    ``normal(week, slots)`` one standard normal. ``sub`` separates several draws of
    the same decision for the same slot in one week (e.g. one bid per lot).
    """

    def __init__(self, seed: int, decision: str, kernels=None):
        self.decision = decision
        self.key = decision_key(seed, decision)
        self._week_bases = np.zeros(0, np.uint64)  # week_base's table, grown on demand
        # The compiled kernels (hls_sim.kernels) when the model runs them: a draw for a
        # few slots is then one call instead of a dozen numpy operations on tiny arrays
        # (9 us a call here); the numbers are the same (kernels.stream_units).
        self._kernels = kernels

    def base(self, week: int, sub: int = 0) -> int:
        """The 64-bit offset of (week, sub): slot i's bits are SplitMix64's output of
        ``i * golden + base`` (the compiled kernels take it as an argument)."""
        return _mix_int(self.key ^ _mix_int((int(week) << 20) ^ int(sub)))

    def week_base(self, week: int) -> np.uint64:
        """``base(week)`` (sub 0) as a numpy uint64, for a compiled kernel: read from a
        table of every week's base, computed on first use and doubled when a later week needs it.
        (Two 64-bit mixes on Python integers cost about a microsecond, and most
        mechanisms need one or two bases every week.)"""
        table = self._week_bases
        if week >= table.size:
            weeks = np.arange(max(256, 2 * int(week) + 1), dtype=np.uint64)
            table = self._week_bases = _mix_array(
                np.uint64(self.key) ^ _mix_array(weeks << np.uint64(20)))
        return table[week]

    def _base64(self, week: int, sub: int) -> np.uint64:
        return self.week_base(week) if sub == 0 else np.uint64(self.base(week, sub))

    def _bits(self, week: int, slots, sub: int) -> np.ndarray:
        x = np.asarray(slots, dtype=np.uint64) * np.uint64(_GOLDEN)
        x += self._base64(week, sub)
        return _mix(x) >> np.uint64(11)

    def _units(self, week: int, slots, sub: int, half: float) -> np.ndarray:
        """(bits + half) x 2**-53 per slot, from the compiled kernels."""
        base = self._base64(week, sub)
        slots = np.asarray(slots, dtype=np.int64)
        return self._kernels.stream_units(base, slots.ravel(), half).reshape(slots.shape)

    def random(self, week: int, slots, sub: int = 0) -> np.ndarray:
        """Uniform [0, 1), one per slot."""
        if self._kernels is not None:
            return self._units(week, slots, sub, 0.0)
        return self._bits(week, slots, sub) * _TO_UNIT

    def normal(self, week: int, slots, sub: int = 0) -> np.ndarray:
        """Standard normal, one per slot (inverse normal CDF of a uniform in (0, 1))."""
        if self._kernels is not None:
            return ndtri(self._units(week, slots, sub, 0.5))
        return ndtri((self._bits(week, slots, sub) + 0.5) * _TO_UNIT)

    def one(self, week: int, slot: int = 0, sub: int = 0) -> float:
        """A single uniform [0, 1): the same number as ``random(week, [slot], sub)[0]``,
        computed on Python integers (a numpy call costs more than the arithmetic)."""
        return self._bits_one(week, slot, sub) * _TO_UNIT

    def normal_one(self, week: int, slot: int = 0, sub: int = 0) -> float:
        """A single standard normal: the same number as ``normal(week, [slot], sub)[0]``
        (the 53 bits, an exact float, plus a half, as the array draw adds it)."""
        return float(ndtri((self._bits_one(week, slot, sub) + 0.5) * _TO_UNIT))

    def _bits_one(self, week: int, slot: int, sub: int) -> int:
        """``_bits`` of one slot, on Python integers."""
        x = (int(slot) * _GOLDEN + self.base(week, sub)) & _M64
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
        return (x ^ (x >> 31)) >> 11

    def __repr__(self) -> str:
        return f"<Stream {self.decision!r}>"

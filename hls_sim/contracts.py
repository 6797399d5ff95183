"""The contracts (lots) in force, owned by one state object with an explicit version.

Every lot exists in both regimes (one per locality and lead need domain) with the
same first holder and posts, so both regimes start from the same place; the levers
decide a lot's scope, its length, how it is paid and how it is re-let.

Mechanisms change contracts only through :class:`Contracts` (``award``, ``renew``,
``end``, ``set_scope``, ``move_value``...), each of which bumps ``version``; the array
views the weekly step reads (holder, scope, cover, end week) are rebuilt lazily when
the version has moved, so no caller can see a stale view or forget to refresh one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import DOMAINS, N_DOMAINS


def lot_domains(lead: int, width: int) -> np.ndarray:
    """The domains a lot led by ``lead`` covers: a run of ``width`` related domains."""
    mask = np.zeros(N_DOMAINS, bool)
    mask[(lead + np.arange(width)) % N_DOMAINS] = True
    return mask


@dataclass
class Contract:
    """One lot: a locality and the need domains it covers, held by one organisation.

    ``value`` is pence per week; ``posts`` the practitioner posts it funds; ``start``
    and ``end`` are weeks; ``priced_rate`` the reported success rate at which results
    pay in full.
    """

    index: int
    locality: int
    lead_domain: int
    domains: np.ndarray
    org: int
    posts: int
    value: int
    base_value: int
    base_posts: int
    start: int
    end: int
    active: bool = True
    priced_rate: float = 0.5

    @property
    def name(self) -> str:
        return f"{DOMAINS[self.lead_domain]} lot in locality {self.locality}"


class Contracts:
    """Every contract of the place, and array views of them for the weekly step.

    Attributes (array views, one row per contract, rebuilt when ``version`` moves):
        org: holder; active: in force; domains: (contracts, domains) scope;
        locality; end: week it ends; cover: (contracts, localities, domains) which
        contract covers which need where.
    """

    def __init__(self, n_localities: int):
        self.items: list[Contract] = []
        self.n_localities = n_localities
        self.version = 0
        self._built = -1
        self._held_version = -1
        self._held: dict[int, list[Contract]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i: int) -> Contract:
        return self.items[i]

    def changed(self) -> None:
        """Mark that a contract changed: views are rebuilt on next read."""
        self.version += 1

    # --- changes ------------------------------------------------------------------------

    def add(self, c: Contract) -> None:
        self.items.append(c)
        self.changed()

    def renew(self, c: Contract, start: int, length: int) -> None:
        c.start, c.end = start, start + length
        self.changed()

    def extend_to(self, c: Contract, end: int) -> None:
        c.end = end
        self.changed()

    def set_scope(self, c: Contract, width: int) -> None:
        c.domains = lot_domains(c.lead_domain, width)
        self.changed()

    def end(self, c: Contract) -> None:
        c.active = False
        self.changed()

    def set_holder(self, c: Contract, org: int, posts: int) -> None:
        c.org, c.posts = org, posts
        self.changed()

    # --- views --------------------------------------------------------------------------

    def _build(self) -> None:
        cs = self.items
        self._org = np.array([c.org for c in cs], np.int32)
        self._active = np.array([c.active for c in cs], bool)
        self._domains = np.array([c.domains for c in cs], bool).reshape(len(cs), N_DOMAINS)
        self._locality = np.array([c.locality for c in cs], np.int32)
        self._end = np.array([c.end for c in cs], np.int32)
        cover = np.zeros((len(cs), self.n_localities, N_DOMAINS), bool)
        for c in cs:
            if c.active:
                cover[c.index, c.locality, c.domains] = True
        self._cover = cover
        self._built = self.version

    def _view(self, name: str) -> np.ndarray:
        if self._built != self.version:
            self._build()
        return getattr(self, name)

    org = property(lambda self: self._view("_org"))
    active = property(lambda self: self._view("_active"))
    domains = property(lambda self: self._view("_domains"))
    locality = property(lambda self: self._view("_locality"))
    end_week = property(lambda self: self._view("_end"))
    cover = property(lambda self: self._view("_cover"))

    def held_by(self, org: int) -> list[Contract]:
        """Active contracts held by organisation ``org``."""
        if self._held_version != self.version:
            held: dict[int, list[Contract]] = {}
            for c in self.items:
                if c.active:
                    held.setdefault(c.org, []).append(c)
            self._held, self._held_version = held, self.version
        return self._held.get(org, [])

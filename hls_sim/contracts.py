"""The contracts (lots) in force, owned by one state object with an explicit version.

Every lot exists in both regimes (one per locality and lead need domain) with the
same first holder and posts, so both regimes start from the same place; the levers
decide a lot's scope, its length, how it is paid and how it is re-let.

Mechanisms change contracts only through :class:`Contracts` (``award``, ``renew``,
``end``, ``set_scope``, ``move_value``...), each of which bumps ``version``; the array
views the weekly step reads (holder, scope, cover, end week) are brought up to date
lazily when next read (the changed contracts' rows written afresh), so no caller can
see a stale view or forget to refresh one.
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


def tendered_next(award: str, lettings: int | np.ndarray) -> bool | np.ndarray:
    """Whether a contract's next letting is a tender: always under price_quality, never
    under partnership, and only the first time under an alliance."""
    if award == "price_quality":
        return np.ones_like(lettings, bool) if isinstance(lettings, np.ndarray) else True
    if award == "alliance":
        return lettings == 0
    return np.zeros_like(lettings, bool) if isinstance(lettings, np.ndarray) else False


class _View:
    """An array view of the contract book, built from the contracts when first read
    after a change and kept in the book's ``__dict__`` until the next change
    (``Contracts.changed`` drops it). A non-data descriptor: while the view is
    current, reading it is a plain attribute lookup (about 0.1 us here, against 0.3 us
    for a property comparing versions on every read; the weekly step reads these views
    some 25 times a week).

    A view dropped by a change to one contract is kept aside with the rows changed
    since; the next read copies it and writes those rows afresh from their contracts
    (``row``), rather than building it from every contract again: a competitive run
    rebuilt views about 1,100 times at 4-12 us each (tenders re-let lots one by one),
    and a copy with a row or two written takes about a microsecond. The copy keeps a
    view read before the change as it was, as a rebuild did."""

    names: list[str] = []  # every view's attribute name

    def __init__(self, build):
        self.build = build
        self.row = None
        self.__doc__ = build.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        _View.names.append(name)

    def rows(self, row):
        """Set how one contract's row of this view is written: ``row(book, view, c)``
        writes contract ``c``'s entries of ``view`` from its fields, as ``build`` does."""
        self.row = row
        return self

    def __get__(self, book, owner=None):
        if book is None:
            return self
        stale = book._stale.pop(self.name, None)
        if stale is not None and self.row is not None:
            array = stale[0].copy()
            items = book.items
            for i in stale[1]:
                self.row(book, array, items[i])
        else:
            array = self.build(book)
        book.__dict__[self.name] = array
        return array


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
    lettings: int = 0  # times it has been re-let (tendered or renewed) since week 0
    moved_week: int = -(10**6)  # last week it changed hands (mobilisation runs from it)
    last_review: int = 0  # week of its last partnership or break review

    @property
    def name(self) -> str:
        return f"{DOMAINS[self.lead_domain]} lot in locality {self.locality}"


def _field(name: str):
    """A view's row writer (``_View.rows``) for a view that is one field per contract."""
    def row(book, view: np.ndarray, c: Contract) -> None:
        view[c.index] = getattr(c, name)
    return row


def _price_ratio(c: Contract) -> float:
    """Price per funded post against the specified price per post (1 = as specified)."""
    return (c.value / max(c.posts, 1)) / (c.base_value / max(c.base_posts, 1))


def _price_ratio_row(book, view: np.ndarray, c: Contract) -> None:
    view[c.index] = _price_ratio(c)


def _cover_row(book, view: np.ndarray, c: Contract) -> None:
    view[c.index] = False
    if c.active:
        view[c.index, c.locality] = c.domains


class Contracts:
    """Every contract of the place, and array views of them for the weekly step.

    Attributes (array views, one row per contract, rebuilt when ``version`` moves):
        org: holder; active: in force; domains: (contracts, domains) scope;
        locality; end: week it ends; cover: (contracts, localities, domains) which
        contract covers which need where; value (pence a week), funded_posts and
        priced_rate, as on each Contract.
    """

    def __init__(self, n_localities: int):
        self.items: list[Contract] = []
        self.n_localities = n_localities
        self.version = 0
        self._held_version = -1
        self._held: dict[int, list[Contract]] = {}
        # Views dropped by a change to some contracts: name -> (the view as it was, the
        # rows of the contracts changed since), for ``_View`` to bring up to date.
        self._stale: dict[str, tuple[np.ndarray, set[int]]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i: int) -> Contract:
        return self.items[i]

    def changed(self, c: Contract | None = None) -> None:
        """Mark that contract ``c`` changed (every field of it may have), or with no
        ``c`` that any may have: views are brought up to date on next read (``c``'s rows
        written afresh; with no ``c``, built again from every contract). A field set on
        a contract directly (``c.value = ...``, before ``renew``) must be followed by a
        change naming that contract, or none, before a view is read again: a change
        naming another contract does not write its row (tests/test_contracts.py)."""
        self.version += 1
        cached, stale = self.__dict__, self._stale
        if c is None:
            stale.clear()
            for name in _View.names:
                cached.pop(name, None)
            return
        i = c.index
        for name in _View.names:
            view = cached.pop(name, None)
            if view is not None:
                stale[name] = (view, {i})
            elif name in stale:
                stale[name][1].add(i)

    # --- changes ------------------------------------------------------------------------

    def add(self, c: Contract) -> None:
        if c.index != len(self.items):  # a contract's index is its row in every view
            raise ValueError(f"contract index {c.index} added as row {len(self.items)}")
        self.items.append(c)
        self.changed()  # a new row: every view built again

    def renew(self, c: Contract, start: int, length: int) -> None:
        """Let ``c`` again (after a tender, a direct award or a review) from ``start`` for
        ``length``: in force again if it had ended."""
        c.start, c.end, c.active = start, start + length, True
        c.lettings += 1
        self.changed(c)

    def extend_to(self, c: Contract, end: int) -> None:
        c.end = end
        self.changed(c)

    def set_scope(self, c: Contract, width: int) -> None:
        c.domains = lot_domains(c.lead_domain, width)
        self.changed(c)

    def end(self, c: Contract) -> None:
        c.active = False
        self.changed(c)

    def set_holder(self, c: Contract, org: int, posts: int) -> None:
        c.org, c.posts = org, posts
        self.changed(c)

    # --- views --------------------------------------------------------------------------

    # Each view is built on its own when first read after a change (``_View``): at a
    # million people the contract book changes dozens of times a week (lots re-let one
    # by one) and most reads between two changes want only the holders. Each method
    # below builds the view of its name from the contracts.

    @_View
    def org(self) -> np.ndarray:
        return np.fromiter((c.org for c in self.items), np.int32, len(self.items))
    org.rows(_field("org"))

    @_View
    def active(self) -> np.ndarray:
        return np.fromiter((c.active for c in self.items), bool, len(self.items))
    active.rows(_field("active"))

    @_View
    def domains(self) -> np.ndarray:
        return np.array([c.domains for c in self.items], bool).reshape(len(self.items),
                                                                         N_DOMAINS)
    domains.rows(_field("domains"))

    @_View
    def locality(self) -> np.ndarray:
        return np.fromiter((c.locality for c in self.items), np.int32, len(self.items))
    locality.rows(_field("locality"))

    @_View
    def end_week(self) -> np.ndarray:
        return np.fromiter((c.end for c in self.items), np.int32, len(self.items))
    end_week.rows(_field("end"))

    @_View
    def lettings(self) -> np.ndarray:
        return np.fromiter((c.lettings for c in self.items), np.int32, len(self.items))
    lettings.rows(_field("lettings"))

    @_View
    def moved_week(self) -> np.ndarray:
        return np.fromiter((c.moved_week for c in self.items), np.int64, len(self.items))
    moved_week.rows(_field("moved_week"))

    @_View
    def value(self) -> np.ndarray:
        return np.fromiter((c.value for c in self.items), np.int64, len(self.items))
    value.rows(_field("value"))

    @_View
    def funded_posts(self) -> np.ndarray:
        return np.fromiter((c.posts for c in self.items), np.int64, len(self.items))
    funded_posts.rows(_field("posts"))

    @_View
    def priced_rate(self) -> np.ndarray:
        return np.fromiter((c.priced_rate for c in self.items), float, len(self.items))
    priced_rate.rows(_field("priced_rate"))

    @_View
    def price_ratio(self) -> np.ndarray:
        return np.array([_price_ratio(c) for c in self.items])
    price_ratio.rows(_price_ratio_row)

    @_View
    def cover(self) -> np.ndarray:
        cover = np.zeros((len(self.items), self.n_localities, N_DOMAINS), bool)
        rows = np.flatnonzero(self.active)
        cover[rows, self.locality[rows]] = self.domains[rows]
        return cover
    cover.rows(_cover_row)

    def held_by(self, org: int) -> list[Contract]:
        """Active contracts held by organisation ``org``."""
        if self._held_version != self.version:
            held: dict[int, list[Contract]] = {}
            for c in self.items:
                if c.active:
                    held.setdefault(c.org, []).append(c)
            self._held, self._held_version = held, self.version
        return self._held.get(org, [])

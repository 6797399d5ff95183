"""The contract book's array views stay equal to views built afresh from every contract,
whatever changes come in whatever order, and a view read before a change keeps what it
read (``contracts._View``: a view dropped by one contract's change is patched)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hls_sim.contracts import Contract, Contracts, _View, lot_domains
from hls_sim.params import N_DOMAINS

N_LOCALITIES = 3


def book() -> Contracts:
    contracts = Contracts(N_LOCALITIES)
    for i in range(N_LOCALITIES * N_DOMAINS):
        loc, lead = divmod(i, N_DOMAINS)
        contracts.add(Contract(i, loc, lead, lot_domains(lead, 1), org=i % 5, posts=4,
                               value=4000 + i, base_value=4000, base_posts=4, start=0,
                               end=156))
    return contracts


def built_afresh(contracts: Contracts, name: str) -> np.ndarray:
    return getattr(Contracts, name).build(contracts)


# A change: (kind, contract, a number for it); reads between changes: which views.
change = st.tuples(st.sampled_from(["renew", "extend_to", "set_scope", "end", "set_holder",
                                    "value_then_renew", "moved_then_holder", "many"]),
                   st.integers(0, N_LOCALITIES * N_DOMAINS - 1), st.integers(1, 6))
reads = st.lists(st.sampled_from(_View.names), max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(change, reads), min_size=1, max_size=25))
def test_views_equal_views_built_afresh_after_any_changes(steps):
    contracts = book()
    for (kind, index, k), names in steps:
        c = contracts[index]
        before = {name: getattr(contracts, name) for name in names}
        kept = {name: view.copy() for name, view in before.items()}
        if kind == "renew":
            contracts.renew(c, k, 52 * k)
        elif kind == "extend_to":
            contracts.extend_to(c, 200 + k)
        elif kind == "set_scope":
            contracts.set_scope(c, k)
        elif kind == "end":
            contracts.end(c)
        elif kind == "set_holder":
            contracts.set_holder(c, k % 5, k)
        elif kind == "value_then_renew":  # a field set directly, then the change named
            c.value, c.priced_rate = 1000 * k, 0.1 * k
            contracts.renew(c, k, 52)
        elif kind == "moved_then_holder":
            c.moved_week = k
            contracts.set_holder(c, (c.org + 1) % 5, c.posts)
        else:  # posts moved between several contracts: the change names none
            for other in contracts.items[:k]:
                other.posts += 1
            contracts.changed()
        for name, view in before.items():
            np.testing.assert_array_equal(view, kept[name], err_msg=f"{name} read before")
        for name in names:
            np.testing.assert_array_equal(getattr(contracts, name),
                                          built_afresh(contracts, name), err_msg=name)
    for name in _View.names:
        np.testing.assert_array_equal(getattr(contracts, name), built_afresh(contracts, name),
                                      err_msg=name)


def test_a_contract_must_be_added_as_its_own_row():
    contracts = book()
    stray = Contract(99, 0, 0, lot_domains(0, 1), 0, 1, 1, 1, 1, 0, 52)
    try:
        contracts.add(stray)
    except ValueError as e:
        assert "contract index 99 added as row 18" in str(e)
    else:
        raise AssertionError("a contract added out of its row was accepted")

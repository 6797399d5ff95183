"""A Dask preload that makes a worker claim another hls_sim version: a real worker
process on a real scheduler, as a cluster with a stale install would be (for the test
of the version check on connecting)."""

import hls_sim


def dask_setup(worker=None) -> None:
    hls_sim.__version__ = "0.0.0+stale"

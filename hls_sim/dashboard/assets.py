"""The browser side of the dashboard, available without internet access.

Solara's page loads its JavaScript and CSS (the Vue/Vuetify app, require.js, Font
Awesome, ECharts for the charts) through the Solara server's asset proxy, which
fetches them from a public CDN the first time and then serves them from a cache
folder. On a machine without that CDN (a closed network, a training room's laptop
behind a firewall) the page would stay blank, so :func:`ensure_assets` fills the
cache from the npm registry with ``npm pack``, the ordinary npm client, before the
server starts. If the files are already cached it does nothing; if npm is missing it
says so and leaves the proxy to try the CDN.

The package versions are read from the installed Solara, so an upgrade of Solara
brings the matching files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def _solara_dir() -> Path:
    import solara

    return Path(solara.__file__).parent


def required_packages() -> list[str]:
    """npm ``name@version`` specs the dashboard's page loads through the proxy."""
    import solara.util

    root = _solara_dir()
    template = (root / "server/templates/solara.html.j2").read_text()
    app = "solara-vuetify3-app" if solara.util.IPYVUETIFY_V3 else "solara-vuetify-app"
    specs = sorted(set(re.findall(rf"@widgetti/{app}@[\w.\-]+", template)))
    specs += sorted(set(re.findall(r"requirejs@[\w.\-]+", template)))
    from solara.server import settings

    fa = settings.assets.fontawesome_path.strip("/").split("/")[0]  # font-awesome@4.5.0
    if settings.assets.fontawesome_enabled and "@" in fa:
        specs.append(fa)
    echarts = (root / "components/echarts.vue").read_text()
    m = re.search(r'const version = "([\w.\-]+)"', echarts)
    specs.append(f"echarts@{m.group(1) if m else '5.4.0'}")
    return specs


def cache_dir() -> Path:
    """The Solara asset proxy's cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _is_cached(root: Path, spec: str) -> bool:
    d = root / spec
    return (d / "package.json").exists() or (d.is_dir() and any(d.iterdir()))


def ensure_assets(quiet: bool = False) -> list[str]:
    """Put every package the page needs into the proxy cache; return those still
    missing (empty when all is in place)."""
    root = cache_dir()
    missing = [s for s in required_packages() if not _is_cached(root, s)]
    if not missing:
        return []
    npm = shutil.which("npm")
    if npm is None:
        if not quiet:
            print("hls-sim dashboard: npm not found, so the page's JavaScript will come "
                  "from Solara's CDN (needs internet): " + ", ".join(missing),
                  file=sys.stderr)
        return missing
    still = []
    with tempfile.TemporaryDirectory(prefix="hls-sim-assets-") as tmp:
        for spec in missing:
            if not quiet:
                print(f"hls-sim dashboard: fetching {spec} with npm pack", file=sys.stderr)
            try:
                out = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                     check=True, capture_output=True, text=True, timeout=300)
                tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
                _extract(tgz, root / spec)
            except (subprocess.SubprocessError, OSError, IndexError, tarfile.TarError) as exc:
                if not quiet:
                    print(f"hls-sim dashboard: could not fetch {spec}: {exc}", file=sys.stderr)
                still.append(spec)
    return still


def _extract(tgz: Path, dest: Path) -> None:
    """Unpack an npm tarball's ``package/`` folder into ``dest`` (atomically)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.parent / (dest.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir()
    with tarfile.open(tgz) as tar:
        members = []
        for m in tar.getmembers():
            name = m.name.split("/", 1)[1] if "/" in m.name else ""
            if not name or not (m.isfile() or m.isdir()):
                continue
            m.name = name
            members.append(m)
        tar.extractall(part, members=members, filter="data")
    shutil.rmtree(dest, ignore_errors=True)
    part.rename(dest)


if __name__ == "__main__":  # python -m hls_sim.dashboard.assets
    left = ensure_assets()
    print("dashboard assets ready" if not left else "missing: " + ", ".join(left))
    sys.exit(1 if left else 0)

"""Builds a site from the ``site`` config of an imported source (``simbench``, ``dss``, ``pandapower``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenarios.errors import InputError
from scenarios.site import Site


def load_pandapower_site(path: str | Path, seed: int = 0) -> Site:
    """A site from a pandapower net saved with ``pandapower.to_json``.

    Raises:
        InputError: Missing or unreadable file, or a net the site model cannot hold.
    """
    import pandapower as pp

    from scenarios.sources.simbench_site import site_from_net

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: pandapower JSON file not found")
    try:
        net = pp.from_json(str(p))
    except Exception as exc:  # pandapower raises many kinds on a bad file
        raise InputError(f"{p}: not a pandapower JSON net ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    name = net.name if isinstance(net.name, str) and net.name.strip() else p.stem
    return site_from_net(net, name, str(p), seed)


def build_source_site(kind: str, site_cfg: Any, seed: int) -> Site:
    """The site of ``site=simbench|dss|pandapower`` (see docs/site-format.md), checked like a site file.

    Raises:
        InputError: One line naming the code or file: unreadable input, or a
            site the format does not allow (a meshed network, ...).
    """
    from scenarios.site_io import validate_site

    if kind == "simbench":
        from scenarios.sources.simbench_site import make_simbench_site

        site, where = make_simbench_site(str(site_cfg.code), seed), f"simbench {site_cfg.code}"
    elif kind == "dss":
        from scenarios.sources.dss_site import read_dss

        site, where = read_dss(str(site_cfg.path), seed), str(site_cfg.path)
    elif kind == "pandapower":
        site, where = load_pandapower_site(str(site_cfg.path), seed), str(site_cfg.path)
    else:
        raise InputError(f"site.kind: '{kind}' is not an imported source (simbench, dss, pandapower)")
    validate_site(site, where)
    return site

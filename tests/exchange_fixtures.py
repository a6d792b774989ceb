"""Packages of three small synthetic districts for the city-exchange tests (tests/test_exchange.py,
tests/test_screen_city.py, the browser test of /city), built once per test session.

The generator only knows 闵行 (310112), so the other two are re-coded as another district's smartsup
would have written them: their content (built by the exporter) gets the other district's code and
street codes, and ``write_package`` — the exporter's own writer — packs it. Like
``tests.test_refresh.refreshed_copy``, the packages are written once under the session's base
temporary directory and then shared read-only by every module that asks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access.db import make_engine
from data_access.exchange import parse_period
from data_access.exchange.export import build_content, export_package, write_package
from data_access.migrate import upgrade
from data_access.refresh import refresh
from tests.conftest import SMALL_UNTIL
from tests.test_refresh import refreshed_copy

PERIOD = parse_period("2026-10")  # complete before the small district's data time, with 双随机 tasks
EARLIER = parse_period("2026-09")
#: seed → (code, name) of the re-coded districts; 闵行 itself is the small store (seed 7)
OTHER = {11: ("310104", "徐汇区"), 23: ("310115", "浦东新区")}


def recode(content: dict, code: str, name: str) -> dict:
    """A package's content as district ``code`` would have sent it."""
    old = content["district"]["code"]
    content = json.loads(json.dumps(content))
    content["district"] = {"code": code, "name": name}
    for s in content["streets"]:
        s["code"] = code + s["code"][len(old) :]
    for v in content["indicator_values"]:
        v["area_code"] = code + v["area_code"][len(old) :]
    return content


def district_packages(tmp_path_factory: pytest.TempPathFactory, small_store_url: str) -> tuple[dict, list]:
    """``({code: 2026-10 package}, [the 2026-09 packages of the same districts])`` of 闵行 (seed 7)
    and two re-coded districts (seeds 11, 23)."""
    from ingest.generate import generate

    base = tmp_path_factory.getbasetemp() / "exchange-packages"
    out, earlier, done = base / "2026-10", base / "2026-09", base / "built.json"
    if not done.exists():
        out.mkdir(parents=True, exist_ok=True)
        earlier.mkdir(exist_ok=True)
        minhang = make_engine(refreshed_copy(tmp_path_factory, small_store_url))
        paths = {"310112": str(export_package(minhang, PERIOD, out).path)}
        export_package(minhang, EARLIER, earlier)
        minhang.dispose()
        for seed, (code, name) in OTHER.items():
            engine = make_engine(f"sqlite:///{base / f's{seed}.sqlite'}")
            upgrade(engine)
            generate(engine, scale="small", seed=seed, until=SMALL_UNTIL, progress=False)
            refresh(engine, progress=False)
            for period, into in ((EARLIER, earlier), (PERIOD, out)):
                content, _ = build_content(engine, period, "310112", "闵行区")
                path = write_package(recode(content, code, name), into)
                if period is PERIOD:
                    paths[code] = str(path)
            engine.dispose()
        done.write_text(json.dumps(paths), "utf-8")
    paths = {code: Path(p) for code, p in json.loads(done.read_text("utf-8")).items()}
    return paths, sorted(earlier.glob("*.zip"))


def package_values(path: Path) -> dict[tuple[str, str], float | None]:
    """``{(indicator_id, area_code): value}`` of a package, read from its data.json."""
    import zipfile

    data = json.loads(zipfile.ZipFile(path).read("data.json"))
    return {(v["indicator_id"], v["area_code"]): v["value"] for v in data["indicator_values"]}


def city_store(engine: sa.Engine, packages) -> sa.Engine:
    """``engine``'s store migrated and loaded with ``packages`` (all must be accepted)."""
    from data_access.exchange import ImportOutcome, import_packages

    upgrade(engine)
    outcomes = import_packages(engine, packages)
    assert all(isinstance(o, ImportOutcome) for o in outcomes), outcomes
    return engine

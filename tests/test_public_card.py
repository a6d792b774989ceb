"""扫码查看: the public card a 一户一档 QR code opens — sign-in-free, public facts only, every opening a
``qr_scan``, rate-limited per address, and a plain Chinese page for a bad or unknown code."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache, schema
from data_access.db import make_engine
from data_access.uscc import make_uscc
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    # a copy of its own: opening the card writes qr_scan rows, and the session's refreshed store is
    # shared read-only by every other module (its raw counts must keep matching its marts)
    own = tmp_path_factory.mktemp("public-store") / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, own)
    url = f"sqlite:///{own}"
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("public"), cache_type="null",
                              public_rate_limit="5 per minute"))
    app.store_url = url
    yield app
    cache.reset()


def _entity(app) -> dict:
    engine = make_engine(app.store_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(schema.entity).where(schema.entity.c.legal_rep_phone.is_not(None),
                                           schema.entity.c.status == "active").limit(1)
        ).mappings().one()
        scans = conn.execute(sa.select(sa.func.count()).select_from(schema.qr_scan)
                             .where(schema.qr_scan.c.kind == "public_card")).scalar()
    engine.dispose()
    return {**row, "scans": scans}


def test_pub001_card_without_sign_in_shows_public_facts_only_and_counts_a_scan(app):
    e = _entity(app)
    client = app.server.test_client()
    r = client.get(f"/public/entity/{e['uscc']}", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert r.status_code == 200 and r.content_type.startswith("text/html")
    text = r.get_data(as_text=True)
    assert e["name"] in text and e["uscc"] in text and 'id="page-public-entity"' in text
    # nothing personal: neither the legal representative's name nor the phone
    assert e["legal_rep_phone"] not in text and e["legal_rep_name"] not in text
    assert _entity(app)["scans"] == e["scans"] + 1


def test_pub002_bad_and_unknown_codes_get_a_plain_page(app):
    client = app.server.test_client()
    bad = client.get("/public/entity/<script>alert(1)<", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert bad.status_code == 404 and "格式不正确" in bad.get_data(as_text=True)
    assert "<script>" not in bad.get_data(as_text=True)  # nothing of the input comes back unescaped
    unknown = make_uscc("1", "310112", "99999999")
    r = client.get(f"/public/entity/{unknown}", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert r.status_code == 404 and "未找到" in r.get_data(as_text=True)


def test_pub003_rate_limited_per_address(app):
    e = _entity(app)
    client = app.server.test_client()
    codes = [client.get(f"/public/entity/{e['uscc']}", environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code
             for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    # another address is not held back by the first
    other = client.get(f"/public/entity/{e['uscc']}", environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert other.status_code == 200


def test_pub004_the_entity_file_carries_the_qr_code_of_its_card(app):
    import pages.entity_file as page

    e = _entity(app)
    with app.server.test_request_context("/", base_url="http://smartsup.intra"):
        layout = page.layout(uscc=e["uscc"])
    text = str(layout.to_plotly_json())
    assert "entity-qr" in text and "data:image/svg+xml" in text and f"/public/entity/{e['uscc']}" in text

"""bulk_insert writes every value exactly, on both backends."""

from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import schema
from data_access.db import bulk_insert
from ingest.geography import load_streets


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_db001_bulk_insert_round_trips_awkward_text_and_nulls(engine):
    rows = pd.DataFrame({
        "uscc": ["91310112000000000A", "91310112000000001B", "91310112000000002C"],
        "name": ["\\N", '=HYPERLINK("http://x","y")', '带"引号",逗号\t制表\n换行'],
        "entity_type": ["enterprise", "individual", "enterprise"],
        "industry_code": ["51", "62", "70"],
        "registered_capital": [100.5, None, 0.0],
        "established_on": [date(2020, 1, 2), date(2021, 3, 4), date(2022, 5, 6)],
        "status": ["active", "active", "cancelled"],
        "status_changed_on": [None, None, date(2023, 1, 1)],
        "address": ["沪闵路1号", "<script>alert(1)</script>", ""],
        "street_code": ["310112101000"] * 3,
        "legal_rep_name": [None, "\\N", "张三"],
    })
    with engine.begin() as conn:
        load_streets(conn)
        assert bulk_insert(conn, schema.entity, rows) == 3
    with engine.connect() as conn:
        got = pd.read_sql(sa.select(schema.entity).order_by(schema.entity.c.uscc), conn)
    assert got["name"].tolist() == rows["name"].tolist()
    assert got["address"].tolist() == rows["address"].tolist()
    assert got["legal_rep_name"].isna().tolist() == [True, False, False]
    assert got["legal_rep_name"].iloc[1] == "\\N"
    assert got["registered_capital"].isna().tolist() == [False, True, False]
    assert pd.to_datetime(got["status_changed_on"]).iloc[2] == pd.Timestamp(2023, 1, 1)


def test_db002_bulk_insert_instants_compare_with_bound_parameters(engine):
    with engine.begin() as conn:
        load_streets(conn)
        bulk_insert(conn, schema.incident, pd.DataFrame({
            "id": ["a", "b"], "kind": ["food_poisoning"] * 2, "level": ["IV"] * 2,
            "reported_at": [datetime(2026, 11, 1, 8, 0, 0), datetime(2026, 11, 1, 9, 30, 15, 250000)],
            "street_code": ["310112101000"] * 2, "status": ["reported"] * 2,
        }))
    with engine.connect() as conn:
        t = schema.incident
        n = conn.execute(sa.select(sa.func.count()).select_from(t)
                         .where(t.c.reported_at >= datetime(2026, 11, 1, 9, 0))).scalar_one()
        back = conn.execute(sa.select(t.c.reported_at).where(t.c.id == "b")).scalar_one()
    assert n == 1
    assert back == datetime(2026, 11, 1, 9, 30, 15, 250000)

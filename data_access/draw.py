"""The risk-weighted 双随机一公开 draw (product.md §5): draw entities with probabilities set by their
credit-risk class, pair each with two inspectors at random, store it, and verify it from its seed.

Two layers:

- :func:`draw` is pure (no database): population, ratios or a total size, the inspector pool, the
  conflicts and a published seed in, the drawn entities and their inspector pairs out. The same
  inputs and seed give the same result whatever the order of the rows or of dict/set iteration.
- :func:`run_draw` reads the inputs from the store (population filter, credit classes of the live
  read layer, the office's certified staff, the last 12 months of inspections), draws, and writes
  the task (its record in ``inspection_task.params``) and one inspection row per entity (both
  inspectors) in one transaction; :func:`preview_draw` and :func:`store_draw` (audited) are what
  the draw panel calls;
  :func:`verify_draw` re-runs a stored draw from its record and compares.

See docs/draw.md for the rules, the storage choices and how the public verifies a published draw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import marts
from data_access import schema as s
from data_access.audit_rows import write_audit
from data_access.db import set_meta
from data_access.freshness import data_time
from data_access.marts import industry_sections

#: Version of the drawing procedure, part of the generator's seed material and of every record:
#: a later change of the procedure must not silently change how an old draw verifies.
ALGORITHM = "smartsup-draw/1"
CLASSES = ("A", "B", "C", "D")
#: Reference sampling-ratio bands per credit class (product.md §5), inclusive.
BANDS: dict[str, tuple[Decimal, Decimal]] = {
    "A": (Decimal("0"), Decimal("0.05")),
    "B": (Decimal("0.05"), Decimal("0.20")),
    "C": (Decimal("0.21"), Decimal("0.60")),
    "D": (Decimal("0.61"), Decimal("1")),
}
DEFAULT_RATIOS: dict[str, Decimal] = {
    "A": Decimal("0.03"), "B": Decimal("0.10"), "C": Decimal("0.30"), "D": Decimal("0.80"),
}
#: Staff who may inspect: certified holders of these roles (managers do not go on site).
INSPECTOR_ROLES = ("enforcement", "inspector")
#: An inspector does not inspect an entity he inspected (or was assigned to) this many months back.
CONFLICT_MONTHS = 12
SEED_MAX_CHARS = 64  # inspection_task.seed is VARCHAR(64)


class DrawError(ValueError):
    """A draw that cannot be made as asked; the message is one Chinese sentence for the user."""


class DrawExists(DrawError):
    """The task (same office, date and seed) is already stored: a second confirm, or another user first."""


@dataclass(frozen=True)
class Assignment:
    """One drawn entity and its two inspectors (``inspectors[0]`` leads, stored in ``staff_id``)."""

    uscc: str
    risk_class: str
    inspectors: tuple[int, int]


@dataclass(frozen=True)
class Draw:
    """The outcome of :func:`draw`. ``assignments`` are ordered by class, then USCC."""

    seed: str
    ratios: dict[str, float]
    population: dict[str, int]
    assignments: tuple[Assignment, ...]
    warnings: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Drawn entities per class (every class present, 0 when none)."""
        out = dict.fromkeys(CLASSES, 0)
        for a in self.assignments:
            out[a.risk_class] += 1
        return out

    def load(self) -> dict[int, int]:
        """Inspections per inspector (as lead or second)."""
        out: dict[int, int] = {}
        for a in self.assignments:
            for sid in a.inspectors:
                out[sid] = out.get(sid, 0) + 1
        return dict(sorted(out.items()))

    def frame(self) -> pd.DataFrame:
        """One row per drawn entity: uscc, risk_class, inspector_1, inspector_2."""
        return pd.DataFrame(
            [(a.uscc, a.risk_class, *a.inspectors) for a in self.assignments],
            columns=["uscc", "risk_class", "inspector_1", "inspector_2"],
        )


# --- the pure draw ---------------------------------------------------------------------------

def _decimal(value: object, name: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except ArithmeticError:
        raise DrawError(f"{name} 的抽取比例不是数字：{value!r}") from None
    if not d.is_finite():
        raise DrawError(f"{name} 的抽取比例不是有限数：{value!r}")
    return d


def validate_ratios(ratios: Mapping[str, object] | None) -> dict[str, Decimal]:
    """Per-class sampling ratios checked against the reference bands; classes not given take the
    defaults (A 3 %, B 10 %, C 30 %, D 80 %). Raises :class:`DrawError`."""
    out = dict(DEFAULT_RATIOS)
    for key, value in (ratios or {}).items():
        cls = str(key).strip().upper()
        if cls not in CLASSES:
            raise DrawError(f"未知的信用风险分类：{key!r}（应为 A/B/C/D）")
        r = _decimal(value, f"{cls} 类")
        lo, hi = BANDS[cls]
        if not lo <= r <= hi:
            raise DrawError(f"{cls} 类抽取比例 {r:%} 超出参考区间 {lo:%}–{hi:%}")
        out[cls] = r
    return out


def _population(population: Iterable[tuple[str, str]] | Mapping[str, str] | pd.DataFrame) -> dict[str, str]:
    if isinstance(population, pd.DataFrame):
        pairs = zip(population["uscc"], population["risk_class"], strict=True)
    elif isinstance(population, Mapping):
        pairs = population.items()
    else:
        pairs = population
    out: dict[str, str] = {}
    for uscc, cls in pairs:
        code, c = str(uscc).strip().upper(), str(cls).strip().upper()
        if c not in CLASSES:
            raise DrawError(f"主体 {code} 的信用风险分类未知：{cls!r}（应为 A/B/C/D）")
        if out.setdefault(code, c) != c:
            raise DrawError(f"主体 {code} 在抽取名单中出现两次且分类不同（{out[code]}、{c}）")
    if not out:
        raise DrawError("抽取名单为空：筛选条件下没有在营主体")
    return out


def _allocate(counts: dict[str, int], weights: dict[str, Decimal], size: int) -> dict[str, int]:
    """Split ``size`` over the classes in proportion to weight × class size, no class above its
    size (a full class gives its surplus to the others), rounded by largest remainder."""
    available = sum(counts[c] for c in CLASSES if weights[c] > 0)
    if size > available:
        raise DrawError(f"样本量 {size} 大于可抽取的主体数 {available}")
    ideal: dict[str, Fraction] = {c: Fraction(0) for c in CLASSES}
    free = [c for c in CLASSES if counts[c] > 0 and weights[c] > 0]
    remaining = Fraction(size)
    while free:
        denom = sum(Fraction(weights[c]) * counts[c] for c in free)
        share = {c: remaining * Fraction(weights[c]) * counts[c] / denom for c in free}
        full = [c for c in free if share[c] >= counts[c]]
        if not full:
            ideal.update(share)
            break
        for c in full:
            ideal[c] = Fraction(counts[c])
            remaining -= counts[c]
            free.remove(c)
    alloc = {c: int(ideal[c]) for c in CLASSES}  # floor: ideal is non-negative
    short = size - sum(alloc.values())
    by_remainder = sorted(CLASSES, key=lambda c: (-(ideal[c] - alloc[c]), CLASSES.index(c)))
    for c in by_remainder[:short]:
        alloc[c] += 1
    return alloc


def make_rng(seed: str) -> np.random.Generator:
    """The generator of a draw: PCG64 seeded from SHA-256 of the algorithm tag and the seed (UTF-8)."""
    digest = hashlib.sha256(f"{ALGORITHM}\n{seed}".encode()).digest()
    return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest, "big")))


def _check_seed(seed: object) -> str:
    text = str(seed if seed is not None else "").strip()
    if not text:
        raise DrawError("需要公开的随机种子（--seed），不能为空")
    if len(text) > SEED_MAX_CHARS:
        raise DrawError(f"随机种子最长 {SEED_MAX_CHARS} 个字符，现为 {len(text)} 个")
    return text


def draw(
    population: Iterable[tuple[str, str]] | Mapping[str, str] | pd.DataFrame,
    *,
    seed: str,
    inspectors: Iterable[int],
    conflicts: Iterable[tuple[int, str]] = (),
    ratios: Mapping[str, object] | None = None,
    size: int | None = None,
) -> Draw:
    """Draw entities by credit class and give each two different, conflict-free inspectors.

    ``population``: (uscc, class) pairs, a uscc → class mapping or a frame with ``uscc`` and
    ``risk_class``. ``ratios``: per-class sampling ratios within :data:`BANDS` (missing classes take
    :data:`DEFAULT_RATIOS`); with ``size``, the ratios are only weights and ``size`` entities are
    split over the classes in proportion to ratio × class size. ``inspectors``: staff ids, already
    limited to certified enforcement/inspector staff (see :func:`eligible_inspectors`).
    ``conflicts``: (staff id, uscc) pairs that must not meet.

    Each class is a simple random sample without replacement of round(ratio × class size) entities
    (half up). Then, in a random order, each entity gets the two least-loaded inspectors it has no
    conflict with, ties broken at random, so the load differs by at most one when nothing conflicts.
    Every random number comes from :func:`make_rng` (``seed``) and inputs are sorted first, so the
    result depends only on the seed and the set of inputs. Raises :class:`DrawError`.
    """
    seed = _check_seed(seed)
    pop = _population(population)
    weights = validate_ratios(ratios)
    pool = sorted({int(i) for i in inspectors})
    if len(pool) < 2:
        raise DrawError(f"检查人员库只有 {len(pool)} 名有执法资格的人员，双随机检查需要至少 2 名")
    members = {c: sorted(u for u, k in pop.items() if k == c) for c in CLASSES}
    counts = {c: len(members[c]) for c in CLASSES}
    if size is None:
        want = {c: int((weights[c] * counts[c]).to_integral_value(ROUND_HALF_UP)) for c in CLASSES}
    else:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise DrawError(f"样本量必须是正整数：{size!r}")
        if size > len(pop):
            raise DrawError(f"样本量 {size} 大于抽取名单的主体数 {len(pop)}")
        want = _allocate(counts, weights, int(size))
    if not sum(want.values()):
        raise DrawError("按这些比例一个主体也抽不到：请提高比例或改用样本量（--size）")
    rng = make_rng(seed)
    drawn: list[tuple[str, str]] = []
    for c in CLASSES:
        keys = rng.random(counts[c])  # drawn even when n = 0, so each class uses a fixed stretch
        picked = np.argsort(keys, kind="stable")[: want[c]]
        drawn.extend((members[c][i], c) for i in sorted(picked))
    pairs = _pair(drawn, pool, conflicts, rng)
    realised = {c: (want[c] / counts[c] if counts[c] else 0.0) for c in CLASSES}
    warnings = tuple(
        f"{c} 类实际抽取比例 {realised[c]:.1%} 不在参考区间 {BANDS[c][0]:.0%}–{BANDS[c][1]:.0%} 内"
        for c in CLASSES
        if counts[c] and not BANDS[c][0] <= Decimal(str(realised[c])) <= BANDS[c][1]
    )
    return Draw(
        seed=seed,
        ratios=realised,
        population=counts,
        assignments=tuple(Assignment(u, c, pairs[u]) for u, c in drawn),
        warnings=warnings,
    )


def _pair(drawn: list[tuple[str, str]], pool: list[int], conflicts: Iterable[tuple[int, str]],
          rng: np.random.Generator) -> dict[str, tuple[int, int]]:
    index = {sid: i for i, sid in enumerate(pool)}
    wanted = {u for u, _ in drawn}
    blocked: dict[str, set[int]] = {}
    for sid, uscc in conflicts:
        code = str(uscc).strip().upper()
        if int(sid) in index and code in wanted:
            blocked.setdefault(code, set()).add(index[int(sid)])
    short = [u for u, _ in drawn if len(pool) - len(blocked.get(u, ())) < 2]
    if short:
        more = f" 等 {len(short)} 户" if len(short) > 1 else ""
        raise DrawError(f"主体 {short[0]}{more}可回避后的检查人员不足 2 名"
                        f"（近 {CONFLICT_MONTHS} 个月检查过它的人员须回避）：请扩大检查人员库")
    load = np.zeros(len(pool), dtype=np.int64)
    order = np.argsort(rng.random(len(drawn)), kind="stable")
    out: dict[str, tuple[int, int]] = {}
    for k in order:
        uscc = drawn[k][0]
        tie = rng.random(len(pool))
        ok = np.ones(len(pool), dtype=bool)
        ok[list(blocked.get(uscc, ()))] = False
        candidates = np.flatnonzero(ok)
        best = candidates[np.lexsort((tie[candidates], load[candidates]))[:2]]
        load[best] += 1
        out[uscc] = (pool[best[0]], pool[best[1]])
    return out


def eligible_inspectors(staff: pd.DataFrame) -> list[int]:
    """Ids of the certified enforcement/inspector staff in a frame with ``id, role, certified``."""
    ok = staff["role"].isin(INSPECTOR_ROLES) & staff["certified"].astype(bool)
    return sorted(int(i) for i in staff.loc[ok, "id"])


def conflict_cutoff(on: date) -> date:
    """The first day of the conflict window: the same day :data:`CONFLICT_MONTHS` months before."""
    y, m = divmod(on.year * 12 + on.month - 1 - CONFLICT_MONTHS, 12)
    day = on.day
    while True:
        try:
            return date(y, m + 1, day)
        except ValueError:
            day -= 1


# --- the stored draw -------------------------------------------------------------------------

@dataclass
class DrawInputs:
    """What the store says a draw is made from (the part of the record that verification re-uses)."""

    office_code: str
    office_name: str
    streets: tuple[str, ...]
    entity_types: tuple[str, ...]
    sections: tuple[str, ...]
    unclassified: str | None
    on: date
    population: dict[str, str]
    n_unclassified: int
    inspectors: list[int]
    conflicts: list[tuple[int, str]]


@dataclass
class DrawResult:
    """A draw made from the store: written unless ``dry_run``."""

    task_id: str
    task_name: str
    seed: str
    on: date
    office_code: str
    draw: Draw
    inputs: DrawInputs
    dry_run: bool
    rows: pd.DataFrame = field(repr=False)

    def counts(self) -> dict[str, int]:
        """Drawn entities per class."""
        return self.draw.counts()


@dataclass
class Verification:
    """Whether re-running a stored draw from its record reproduces the stored rows."""

    task_id: str
    seed: str
    consistent: bool
    inputs_intact: bool
    expected: int
    stored: int
    differences: list[str]


def _clean(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


def _office(conn: sa.Connection, office: str | None, streets: tuple[str, ...]) -> tuple[str, str]:
    o = s.office
    if office is None:
        if not streets:
            raise DrawError("需要给出机构（--office）或街镇（--street）")
        q = sa.select(o.c.code).where(o.c.street_code.in_(streets), o.c.kind == "station")
        rows = conn.execute(q).all()
        codes = sorted({r[0] for r in rows})
        if len(codes) != 1:
            raise DrawError("这些街镇不属于同一个市场监管所：请用 --office 指定任务所属机构")
        office = codes[0]
    row = conn.execute(sa.select(o.c.code, o.c.name).where(o.c.code == office)).first()
    if row is None:
        raise DrawError(f"未知机构代码：{office}")
    return row[0], row[1]


def load_inputs(
    conn: sa.Connection,
    *,
    office: str | None = None,
    streets: Iterable[str] | str | None = None,
    entity_types: Iterable[str] | str | None = None,
    sections: Iterable[str] | str | None = None,
    on: date | None = None,
    unclassified: str | None = "B",
) -> DrawInputs:
    """Read a draw's inputs from the store.

    Population: active entities of the streets (given, or else the office's own street), optionally
    of some entity types and industry sections, with their class from the live read layer's
    credit-risk model; entities the model does not classify (individual businesses, branches,
    cooperatives, entities registered since the refresh) take class ``unclassified`` (default B,
    一般风险) or are left out when it is None. Inspector pool: the office's certified enforcement and
    inspector staff. Conflicts: (staff, entity) pairs of inspections planned or done since
    :func:`conflict_cutoff` (``on``), including the second inspectors recorded by earlier draws.
    """
    streets_t = _clean(streets)
    office_code, office_name = _office(conn, office, streets_t)
    st = s.street
    if not streets_t:
        own = conn.execute(sa.select(s.office.c.street_code).where(s.office.c.code == office_code)).scalar()
        if own is None:
            raise DrawError(f"{office_name}没有辖区街镇：请用 --street 给出抽取范围")
        streets_t = (own,)
    known = {r[0] for r in conn.execute(sa.select(st.c.code).where(st.c.code.in_(streets_t)))}
    if unknown := [c for c in streets_t if c not in known]:
        raise DrawError(f"未知街镇代码：{', '.join(unknown)}")
    types_t = _clean(entity_types)
    if bad := [t for t in types_t if t not in s.ENUMS[("entity", "entity_type")]]:
        allowed = ", ".join(s.ENUMS[("entity", "entity_type")])
        raise DrawError(f"未知主体类型：{', '.join(bad)}（可选：{allowed}）")
    sections_t = tuple(sorted({x.upper() for x in _clean(sections)}))
    divisions = {sec: [f"{d:02d}" for d in range(int(lo), int(hi) + 1)]
                 for sec, _, lo, hi in industry_sections()}
    if bad := [x for x in sections_t if x not in divisions]:
        raise DrawError(f"未知行业门类：{', '.join(bad)}（应为 GB/T 4754 门类 A–T）")
    if unclassified is not None and unclassified not in CLASSES:
        raise DrawError(f"未分类主体的处理只能是 A/B/C/D 或不纳入：{unclassified!r}")
    on = on or _as_of(conn)
    try:
        model = marts.reader(conn).table("model_credit_risk")
    except marts.ReadLayerMissing:
        raise DrawError("读优化层尚未建立，没有信用风险分类：请先运行 smartsup refresh") from None
    e = s.entity
    q = (sa.select(e.c.uscc, model.c.risk_class)
         .select_from(e.outerjoin(model, model.c.uscc == e.c.uscc))
         .where(e.c.status == "active", e.c.street_code.in_(streets_t)))
    if types_t:
        q = q.where(e.c.entity_type.in_(types_t))
    if sections_t:
        q = q.where(e.c.industry_code.in_([d for x in sections_t for d in divisions[x]]))
    population: dict[str, str] = {}
    n_unclassified = 0
    for uscc, cls in conn.execute(q):
        if cls is None:
            if unclassified is None:
                continue
            n_unclassified += 1
            cls = unclassified
        population[uscc] = cls
    staff = pd.DataFrame(conn.execute(sa.select(s.staff.c.id, s.staff.c.role, s.staff.c.certified)
                                      .where(s.staff.c.office_code == office_code)).all(),
                         columns=["id", "role", "certified"])
    pool = eligible_inspectors(staff)
    conflicts = _conflicts(conn, pool, set(population), on) if pool and population else []
    return DrawInputs(office_code, office_name, streets_t, types_t, sections_t, unclassified, on,
                      population, n_unclassified, pool, conflicts)


def _as_of(conn: sa.Connection) -> date:
    dt = data_time(conn)
    return dt.date() if dt else date.today()


def _conflicts(conn: sa.Connection, pool: list[int], population: set[str], on: date) -> list[tuple[int, str]]:
    i = s.inspection
    cutoff = conflict_cutoff(on)
    recent = sa.func.coalesce(i.c.done_on, i.c.planned_on) >= cutoff
    found: set[tuple[int, str]] = set()
    # Lead and second inspectors of the window (the second of a 双随机 pair is a column since 0005).
    for column in (i.c.staff_id, i.c.second_staff_id):
        rows = conn.execute(sa.select(column, i.c.uscc).distinct().where(column.in_(pool), recent))
        found.update((int(sid), u) for sid, u in rows if u in population)
    return sorted(found)


def _record(conn: sa.Connection, task_id: str) -> dict | None:
    value = conn.execute(sa.select(s.inspection_task.c.params)
                         .where(s.inspection_task.c.task_id == task_id)).scalar()
    return json.loads(value) if value else None


def input_digest(population: Mapping[str, str], inspectors: Iterable[int],
                 conflicts: Iterable[tuple[int, str]], ratios: Mapping[str, object] | None,
                 size: int | None) -> str:
    """SHA-256 of the canonical JSON of a draw's inputs: what the bureau publishes with the seed."""
    canon = {
        "population": sorted([u, c] for u, c in population.items()),
        "inspectors": sorted(int(i) for i in inspectors),
        "conflicts": sorted([int(a), b] for a, b in conflicts),
        "ratios": {c: str(v) for c, v in validate_ratios(ratios).items()},
        "size": size,
    }
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def task_id_for(office_code: str, on: date, seed: str) -> str:
    """``DR<yyyymmdd><office>-<6 hex of the seed's hash>`` (at most 32 characters)."""
    return f"DR{on:%Y%m%d}{office_code}-{hashlib.sha256(seed.encode()).hexdigest()[:6]}"[:32]


@contextmanager
def _transaction(engine: Engine, *, write: bool) -> Iterator[sa.Connection]:
    """``engine.begin()``; a write on SQLite takes the writer lock first (``BEGIN IMMEDIATE``): a
    deferred transaction that read before another writer committed could not write under WAL."""
    if not write or engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def run_draw(
    engine: Engine,
    *,
    seed: str,
    office: str | None = None,
    streets: Iterable[str] | str | None = None,
    entity_types: Iterable[str] | str | None = None,
    sections: Iterable[str] | str | None = None,
    ratios: Mapping[str, object] | None = None,
    size: int | None = None,
    on: date | None = None,
    unclassified: str | None = "B",
    dry_run: bool = False,
    audit: Callable[[sa.Connection, DrawResult], None] | None = None,
    expect_digest: str | None = None,
) -> DrawResult:
    """Read the inputs (:func:`load_inputs`), draw (:func:`draw`) and, unless ``dry_run``, store it
    in one transaction: an ``inspection_task`` (double_random, planned_count, drawn_on, seed, and
    the draw record in ``params``: inputs, ratios, digest and both inspectors of every pair), one
    ``inspection`` per entity (staff_id = the lead inspector, second_staff_id = the second,
    planned_on = the draw date, not done). ``audit`` is called on the transaction's connection
    after the rows are written (the UI's audit row). ``expect_digest`` (the panel's confirm): the
    :func:`input_digest` of the previewed draw; when the store's inputs changed since, nothing is
    written. On SQLite the write starts with ``BEGIN IMMEDIATE`` so two writers at once are taken
    one after the other (the second then finds the task). Raises :class:`DrawError`."""
    seed = _check_seed(seed)
    ratio_map = {str(k).strip().upper(): str(v) for k, v in (ratios or {}).items()}
    validate_ratios(ratio_map)  # bad arguments fail before the store is read
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise DrawError(f"样本量必须是正整数：{size!r}")
    with _transaction(engine, write=not dry_run) as conn:
        if conn.dialect.name == "postgresql" and not dry_run:
            # Ids are max + 1 like the importer's: keep a concurrent writer from taking the same ones.
            conn.execute(sa.text("LOCK TABLE inspection, inspection_task IN SHARE ROW EXCLUSIVE MODE"))
        inputs = load_inputs(conn, office=office, streets=streets, entity_types=entity_types,
                             sections=sections, on=on, unclassified=unclassified)
        task_id = task_id_for(inputs.office_code, inputs.on, seed)
        t = s.inspection_task
        if not dry_run and conn.execute(sa.select(t.c.task_id).where(t.c.task_id == task_id)).first():
            raise DrawExists(f"任务 {task_id} 已存在：同一机构、同一天、同一种子的抽取已经做过"
                             "（可用 smartsup draw verify 核对）")
        if expect_digest is not None and expect_digest != input_digest(
                inputs.population, inputs.inspectors, inputs.conflicts, ratio_map, size):
            raise DrawError("预览之后抽取名单、检查人员或回避关系已有变化，未写入：请重新预览后再确认")
        result = draw(inputs.population, seed=seed, inspectors=inputs.inspectors,
                      conflicts=inputs.conflicts, ratios=ratio_map, size=size)
        name = f"{inputs.on:%Y年%m月%d日}{inputs.office_name}双随机抽查（信用风险分类抽取）"
        next_id = (conn.execute(sa.select(sa.func.max(s.inspection.c.id))).scalar() or 0) + 1
        rows = pd.DataFrame({
            "id": range(next_id, next_id + len(result.assignments)),
            "task_id": task_id,
            "uscc": [a.uscc for a in result.assignments],
            "office_code": inputs.office_code,
            "staff_id": [a.inspectors[0] for a in result.assignments],
            "second_staff_id": [a.inspectors[1] for a in result.assignments],
            "risk_class": [a.risk_class for a in result.assignments],
            "kind": "double_random",
            "planned_on": inputs.on,
        })
        out = DrawResult(task_id, name, seed, inputs.on, inputs.office_code, result, inputs, dry_run, rows)
        if dry_run:
            return out
        record = {
            "algorithm": ALGORITHM,
            "numpy": np.__version__,
            "task_id": task_id,
            "seed": seed,
            "drawn_on": inputs.on.isoformat(),
            "office_code": inputs.office_code,
            "filter": {"streets": list(inputs.streets), "entity_types": list(inputs.entity_types),
                       "sections": list(inputs.sections), "unclassified": inputs.unclassified},
            "ratios": ratio_map,
            "size": size,
            "input_digest": input_digest(inputs.population, inputs.inspectors, inputs.conflicts,
                                         ratio_map, size),
            "population": sorted([u, c] for u, c in inputs.population.items()),
            "inspectors": inputs.inspectors,
            "conflicts": [[a, b] for a, b in inputs.conflicts],
            "pairs": [[a.uscc, *a.inspectors] for a in result.assignments],
        }
        try:
            _insert(conn, task_id, name, inputs, seed, record, rows, result)
        except sa.exc.IntegrityError:  # a writer the lock did not hold back stored the same task first
            raise DrawExists(f"任务 {task_id} 已存在：同一机构、同一天、同一种子的抽取已经做过") from None
        set_meta(conn, {"drawn_at": f"{task_id} {inputs.on.isoformat()}"})
        if audit is not None:
            audit(conn, out)
    return out


def _insert(conn: sa.Connection, task_id: str, name: str, inputs: DrawInputs, seed: str, record: dict,
            rows: pd.DataFrame, result: Draw) -> None:
    """The task row and one inspection row per drawn entity (both inspectors)."""
    conn.execute(sa.insert(s.inspection_task).values(
        task_id=task_id, name=name, office_code=inputs.office_code, kind="double_random",
        planned_count=len(result.assignments), drawn_on=inputs.on, seed=seed,
        params=json.dumps(record, ensure_ascii=False, separators=(",", ":"))))
    conn.execute(sa.insert(s.inspection), [
        {"id": int(r.id), "task_id": task_id, "uscc": r.uscc, "office_code": r.office_code,
         "staff_id": int(r.staff_id), "second_staff_id": int(r.second_staff_id),
         "kind": "double_random", "planned_on": inputs.on, "done_on": None, "result": None}
        for r in rows.itertuples()
    ])


def verify_draw(engine: Engine, task_id: str) -> Verification:
    """Re-run a stored draw from its record (seed, inputs, ratios or size) and compare the result with
    the stored ``inspection`` rows (entity and lead inspector) and the recorded pairs. Also checks
    that the recorded inputs still hash to the recorded digest. Raises :class:`DrawError` for a
    task that does not exist or was not drawn by this engine."""
    task_id = str(task_id).strip()
    t, i = s.inspection_task, s.inspection
    with engine.connect() as conn:
        task = conn.execute(sa.select(t).where(t.c.task_id == task_id)).mappings().first()
        if task is None:
            raise DrawError(f"没有编号为 {task_id} 的检查任务")
        record = _record(conn, task_id)
        if record is None:
            raise DrawError(f"任务 {task_id} 没有抽取记录（不是由本系统的风险分类抽取生成的），无法复核")
        stored = conn.execute(sa.select(i.c.uscc, i.c.staff_id, i.c.second_staff_id)
                              .where(i.c.task_id == task_id)).all()
    if record.get("algorithm") != ALGORITHM:
        raise DrawError(f"任务 {task_id} 由抽取程序 {record.get('algorithm')} 生成，本程序为 {ALGORITHM}")
    population = {u: c for u, c in record["population"]}
    conflicts = [(a, b) for a, b in record["conflicts"]]
    digest = input_digest(population, record["inspectors"], conflicts, record["ratios"], record["size"])
    again = draw(population, seed=task["seed"], inspectors=record["inspectors"], conflicts=conflicts,
                 ratios=record["ratios"], size=record["size"])
    diffs: list[str] = []
    if digest != record["input_digest"]:
        diffs.append("抽取记录中的输入与其摘要不符（记录被改动过）")
    if task["seed"] != record["seed"]:
        diffs.append("任务表中的种子与抽取记录不符")
    expected = {a.uscc: a.inspectors for a in again.assignments}
    recorded = {p[0]: (int(p[1]), int(p[2])) for p in record["pairs"]}
    if recorded != expected:
        diffs.append("抽取记录中的检查人员配对与重新抽取的结果不同")
    in_store = {u.strip(): int(sid) if sid is not None else None for u, sid, _ in stored}
    seconds = {u.strip(): int(sid) if sid is not None else None for u, _, sid in stored}
    missing = sorted(set(expected) - set(in_store))
    extra = sorted(set(in_store) - set(expected))
    both = set(expected) & set(in_store)
    moved = sorted(u for u in both if in_store[u] != expected[u][0])
    moved2 = sorted(u for u in both if seconds[u] != expected[u][1])
    checks = (("缺少", missing), ("多出", extra), ("主检人员不同", moved), ("副检人员不同", moved2))
    for label, items in checks:
        if items:
            diffs.append(f"检查记录{label} {len(items)} 户（如 {items[0]}）")
    if len(stored) != len(in_store):
        diffs.append("同一主体在任务中出现不止一次")
    if task["planned_count"] != len(expected):
        diffs.append(f"任务计划数 {task['planned_count']} 与重新抽取的 {len(expected)} 户不同")
    return Verification(task_id, task["seed"], not diffs, digest == record["input_digest"],
                        len(expected), len(stored), diffs)


# --- the draw panel (/supervision): preview, then store with its audit row ---------------------

#: Roles that may store a draw; station staff only for their own office.
DRAW_ROLES = frozenset({"admin", "leader", "station"})


class DrawNotPermitted(DrawError):
    """The user may not store this draw; the message is Chinese."""


def preview_draw(engine: Engine, **inputs: object) -> DrawResult:
    """The draw the panel previews: exactly :func:`run_draw` with ``dry_run=True`` (nothing
    written). ``inputs`` are run_draw's keywords (seed, office, streets, entity_types, sections,
    ratios, size, on, unclassified)."""
    return run_draw(engine, dry_run=True, **inputs)


def store_draw(engine: Engine, *, username: str, role: str, user_office: str | None = None,
               ip: str | None = None, **inputs: object) -> DrawResult:
    """Store a draw as ``smartsup draw`` does (same inputs and seed → same task, rows and record)
    with a ``draw`` audit row in the same transaction. ``role`` must be in :data:`DRAW_ROLES`;
    a station user (``user_office``) only for his office. Raises :class:`DrawError`."""
    if role not in DRAW_ROLES:
        raise DrawNotPermitted("只有管理员、局领导或市场监管所可以发起双随机抽取")
    return run_draw(engine, audit=draw_audit(username, role, ip, user_office=user_office), **inputs)


def draw_audit(username: str, role: str | None, ip: str | None = None, *,
               user_office: str | None = None) -> Callable[[sa.Connection, DrawResult], None]:
    """The ``audit`` callback of :func:`run_draw`: a ``draw`` audit row in the draw's transaction
    (station users only for their own office). The command passes ``cli:<os user>``."""

    def audit(conn: sa.Connection, result: DrawResult) -> None:
        if role == "station" and result.office_code != user_office:
            raise DrawNotPermitted("市场监管所只能为本所发起双随机抽取")
        record = json.loads(conn.execute(sa.select(s.inspection_task.c.params)
                                         .where(s.inspection_task.c.task_id == result.task_id)).scalar())
        write_audit(conn, username, role, "draw", result.task_id, {
            "seed": result.seed, "office_code": result.office_code, "drawn_on": result.on.isoformat(),
            "filter": record["filter"], "ratios": record["ratios"], "size": record["size"],
            "input_digest": record["input_digest"], "planned_count": len(result.draw.assignments)}, ip)

    return audit


def published_record(engine: Engine, task_id: str) -> dict:
    """The draw record of a stored task (what the bureau publishes so anyone can re-run it)."""
    with engine.connect() as conn:
        record = _record(conn, str(task_id).strip())
    if record is None:
        raise DrawError(f"任务 {task_id} 没有抽取记录")
    return record


# --- what the panel offers and the public verification view read --------------------------------

def draw_scopes(engine: Engine, streets: Iterable[str] | None = None) -> list[dict[str, str]]:
    """The 市场监管所 a draw can be made for, each with its own street (``office_code``, ``office_name``,
    ``street_code``, ``street_name``), in office order; only those of ``streets`` when given (a
    station user's jurisdiction)."""
    o, st = s.office, s.street
    q = (sa.select(o.c.code, o.c.name, o.c.street_code, st.c.name.label("street_name"))
         .select_from(o.join(st, st.c.code == o.c.street_code))
         .where(o.c.kind == "station").order_by(o.c.code))
    if streets is not None:
        q = q.where(o.c.street_code.in_(sorted(set(streets))))
    with engine.connect() as conn:
        return [{"office_code": r.code, "office_name": r.name, "street_code": r.street_code,
                 "street_name": r.street_name} for r in conn.execute(q)]


def staff_names(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """Staff id → name (the internal preview names the inspectors; the public view shows ids only)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(s.staff.c.id, s.staff.c.name).where(s.staff.c.id.in_(wanted)))
        return {int(i): n for i, n in rows}


def entity_names(engine: Engine, usccs: Iterable[str]) -> dict[str, str]:
    """USCC → registered name (public registration data) of the given entities."""
    codes = sorted({str(u) for u in usccs})
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for k in range(0, len(codes), 500):
            out.update(conn.execute(sa.select(s.entity.c.uscc, s.entity.c.name)
                                    .where(s.entity.c.uscc.in_(codes[k:k + 500]))).all())
    return out


def default_date(engine: Engine) -> date:
    """The draw date the panel proposes: the data time's day (as ``smartsup draw`` defaults)."""
    with engine.connect() as conn:
        return _as_of(conn)


def public_view(engine: Engine, task_id: str) -> dict:
    """What the public verification page shows of a stored draw: the task (name, office, date, seed,
    planned count), the published inputs (filter, ratios or size, population by class, inspector pool
    and conflict counts, input digest), the drawn list as 一公开 publishes it (entity name, USCC, class,
    inspector ids — no personal data) and :func:`verify_draw`'s verdict. Raises :class:`DrawError`
    for an unknown task or one without a draw record."""
    verdict = verify_draw(engine, task_id)  # raises for an unknown task or one without a record
    record = published_record(engine, verdict.task_id)
    t, o = s.inspection_task, s.office
    with engine.connect() as conn:
        task = conn.execute(sa.select(t.c.task_id, t.c.name, t.c.drawn_on, t.c.seed, t.c.planned_count,
                                      o.c.name.label("office_name"))
                            .select_from(t.join(o, o.c.code == t.c.office_code))
                            .where(t.c.task_id == verdict.task_id)).mappings().one()
        codes = list((record.get("filter") or {}).get("streets") or [])
        street_names = dict(conn.execute(sa.select(s.street.c.code, s.street.c.name)
                                         .where(s.street.c.code.in_(codes))).all())
    names = entity_names(engine, [p[0] for p in record["pairs"]])
    classes = dict(record["population"])
    population = dict.fromkeys(CLASSES, 0)
    for c in classes.values():
        population[c] += 1
    drawn = [{"uscc": u, "name": names.get(u, "—"), "risk_class": classes.get(u, "—"),
              "inspector_1": int(a), "inspector_2": int(b)} for u, a, b in record["pairs"]]
    counts = dict.fromkeys(CLASSES, 0)
    for row in drawn:
        if row["risk_class"] in counts:
            counts[row["risk_class"]] += 1
    published = ("algorithm", "seed", "drawn_on", "office_code", "filter", "ratios", "size", "input_digest")
    return {"task": dict(task), "street_names": [street_names.get(c, c) for c in codes],
            "record": {k: record[k] for k in published},
            "population": population, "counts": counts, "inspectors": len(record["inspectors"]),
            "conflicts": len(record["conflicts"]), "drawn": drawn, "verification": verdict}


__all__: Sequence[str] = (
    "ALGORITHM", "BANDS", "CLASSES", "CONFLICT_MONTHS", "DEFAULT_RATIOS", "INSPECTOR_ROLES",
    "Assignment", "Draw", "DrawError", "DrawInputs", "DrawResult", "Verification",
    "conflict_cutoff", "draw", "eligible_inspectors", "input_digest", "load_inputs", "make_rng",
    "DRAW_ROLES", "DrawNotPermitted", "draw_audit", "preview_draw", "published_record", "run_draw",
    "store_draw", "draw_scopes", "public_view", "staff_names", "entity_names", "default_date", "DrawExists",
    "task_id_for", "validate_ratios", "verify_draw",
)

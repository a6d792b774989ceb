"""Shared machinery of the synthetic-district generator: the run context, time, places, people.

Times are carried as int64 seconds since 1970-01-01 in naive Asia/Shanghai local time and dates as
int64 day numbers; they become ``datetime64`` columns only when a table is assembled. Every random
draw comes from a generator named after the table it feeds (``Ctx.rng``), derived from the run's seed
and the name alone, so changing one table's recipe never shifts another table's random draws (tables
built from its rows change with it, of course).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ingest import names

DAY = 86_400
# Text is built in fixed-width numpy unicode arrays: indexing, ``where`` and conversion to Python
# strings are an order of magnitude faster than with object or variable-width string arrays.
STR = np.str_

#: Lunar new year (春节) dates: complaints and registrations dip around them.
SPRING_FESTIVAL = tuple(
    np.array(
        [
            "2015-02-19",
            "2016-02-08",
            "2017-01-28",
            "2018-02-16",
            "2019-02-05",
            "2020-01-25",
            "2021-02-12",
            "2022-02-01",
            "2023-01-22",
            "2024-02-10",
            "2025-01-29",
            "2026-02-17",
            "2027-02-06",
            "2028-01-26",
            "2029-02-13",
            "2030-02-03",
            "2031-01-23",
            "2032-02-11",
            "2033-01-31",
            "2034-02-19",
            "2035-02-08",
        ],
        dtype="datetime64[D]",
    ).astype(np.int64)
)


def day_of(d: date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return int(np.datetime64(d, "D").astype(np.int64))


def weekday(days: np.ndarray) -> np.ndarray:
    """ISO weekday index 0 = Monday … 6 = Sunday of day numbers (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def festival_factor(days: np.ndarray, depth: float = 0.45) -> np.ndarray:
    """Activity factor around the Spring Festival: ``depth`` from 3 days before to 7 days after."""
    days = np.asarray(days)
    fest = np.asarray(SPRING_FESTIVAL)
    idx = np.clip(np.searchsorted(fest, days), 1, len(fest) - 1)
    nearest = np.where(np.abs(days - fest[idx - 1]) < np.abs(days - fest[idx]), fest[idx - 1], fest[idx])
    offset = days - nearest
    return np.where((offset >= -3) & (offset <= 7), depth, 1.0)


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month 1–12 of day numbers."""
    d = np.asarray(days).astype("datetime64[D]")
    return (d.astype("datetime64[M]").astype(np.int64) % 12) + 1


def to_date(days: np.ndarray) -> np.ndarray:
    """Day numbers (−1 or masked for null) as ``datetime64[D]`` with NaT for null."""
    days = np.asarray(days, dtype=np.int64)
    out = days.astype("datetime64[D]")
    out[days < 0] = np.datetime64("NaT")
    return out


def to_instant(seconds: np.ndarray) -> np.ndarray:
    """Seconds (−1 for null) as ``datetime64[s]`` with NaT for null."""
    seconds = np.asarray(seconds, dtype=np.int64)
    out = seconds.astype("datetime64[s]")
    out[seconds < 0] = np.datetime64("NaT")
    return out


def lookup(keys: np.ndarray, mapping: dict, default: float = 0.0) -> np.ndarray:
    """``mapping[key]`` for every element of ``keys`` (vectorised through the distinct keys)."""
    codes, uniq = pd.factorize(np.asarray(keys))
    return np.array([mapping.get(k, default) for k in uniq.tolist()], dtype=float)[codes]


def by_division(div: np.ndarray, mapping: dict[str, float], default: float = 0.0) -> np.ndarray:
    """Weights per row from a mapping of two-digit GB/T 4754 divisions, for integer division codes."""
    table = np.full(100, default)
    for key, value in mapping.items():
        table[int(key)] = value
    return table[np.asarray(div)]


def split_counts(n: int, shares) -> np.ndarray:
    """``n`` split in proportion to ``shares`` with integer counts that sum to ``n`` (largest remainder)."""
    s = np.asarray(list(shares.values()) if isinstance(shares, dict) else shares, dtype=float)
    raw = s / s.sum() * n
    counts = np.floor(raw).astype(int)
    short = n - counts.sum()
    if short:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def allocate(rng: np.random.Generator, n: int, shares: dict[str, float] | pd.Series) -> np.ndarray:
    """``n`` labels in random order whose counts match ``shares`` exactly (largest remainder).

    Exact counts keep the small test district on target where independent draws would wander.
    """
    s = pd.Series(shares, dtype=float)
    labels = np.repeat(s.index.to_numpy(dtype=object), split_counts(n, s.to_numpy()))
    return labels[rng.permutation(n)]


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` distinct items drawn with probability ∝ ``weights`` (Gumbel top-k)."""
    weights = np.asarray(weights, dtype=float)
    k = min(k, int((weights > 0).sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.where(
        weights > 0, np.log(np.where(weights > 0, weights, 1.0)) + rng.gumbel(size=len(weights)), -np.inf
    )
    return np.argpartition(-keys, k - 1)[:k]


def choose(rng: np.random.Generator, values, size: int, p=None) -> np.ndarray:
    """``size`` draws from ``values`` (a sequence) with optional probabilities (normalised here)."""
    values = np.asarray(values)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return values[rng.choice(len(values), size=size, p=p)]


def cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars (vectorised)."""
    out = None
    for part in parts:
        arr = part if isinstance(part, str) else np.asarray(part, dtype=STR)
        out = arr if out is None else np.strings.add(out, arr)
    return np.asarray(out, dtype=STR)


def digits(values, width: int = 0) -> np.ndarray:
    """Non-negative integers as decimal strings, zero-padded to ``width`` (vectorised).

    numpy's own int-to-str cast is slow (≈ 3 µs a value); this builds the code points directly.
    """
    x = np.asarray(values, dtype=np.int64)
    if not len(x):
        return np.empty(0, dtype=f"<U{max(width, 1)}")
    w = max(width, len(str(int(x.max()))), 1)
    d = (x[:, None] // 10 ** np.arange(w - 1, -1, -1, dtype=np.int64)) % 10
    codes = (d + ord("0")).astype(np.uint32)
    if width < w:
        # Left-align the significant digits (unicode arrays pad with NUL at the end).
        length = np.maximum(np.floor(np.log10(np.maximum(x, 1))).astype(np.int64) + 1, width)
        col = np.arange(w)[None, :] + (w - length)[:, None]
        shifted = np.take_along_axis(codes, np.minimum(col, w - 1), axis=1)
        codes = np.where(col < w, shifted, 0).astype(np.uint32)
    return np.ascontiguousarray(codes).view(f"<U{w}").ravel()


def fill_template(
    template_ids: np.ndarray,
    templates: tuple[str, ...],
    slots: dict[str, np.ndarray],
) -> np.ndarray:
    """Render ``templates[template_ids[i]]`` with per-row slot values, vectorised per template.

    ``slots`` maps a slot name to an array of per-row strings; only the slots a template names are used.
    """
    import string

    out = np.empty(len(template_ids), dtype=object)
    for t, tpl in enumerate(templates):
        rows = np.flatnonzero(template_ids == t)
        if not len(rows):
            continue
        pieces = []
        for literal, field_name, _spec, _conv in string.Formatter().parse(tpl):
            if literal:
                pieces.append(literal)
            if field_name:
                pieces.append(np.asarray(slots[field_name], dtype=STR)[rows])
        rendered = cat(*pieces)
        out[rows] = rendered.astype(object) if rendered.shape else rendered.item()
    return out


# --- the run ----------------------------------------------------------------------------------

SCALES = {"minhang": 1.0, "small": 0.01}


@dataclass
class Ctx:
    """Everything the table recipes share during one generation run."""

    seed: int
    scale: str
    until: date
    cutoff: datetime
    streets: gpd.GeoDataFrame
    f: float = 1.0
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    hidden: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.f = SCALES[self.scale]
        self.cutoff_s = int(np.datetime64(self.cutoff, "s").astype(np.int64))
        self.until_day = day_of(self.until)
        self.start_day = day_of(
            self.until.replace(year=self.until.year - 5)
            if not (self.until.month == 2 and self.until.day == 29)
            else self.until.replace(year=self.until.year - 5, day=28)
        )
        self.street_codes = self.streets["code"].to_numpy(dtype=object)
        self.street_names = self.streets["name"].to_numpy(dtype=object)
        density = np.array([names.STREET_DENSITY.get(n, 1.0) for n in self.street_names])
        area = self.streets.to_crs(32651).area.to_numpy()
        # Entities per street ∝ density × √area: big rural towns get more, but not in proportion.
        w = density * np.sqrt(area / area.mean())
        self.street_weight = w / w.sum()
        self._sampler = PointSampler(self.streets)

    def rng(self, name: str) -> np.random.Generator:
        """The generator of one table (or step): depends only on the seed and ``name``."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(name.encode())]))

    def n(self, full: float, minimum: int = 1) -> int:
        """A count given at district (minhang) scale, scaled to this run."""
        return max(minimum, round(full * self.f))

    def points(
        self, rng: np.random.Generator, street_idx: np.ndarray, spread: float = 0.65
    ) -> tuple[np.ndarray, np.ndarray]:
        """Random points inside the polygons of the given streets (clustered, all inside)."""
        return self._sampler.sample(rng, np.asarray(street_idx), spread)

    def office_of_street(self, street_idx: np.ndarray) -> np.ndarray:
        """The 市场监管所 code of each street index."""
        return self.hidden["station_codes"][np.asarray(street_idx)]


class PointSampler:
    """Points inside street polygons by vectorised rejection sampling (``shapely.contains_xy``).

    A share of points gathers around a few fixed town centres per street (commercial cores), the rest
    spreads uniformly, so maps show believable density without leaving the polygon.
    """

    def __init__(self, streets: gpd.GeoDataFrame, clusters: int = 6) -> None:
        self.geoms = list(streets.geometry)
        for g in self.geoms:
            shapely.prepare(g)
        self.bounds = np.array([g.bounds for g in self.geoms])
        rng = np.random.default_rng(4754)
        self.centres = []
        for i in range(len(self.geoms)):
            xs, ys = self._uniform(rng, i, clusters - 1)
            row = streets.iloc[i]
            cx = np.r_[row["lon"], xs]
            cy = np.r_[row["lat"], ys]
            self.centres.append((cx, cy))

    def _uniform(self, rng: np.random.Generator, i: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        minx, miny, maxx, maxy = self.bounds[i]
        xs, ys = np.empty(0), np.empty(0)
        while len(xs) < n:
            m = max(64, 3 * (n - len(xs)))
            x = rng.uniform(minx, maxx, m)
            y = rng.uniform(miny, maxy, m)
            ok = shapely.contains_xy(self.geoms[i], x, y)
            xs, ys = np.r_[xs, x[ok]], np.r_[ys, y[ok]]
        return xs[:n], ys[:n]

    def sample(
        self, rng: np.random.Generator, street_idx: np.ndarray, spread: float
    ) -> tuple[np.ndarray, np.ndarray]:
        lon = np.empty(len(street_idx))
        lat = np.empty(len(street_idx))
        for i in range(len(self.geoms)):
            rows = np.flatnonzero(street_idx == i)
            if not len(rows):
                continue
            n = len(rows)
            clustered = rng.random(n) < spread
            xs, ys = np.empty(n), np.empty(n)
            nu = int((~clustered).sum())
            xs[~clustered], ys[~clustered] = self._uniform(rng, i, nu)
            idx = np.flatnonzero(clustered)
            cx, cy = self.centres[i]
            while len(idx):
                c = rng.integers(0, len(cx), len(idx))
                x = cx[c] + rng.normal(0, 0.008, len(idx))
                y = cy[c] + rng.normal(0, 0.006, len(idx))
                ok = shapely.contains_xy(self.geoms[i], x, y)
                xs[idx[ok]], ys[idx[ok]] = x[ok], y[ok]
                idx = idx[~ok]
            lon[rows], lat[rows] = np.round(xs, 6), np.round(ys, 6)
        return lon, lat


# --- people -----------------------------------------------------------------------------------


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Plausible Chinese full names (surname + one or two given characters)."""
    sur = np.array(list(names.SURNAMES), dtype=STR)
    giv = np.array(list(names.GIVEN_CHARS), dtype=STR)
    first = giv[rng.integers(0, len(giv), n)]
    second = np.where(rng.random(n) < 0.7, giv[rng.integers(0, len(giv), n)], "")
    # Common surnames are far more common: a Zipf-like pick over the list order.
    s_idx = np.minimum((rng.pareto(1.2, n) * 6).astype(int), len(sur) - 1)
    return cat(sur[s_idx], first, np.asarray(second, dtype=STR))


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fake mobile numbers in the data-only 14x blocks (140/141/144/146/148): they never ring a person."""
    prefix = np.array(["140", "141", "144", "146", "148"], dtype=STR)[rng.integers(0, 5, n)]
    tail = digits(rng.integers(0, 100_000_000, n), 8)
    return cat(prefix, tail)


def pick_alive(
    rng: np.random.Generator,
    t: np.ndarray,
    pool: np.ndarray,
    weights: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    rounds: int = 40,
) -> np.ndarray:
    """For each event time ``t`` draw a pool member (∝ weight) whose ``[lo, hi)`` interval holds it.

    ``lo``/``hi`` are per pool member, in the unit of ``t``. Returns positions into ``pool`` or −1
    where no living member was found after ``rounds`` redraws (the caller drops or nulls those).
    """
    t = np.asarray(t)
    out = np.full(len(t), -1, dtype=np.int64)
    if not len(pool) or not len(t):
        return out
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    cdf /= cdf[-1]
    todo = np.arange(len(t))
    for _ in range(rounds):
        if not len(todo):
            break
        pick = np.minimum(np.searchsorted(cdf, rng.random(len(todo)), side="right"), len(cdf) - 1)
        ok = (lo[pick] <= t[todo]) & (t[todo] < hi[pick])
        out[todo[ok]] = pick[ok]
        todo = todo[~ok]
    return out


def uscc_codes(rng: np.random.Generator, type_chars: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """Valid, distinct unified social credit codes of district 310112 (vectorised GB 32100 / GB 11714).

    Entities registered since the 2015 reform get the ``MA…`` organisation part of newer codes;
    older ones an all-digit organisation code.
    """
    from data_access.uscc import ALPHABET

    type_chars = np.asarray(type_chars, dtype=object)
    recent = np.asarray(recent, dtype=bool)
    out = np.empty(len(type_chars), dtype=object)
    todo = np.arange(len(type_chars))
    while len(todo):
        out[todo] = _uscc_batch(rng, ALPHABET, type_chars[todo], recent[todo])
        todo = np.flatnonzero(pd.Series(out).duplicated().to_numpy())
    return out


def _uscc_batch(
    rng: np.random.Generator, alphabet: str, type_chars: np.ndarray, recent: np.ndarray
) -> np.ndarray:
    m = len(type_chars)
    alpha = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    b = alpha[:10][rng.integers(0, 10, (m, 8))]
    b[recent, :3] = np.frombuffer(b"MA1", dtype=np.uint8)
    b[recent, 3:] = alpha[rng.integers(0, len(alpha), (int(recent.sum()), 5))]
    # GB 11714 check digit: letters count 10 (A) … 35 (Z).
    vals = np.where(b >= ord("A"), b.astype(np.int64) - ord("A") + 10, b.astype(np.int64) - ord("0"))
    c = 11 - (vals @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11
    check = np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), c + ord("0"))).astype(np.uint8)
    first17 = np.empty((m, 17), dtype=np.uint8)
    first17[:, 0] = ord("9")
    first17[:, 1] = np.frombuffer("".join(type_chars).encode(), dtype=np.uint8)
    first17[:, 2:8] = np.frombuffer(b"310112", dtype=np.uint8)
    first17[:, 8:16] = b
    first17[:, 16] = check
    lut = np.full(128, -1, dtype=np.int64)
    lut[alpha] = np.arange(len(alpha))
    w = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
    c18 = 31 - (lut[first17] @ w) % 31
    last = alpha[np.where(c18 == 31, 0, c18)]
    full = np.ascontiguousarray(np.concatenate([first17, last[:, None]], axis=1))
    return full.view("S18").ravel().astype(str).astype(object)

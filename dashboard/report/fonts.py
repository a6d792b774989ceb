"""Noto CJK as TrueType for the PDF: named, subset, embedded CJK fonts instead of Type 3 glyphs.

Debian's Noto Sans/Serif CJK are OpenType-CFF collections, and Chromium's PDF writer (Skia)
embeds CFF outlines only as unnamed Type 3 glyph procedures: the text stays extractable, but the
PDF carries no real font (``pdffonts`` lists ``[none] Type 3``), prints less crisply and is larger.
Skia embeds TrueType outlines as proper subset CID fonts, so before printing, the command turns
the glyphs the page uses into small TrueType faces with the same names and metrics
(``NotoSansCJKsc-Regular`` …) and gives them to the page as ``@font-face`` rules.

Converting a glyph (cubic CFF curves to quadratic TrueType ones) is the slow part, so converted
glyphs are kept in a cache file per face under the data directory: after the first few weeks'
reports a new report finds nearly all of its characters there and the source collections are
not even opened.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import pickle
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The faces the report's stylesheet and figures use: (CSS family, CSS weight) → fontconfig pattern.
FACES: dict[tuple[str, int], str] = {
    ("Noto Sans CJK SC", 400): "Noto Sans CJK SC:style=Regular",
    ("Noto Sans CJK SC", 700): "Noto Sans CJK SC:style=Bold",
    ("Noto Serif CJK SC", 400): "Noto Serif CJK SC:style=Regular",
    ("Noto Serif CJK SC", 700): "Noto Serif CJK SC:style=Bold",
}
_CACHE_VERSION = 1

# Which characters each face draws: every text node, and every SVG text of the figures, grouped by
# its element's first font family and by weight (600 and up is drawn bold).
FACE_TEXT_JS = """() => {
  const out = {};
  const walker = document.createTreeWalker(document.getElementById('page-report'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    const style = getComputedStyle(el);
    const family = style.fontFamily.split(',')[0].trim().replace(/^["']|["']$/g, '');
    const weight = parseInt(style.fontWeight, 10) >= 600 ? 700 : 400;
    const key = family + '|' + weight;
    out[key] = (out[key] || '') + node.textContent;
  }
  return out;
}"""


@dataclass
class _Face:
    """One face's converted glyphs and the tables a TrueType face needs besides them."""

    source: str
    info: dict[str, Any] = field(default_factory=dict)
    glyphs: dict[int, tuple[int, int, Any]] = field(default_factory=dict)  # char → (advance, lsb, glyph)
    absent: set[int] = field(default_factory=set)  # chars the face has no glyph for


def locate(pattern: str) -> tuple[Path, int] | None:
    """The font file and collection index fontconfig picks for ``pattern`` (None without fc-match
    or when it picks something else than Noto CJK)."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    try:
        out = subprocess.run([fc_match, "-f", "%{file}\n%{index}\n%{family}", pattern], capture_output=True,
                             text=True, timeout=30, check=False).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 3 or "CJK" not in out[2]:
        return None
    return Path(out[0]), int(out[1] or 0)


def _cache_path(cache_dir: Path, source: Path, index: int) -> Path:
    """One cache file per face, font file version and fontTools version (it pickles their glyphs)."""
    from fontTools import version as fonttools_version

    st = source.stat()
    return cache_dir / (f"{source.stem}-{index}-{st.st_size}-{int(st.st_mtime)}"
                        f"-ft{fonttools_version}-v{_CACHE_VERSION}.pickle")


def _load(path: Path, source: str) -> _Face:
    try:
        with path.open("rb") as fh:
            face = pickle.load(fh)  # noqa: S301 — our own cache file, written below
        if isinstance(face, _Face):
            return face
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    return _Face(source)


def _save(path: Path, face: _Face) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(face, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _convert(face: _Face, source: Path, index: int, chars: set[int]) -> None:
    """Convert the glyphs of ``chars`` (those the face has) into ``face``."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=index, lazy=True)
    cmap = font.getBestCmap()
    glyph_set = font.getGlyphSet()
    hmtx = font["hmtx"]
    if not face.info:
        name, os2, hhea = font["name"], font["OS/2"], font["hhea"]
        face.info = {
            "family": name.getDebugName(1), "style": name.getDebugName(2), "ps": name.getDebugName(6),
            "copyright": name.getDebugName(0) or "", "license": name.getDebugName(13) or "",
            "upm": font["head"].unitsPerEm, "macStyle": font["head"].macStyle,
            "hhea": (hhea.ascent, hhea.descent, hhea.lineGap),
            "os2": {k: getattr(os2, k) for k in ("sTypoAscender", "sTypoDescender", "sTypoLineGap",
                                                   "usWinAscent", "usWinDescent", "usWeightClass",
                                                   "fsSelection", "achVendID")},
        }
        face.glyphs[0] = (*hmtx[".notdef"], _draw(glyph_set[".notdef"], Cu2QuPen, TTGlyphPen))
    for char in sorted(chars):
        name = cmap.get(char)
        if name is None:
            face.absent.add(char)
            continue
        face.glyphs[char] = (*hmtx[name], _draw(glyph_set[name], Cu2QuPen, TTGlyphPen))


def _draw(glyph: Any, cu2qu: Any, tt_pen: Any) -> Any:
    pen = tt_pen(None)
    glyph.draw(cu2qu(pen, 1.0, reverse_direction=True))
    return pen.glyph()


def _build(face: _Face, chars: Iterable[int]) -> bytes:
    """A TrueType face holding ``.notdef`` and the glyphs of ``chars`` (those it has)."""
    from fontTools.fontBuilder import FontBuilder

    info = face.info
    wanted = sorted(c for c in set(chars) if c in face.glyphs and c != 0)
    order = [".notdef"] + [f"u{c:04X}" for c in wanted]
    entries = [face.glyphs[0]] + [face.glyphs[c] for c in wanted]
    fb = FontBuilder(info["upm"], isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({c: f"u{c:04X}" for c in wanted})
    fb.setupGlyf({n: e[2] for n, e in zip(order, entries, strict=True)})
    fb.setupHorizontalMetrics({n: (e[0], e[1]) for n, e in zip(order, entries, strict=True)})
    ascent, descent, gap = info["hhea"]
    fb.setupHorizontalHeader(ascent=ascent, descent=descent, lineGap=gap)
    fb.setupOS2(fsType=0, **info["os2"])
    fb.setupNameTable({"familyName": info["family"], "styleName": info["style"], "psName": info["ps"],
                       "copyright": info["copyright"], "licenseDescription": info["license"]})
    fb.setupPost()
    fb.setupHead(unitsPerEm=info["upm"], macStyle=info["macStyle"])
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def font_face_css(texts: Mapping[str, str], cache_dir: Path) -> str:
    """``@font-face`` rules (TrueType as data URLs) for the faces of ``texts`` (``"family|weight"`` →
    the text drawn in it, as ``FACE_TEXT_JS`` collects it); empty when no Noto CJK face is found."""
    rules = []
    for key, text in texts.items():
        family, _, weight = key.partition("|")
        pattern = FACES.get((family, int(weight or 400)))
        found = locate(pattern) if pattern else None
        if found is None:
            continue
        source, index = found
        # spaces too (U+3000 sets the cover's 内部资料　注意保存): a face without them falls back
        chars = {ord(c) for c in text if c.isprintable() or c in "\u3000\u00a0"}
        chars |= {ord(c) for c in " 0123456789.,%-+"}
        path = _cache_path(cache_dir, source, index)
        face = _load(path, str(source))
        missing = {c for c in chars if c not in face.glyphs and c not in face.absent}
        if missing or not face.info:
            _convert(face, source, index, missing)
            try:
                _save(path, face)
            except OSError as exc:  # a read-only data directory only costs the next report time
                log.warning("字体缓存无法写入 %s：%s", path, exc)
        data = base64.b64encode(_build(face, chars)).decode("ascii")
        rules.append(f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: normal; "
                     f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")
    return "\n".join(rules)

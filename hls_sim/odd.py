"""Generate the parameter tables of ``docs/ODD.md`` from the code, so the document
cannot drift from the defaults.

``python -m hls_sim.odd`` rewrites the text between the marker lines in docs/ODD.md;
``python -m hls_sim.odd --check`` exits 1 (changing nothing) if the tables are stale.
"""

from __future__ import annotations

import ast
import inspect
import io
import sys
import tokenize
from pathlib import Path
from typing import Any

from . import params

BEGIN = "<!-- BEGIN PARAMETER TABLE -->"
END = "<!-- END PARAMETER TABLE -->"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _cell(value: Any, code: bool = False) -> str:
    """One Markdown table cell: values exactly as Python prints them (so a default
    reads as in the code), pipes escaped; ``code`` sets strings in code type."""
    text = f"`{value}`" if code and isinstance(value, str) and value else str(value)
    return text.replace("\n", " ").replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]], code: set[int]) -> str:
    """A Markdown table; string values in the columns numbered in ``code`` are set
    in code type."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v, i in code) for i, v in enumerate(row)) + " |"
              for row in rows]
    return "\n".join(lines)


def preset_comments() -> dict[str, dict[str, str]]:
    """The trailing ``# comment`` on each lever of each preset in ``params.PRESETS``,
    read from the source of :mod:`hls_sim.params` (preset -> dotted lever -> comment)."""
    source = inspect.getsource(params)
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    out: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if not (isinstance(target, ast.Name) and target.id == "PRESETS"):
            continue
        value = getattr(node, "value", None)
        if not isinstance(value, ast.Dict):
            continue
        for pkey, pval in zip(value.keys, value.values, strict=True):
            if not (isinstance(pkey, ast.Constant) and isinstance(pval, ast.Dict)):
                continue
            found = out.setdefault(str(pkey.value), {})
            for gkey, gval in zip(pval.keys, pval.values, strict=True):
                if isinstance(gkey, ast.Constant) and isinstance(gval, ast.Dict):
                    for k in gval.keys:
                        if isinstance(k, ast.Constant):
                            found[f"{gkey.value}.{k.value}"] = comments.get(k.lineno, "")
    return out


def render_parameter_table() -> str:
    """Markdown for the ODD: every parameter (dotted name, default, unit, source,
    meaning), then each lever's value under every regime preset, group by group."""
    rows = [[r["name"], r["default"], r["unit"], _prior(r["prior"]), r["source"],
             r["description"]] for r in params.parameter_table()]
    parts = [
        f"All {len(rows)} parameters with their defaults. Set any of them by dotted name, "
        "e.g. `hls_sim.run({\"regime\": \"competitive\", \"place.n_people\": 2000})` "
        "or `hls_sim.run(\"competitive\", place__n_people=2000)`.",
        "",
        "A *prior range* is the range the shipped experiments (`experiments/`) explore for "
        "a magnitude that rests on an assumption or on evidence from another setting "
        "(`priors: all` in an experiment file draws every one of them); its source says "
        "which.",
        "",
        _table(["parameter", "default", "unit", "prior range", "source", "meaning"], rows,
               {0, 1}),
        "",
        "Regime presets. A preset sets the two groups of levers, procurement (how the "
        "money is let and paid) and practice (how the work is done); every other "
        "parameter keeps its default. `competitive` is the defaults above. A scenario may "
        "take each group from a different preset (e.g. `practice: collaborative`).",
        "",
    ]
    comments = preset_comments()
    names = list(params.PRESETS)
    header = ["lever", "unit"] + [f"`{p}`" for p in names] + [
        "source of the default", "why a preset differs"]
    lever_rows = []
    for group, cls in params.LEVER_GROUPS.items():
        for fname, field in cls.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            values = [params.PRESETS[p][group].get(fname, field.default) for p in names]
            dotted = f"{group}.{fname}"
            notes = [f"{p}: {comments.get(p, {}).get(dotted, '')}" for p in names
                     if fname in params.PRESETS[p][group] and comments.get(p, {}).get(dotted)]
            lever_rows.append([dotted, extra.get("unit", ""), *values,
                               extra.get("source", ""), "; ".join(notes)])
    parts.append(_table(header, lever_rows, {0, *range(2, 2 + len(names))}))
    return "\n".join(parts)


def _prior(prior: list[float] | None) -> str:
    """A prior range as the ODD shows it ("" where there is none)."""
    return "" if not prior else f"{prior[0]:g} - {prior[1]:g}"


def _resolve(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() or p.exists() else REPO_ROOT / p


def update_odd(path: str | Path = "docs/ODD.md", check: bool = False) -> bool:
    """Replace the text between the parameter-table markers in ``path`` with
    :func:`render_parameter_table`. A relative path not found from the working
    directory is taken from the repository root. Returns True if the file was (or,
    with ``check``, would be) changed; with ``check`` nothing is written.

    Raises:
        ValueError: the file lacks the marker lines, or has them out of order.
    """
    file = _resolve(path)
    text = file.read_text(encoding="utf-8")
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"{file}: needs the lines {BEGIN} and {END}, in that order")
    head = text[: start + len(BEGIN)]
    new = f"{head}\n\n{render_parameter_table()}\n\n{text[stop:]}"
    changed = new != text
    if changed and not check:
        file.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m hls_sim.odd [--check] [path]``."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    changed = update_odd(paths[0] if paths else "docs/ODD.md", check=check)
    if check and changed:
        print("docs/ODD.md parameter tables are out of date: run python -m hls_sim.odd",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

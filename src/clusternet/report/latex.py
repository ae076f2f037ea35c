"""LaTeX rendering of a :class:`~clusternet.report.tables.Table` that compiles
cleanly with pdflatex and xelatex.

- Packages: ``booktabs``, ``threeparttable``, ``adjustbox`` (``REQUIRED_PACKAGES``), with
  ``\\usepackage[T1]{fontenc}`` under pdflatex; tables with Chinese text need ``ctex`` and
  xelatex (the file's first comment lines say which).
- Escaping is safe under T1 and UTF-8: the ten LaTeX specials, ``<``, ``>``, ``|`` and ``->``
  become text commands; Greek letters, minus, times, superscript two, ≤/≥ become math
  (``tex_escape``), so nothing prints as "¡" or "¿" under any encoding.
- Stars are superscripts: ``0.512$^{***}$``.
- Width: the table is set at its natural width and scaled down to ``\\linewidth`` only when
  wider (``adjustbox``'s ``max width``), so no box is overfull; notes are set ragged-right
  with break points after ``/`` and ``_`` so long file names wrap.
- ``fragment`` mode writes only the ``threeparttable`` (no float, no caption, no label) for
  ``\\input{}`` inside the author's own ``table`` environment.
- No hashes in the notes: the provenance (code version, config and input hashes) goes to
  ``%`` comment lines at the top of the file.
"""
from __future__ import annotations

import re
import unicodedata

REQUIRED_PACKAGES = ("booktabs", "threeparttable", "adjustbox")

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
# Characters outside what T1 + utf8 typesets in text mode, as math (or text commands).
_UNICODE = {
    "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$",
    "θ": r"$\theta$", "λ": r"$\lambda$", "μ": r"$\mu$", "π": r"$\pi$", "ρ": r"$\rho$", "σ": r"$\sigma$",
    "τ": r"$\tau$", "φ": r"$\phi$", "χ": r"$\chi$", "ψ": r"$\psi$", "ω": r"$\omega$", "Δ": r"$\Delta$",
    "Σ": r"$\Sigma$", "Ω": r"$\Omega$", "−": r"$-$", "×": r"$\times$", "²": r"$^{2}$", "³": r"$^{3}$",
    "≤": r"$\leq$", "≥": r"$\geq$", "±": r"$\pm$", "→": r"$\rightarrow$", "≈": r"$\approx$",
    "≠": r"$\neq$", "·": r"$\cdot$", "…": r"\dots{}", "√": r"$\surd$", "∞": r"$\infty$",
}
_HATTED = re.compile(r"([α-ωΑ-Ω])\u0302")  # γ̂: a Greek letter with a combining circumflex
_BARRED = re.compile(r"([A-Za-z])\u0304")  # M̄ (Rambachan-Roth's breakdown value): a letter with a combining macron


def has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"
               or "\u3000" <= ch <= "\u303f" for ch in text)


def tex_escape(text: str) -> str:
    """``text`` as LaTeX source that prints the same characters under T1 (pdflatex) and xelatex."""
    text = unicodedata.normalize("NFC", str(text))
    text = text.replace("->", "→").replace("<=", "≤").replace(">=", "≥")
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and text[i + 1] == "\u0302" and _HATTED.match(text[i:i + 2]):
            out.append(r"$\hat{" + _UNICODE[ch][1:-1] + "}$")
            i += 2
            continue
        if i + 1 < len(text) and text[i + 1] == "\u0304" and _BARRED.match(text[i:i + 2]):
            out.append(r"$\bar{" + ch + "}$")
            i += 2
            continue
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif ch == "\u0302":
            out.append(r"\^{}")
        elif ch == "\u0304":
            out.append(r"\={}")
        else:
            out.append(ch)
        i += 1
    return "".join(out).replace("R$^{2}$", "$R^{2}$")


def tex_cell(text: str) -> str:
    """A table cell; trailing stars become a superscript: ``0.512***`` -> ``0.512$^{***}$``."""
    stars = len(text) - len(text.rstrip("*"))
    if stars and text.rstrip("*"):
        return tex_escape(text.rstrip("*")) + "$^{" + "*" * stars + "}$"
    return tex_escape(text)


def tex_note(text: str) -> str:
    """A note: escaped, with break points after ``/`` and ``_`` so file names wrap."""
    return tex_escape(text).replace("/", r"/\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")


def _row(cells: list[str]) -> str:
    line = " & ".join(tex_cell(c) for c in cells)
    # `\\` looks ahead for `[` or `*` (its optional argument) across the line break.
    if line.startswith(("[", "*")):
        line = "{}" + line
    return line + r" \\"


def provenance_comments(prov: dict) -> list[str]:
    if not prov:
        return []
    lines = [f"% Provenance: code {prov.get('code_version', '?')}"
             + (f", config sha256 {prov['config_sha256']}" if prov.get("config_sha256") else "")]
    for path, digest in sorted((prov.get("inputs") or {}).items()):
        lines.append(f"%   input {path} sha256 {digest}")
    return lines


def to_latex(t, fragment: bool = False) -> str:
    """``t`` (a ``Table``) as a ``table`` float (default) or, with ``fragment``, as the bare
    ``threeparttable`` for ``\\input{}``."""
    n = t.ncols
    text = " ".join([t.title, *(c for row in [*t.header, *t.body] for c in row), *t.notes])
    cjk = has_cjk(text)
    needs = r"\usepackage{" + ",".join(REQUIRED_PACKAGES) + "}"
    lines = [f"% {t.name}: generated by clusternet. Needs {needs}"
             + (r" and \usepackage{ctex}; compile with xelatex (Chinese text)." if cjk
                else r" (and \usepackage[T1]{fontenc} under pdflatex); compiles with pdflatex or xelatex."),
             *provenance_comments(t.provenance)]
    if not fragment:
        lines += [r"\begin{table}[htbp]", r"\centering", r"\caption{" + tex_escape(t.title) + "}",
                  r"\label{tab:" + re.sub(r"[^A-Za-z0-9:_-]", "-", t.name) + "}"]
    lines += [r"\begin{adjustbox}{max width=\linewidth}", r"\begin{threeparttable}",
              r"\begin{tabular}{l" + "c" * (n - 1) + "}", r"\toprule"]
    lines += [_row(row) for row in t.header]
    lines.append(r"\midrule")
    for i, row in enumerate(t.body):
        if i in t.rules_before and i > 0:
            lines.append(r"\midrule")
        lines.append(_row(row))
    lines += [r"\bottomrule", r"\end{tabular}"]
    if t.notes:
        lines.append(r"\begin{tablenotes}[flushleft]\footnotesize\raggedright\sloppy")
        lines += [r"\item " + tex_note(note) for note in t.notes]
        lines.append(r"\end{tablenotes}")
    lines += [r"\end{threeparttable}", r"\end{adjustbox}"]
    if not fragment:
        lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def document(bodies: list[str], engine: str = "pdflatex", cjk: bool | None = None) -> str:
    """A minimal document with the packages the tables' header lines name (for tests and previews);
    ``cjk``: load ctex (default: when a body has Chinese text)."""
    cjk = any(has_cjk(b) for b in bodies) if cjk is None else cjk
    pre = [r"\documentclass{article}"]
    if engine == "pdflatex":
        pre += [r"\usepackage[T1]{fontenc}", r"\usepackage{lmodern}"]
    if cjk:
        pre.append(r"\usepackage{ctex}")
    pre += [r"\usepackage{" + ",".join(REQUIRED_PACKAGES) + "}", r"\begin{document}"]
    return "\n".join([*pre, *bodies, r"\end{document}", ""])

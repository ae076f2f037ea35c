#!/usr/bin/env bash
# System packages clusternet needs beyond Python: a CJK font (Chinese labels in
# figures) and Chromium + ChromeDriver (the report's browser test); TeX Live
# (pdflatex, xelatex, booktabs/threeparttable/adjustbox, ctex for Chinese tables)
# for the test that compiles every generated .tex.
set -euo pipefail
need=()
# (no `grep -q`: it would close the pipe early and pipefail would report fc-list's SIGPIPE)
fonts=$(fc-list 2>/dev/null || true)
grep -i "Noto Sans CJK" >/dev/null <<<"$fonts" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
# TeX Live (report LaTeX tables): engines, T1 fonts, threeparttable/adjustbox (latex-extra), ctex.
command -v pdflatex >/dev/null 2>&1 || need+=(texlive-latex-base texlive-latex-recommended lmodern)
command -v xelatex >/dev/null 2>&1 || need+=(texlive-xetex)
kpsewhich adjustbox.sty >/dev/null 2>&1 || need+=(texlive-latex-extra)
kpsewhich ctex.sty >/dev/null 2>&1 || need+=(texlive-lang-chinese)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "warning: missing system packages: ${need[*]} (install them with your package manager;" \
       "figures fall back to a non-CJK font and the browser test is skipped)" >&2
fi

#!/usr/bin/env bash
# Regenerates every reference fixture in tests/reference/fixtures/ from independent
# implementations. The test suite only reads the fixtures; it never runs R.
#
# Needs (Debian): r-base-core r-cran-plm r-cran-sandwich r-cran-lmtest r-cran-spdep
#                 r-cran-spatialreg r-cran-jsonlite r-cran-sna
# The two Python references (pyxthreg, csdid) run in throw-away virtual environments
# because they are not clusternet dependencies.
set -euo pipefail
cd "$(dirname "$0")/../.."
for script in panel_linear panel_gmm mechanisms indices_reference network_sna spatial report_statistics; do
  echo "== Rscript tests/reference/$script.R"
  Rscript "tests/reference/$script.R"
done
PY=${PYTHON:-python3}
if [ "${WITH_PYTHON_REFERENCES:-1}" = 1 ]; then
  tmp=$(mktemp -d)
  "$PY" -m venv "$tmp/xthreg" && "$tmp/xthreg/bin/pip" install -q pyxthreg==0.0.3
  "$tmp/xthreg/bin/python" tests/reference/panel_threshold_pyxthreg.py
  "$PY" -m venv "$tmp/csdid" && "$tmp/csdid/bin/pip" install -q csdid==0.4.3
  "$tmp/csdid/bin/python" tests/reference/did_csdid.py
  # staggered DID estimators (issue 15): csdid + differences (CS), pyfixest (Sun-Abraham, did2s)
  "$tmp/csdid/bin/pip" install -q differences==0.3.0 pyfixest==0.60.0
  for script in did_cs_mpdta did_pyfixest; do
    [ -f "tests/reference/$script.py" ] && "$tmp/csdid/bin/python" "tests/reference/$script.py"
  done
  rm -rf "$tmp"
fi
git --no-pager diff --stat -- tests/reference/fixtures || true

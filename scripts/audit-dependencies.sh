#!/usr/bin/env bash
# Audit the locked Python dependencies for known vulnerabilities (pip-audit), as `make audit`
# and .ci/run do.
#
# The requirements are exported from uv.lock (every package the image or the tests install,
# at its locked version) and checked one by one against PyPI's vulnerability data
# (PIP_AUDIT_SERVICE=pypi, the default) or OSV's (PIP_AUDIT_SERVICE=osv).
#
# Exit codes, so that "could not ask" is never read as "nothing found":
#   0  every dependency was audited and none has a known vulnerability
#   1  at least one dependency has a known vulnerability (listed with the fixed versions)
#   2  the audit could not be completed: the vulnerability service was unreachable or did not
#      know some packages (they are listed); nothing is claimed about them
# Known, accepted vulnerabilities: PIP_AUDIT_IGNORE="GHSA-xxxx PYSEC-yyyy" (each needs a reason in
# docs/production.md, "Dependency updates").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
UV=${UV:-.tools/bin/uv}
SERVICE=${PIP_AUDIT_SERVICE:-pypi}
[[ -x .venv/bin/pip-audit ]] || { echo "ERROR: .venv/bin/pip-audit is missing: run 'make install'." >&2; exit 2; }
[[ -x $UV ]] || { echo "ERROR: $UV is missing: run 'make install'." >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapif-audit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

"$UV" export --frozen --no-hashes --no-emit-project --all-groups --quiet >"$WORK/requirements.txt"
ignore=()
for id in ${PIP_AUDIT_IGNORE:-}; do ignore+=(--ignore-vuln "$id"); done

rc=0
.venv/bin/pip-audit -r "$WORK/requirements.txt" --no-deps --disable-pip --progress-spinner off \
    --vulnerability-service "$SERVICE" --format json --output "$WORK/audit.json" \
    "${ignore[@]}" 2>"$WORK/audit.err" || rc=$?
if [[ ! -s $WORK/audit.json ]]; then
    tail -n 3 "$WORK/audit.err" >&2
    echo "pip-audit produced no report (exit $rc): the dependencies were NOT audited." >&2
    exit 2
fi

"$PY" - "$WORK/audit.json" "$SERVICE" <<'PY'
"""Summarise pip-audit's JSON report; the exit code tells audited, vulnerable, or unaudited."""
import json
import sys

report = json.load(open(sys.argv[1]))
service = sys.argv[2]
dependencies = report["dependencies"]
skipped = [d for d in dependencies if "skip_reason" in d]
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]

for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} "
              f"(fixed in: {fixes})")
print(f"pip-audit ({service}): {len(audited)} of {len(dependencies)} locked dependencies "
      f"audited, {len(vulnerable)} with a known vulnerability, {len(skipped)} not audited.")
if skipped:
    print(f"NOT AUDITED ({len(skipped)}): the vulnerability service did not answer for these "
          "packages, so nothing is known about them:")
    for dependency in skipped[:10]:
        print(f"  {dependency['skip_reason']}")
    if len(skipped) > 10:
        print(f"  ... and {len(skipped) - 10} more")
    if len(skipped) == len(dependencies):
        print("Nothing could be audited: is the vulnerability service reachable from here "
              "(pypi.org's per-version JSON API, or api.osv.dev with PIP_AUDIT_SERVICE=osv)?")
sys.exit(1 if vulnerable else 2 if skipped else 0)
PY

#!/bin/sh
# Check the system packages `make demo` and `make test` need, before anything is installed.
# Prints one line naming what to install and fails when one is missing (Debian package names).
#   gettext              msgfmt compiles the French catalogue
#   libpango-1.0-0       WeasyPrint renders the letters with Pango
#   libpangoft2-1.0-0      (its FreeType part)
#   libharfbuzz-subset0  without it WeasyPrint warns on every PDF, an error in the test suite
#   fonts-dejavu-core    a font with é, à, €, Œ for the letters
missing=""
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || ls /usr/lib/*/"$1"* >/dev/null 2>&1; }
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
has_lib libpango-1.0.so.0 || missing="$missing libpango-1.0-0"
has_lib libpangoft2-1.0.so.0 || missing="$missing libpangoft2-1.0-0"
has_lib libharfbuzz-subset.so.0 || missing="$missing libharfbuzz-subset0"
if command -v fc-list >/dev/null 2>&1; then
    fc-list | grep -qi dejavu || missing="$missing fonts-dejavu-core"
elif [ ! -d /usr/share/fonts/truetype/dejavu ]; then
    missing="$missing fonts-dejavu-core"
fi
if [ -n "$missing" ]; then
    echo "tapif needs system packages that are missing; install them with: apt-get install$missing" >&2
    exit 1
fi

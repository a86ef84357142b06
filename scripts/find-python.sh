#!/bin/sh
# Print the path of a Python >= 3.12 interpreter (Django 6 needs it), or explain and fail.
# Order: $PYTHON, python3.13, python3.12, python3, then pyenv's versions folder.
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for candidate in "${PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if ok "$path"; then
        # pyenv shims only run for a selected version; resolve to the real interpreter.
        "$path" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for path in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
    if ok "$path"; then echo "$path"; exit 0; fi
done
echo "tapif needs Python 3.12 or newer (Django 6)." >&2
echo "Install one (e.g. 'apt-get install python3.12' or 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1

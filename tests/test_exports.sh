#!/bin/sh
# libstmprog exports its public API and nothing else: every symbol
# `nm -D --defined-only` shows in the built shared library is a function
# some public header (core/include/stmprog/*.h) declares, and every
# function declared there is exported.  Internal helpers exported by
# mistake become API users link against and we can never change.
set -eu

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"
lib=$top_builddir/core/.libs/libstmprog.so
cpp=${CPP:-${CC:-cc} -E}

if ! command -v nm >/dev/null 2>&1 || [ ! -f "$lib" ]; then
	echo "SKIP: no nm or no $lib (shared ELF library) to inspect"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the headers declare, as the compiler sees them (comments and
# macros resolved).
"$top_srcdir/core/public-symbols.sh" "$cpp" "$top_srcdir/core/include" \
	>"$tmp/declared"
# What the library exports, less the symbols every ELF linker adds.
nm -D --defined-only "$lib" | awk '{ print $NF }' |
	grep -v -x -e _init -e _fini -e _edata -e _end -e __bss_start |
	LC_ALL=C sort -u >"$tmp/exported"

status=0
LC_ALL=C comm -23 "$tmp/exported" "$tmp/declared" >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	echo "FAIL: $lib exports symbols no public header declares:"
	sed 's/^/  /' "$tmp/extra"
	echo "  (declare them in core/include/stmprog/ if they are API, else" \
	     "keep them internal: the version script core/libstmprog.map" \
	     "comes from the headers)"
	status=1
fi
LC_ALL=C comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing"
# A missing one the library defines was hidden: the export list is wrong.
# One it does not define at all is a declaration without code yet (any
# program calling it fails to link, which no export list can fix).
nm --defined-only "$lib" 2>/dev/null | awk '{ print $NF }' |
	LC_ALL=C sort -u >"$tmp/defined"
LC_ALL=C comm -12 "$tmp/missing" "$tmp/defined" >"$tmp/hidden"
LC_ALL=C comm -23 "$tmp/missing" "$tmp/defined" >"$tmp/undefined"
if [ -s "$tmp/hidden" ]; then
	echo "FAIL: public functions $lib defines but does not export:"
	sed 's/^/  /' "$tmp/hidden"
	status=1
fi
if [ -s "$tmp/undefined" ]; then
	echo "NOTE: declared in a public header but not defined in $lib:"
	sed 's/^/  /' "$tmp/undefined"
fi
# The check is only as good as the list: it must have found the API.
for known in stp_ctx_new stp_target_open stp_image_load stp_backends_list; do
	if ! grep -q -x "$known" "$tmp/declared"; then
		echo "FAIL: $known not found among the declarations:" \
		     "core/public-symbols.sh no longer parses the headers"
		status=1
	fi
done
[ $status -eq 0 ] &&
	echo "PASS: $(wc -l <"$tmp/exported") exported symbols, all public"
exit $status

#!/bin/bash
# `make install DESTDIR=...` puts the bash completion and the udev rule
# where bash-completion's and udev's pkg-config files say (or where
# configure's --with-bash-completion-dir / --with-udev-rules-dir put
# them, as distcheck does), unchanged.  Only those two install targets
# run: a whole `make install` relinks the backend modules other tests are
# loading (tests/threads/run.sh is ordered last for that reason).
# Then, unless STMPROG_TEST_QUICK, a fresh configure with both overrides
# installs to them.
set -u

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"
make=${MAKE:-make}
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config (Debian package pkg-config)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# make without the flags of the make running this test: under distcheck
# they carry -w ("Entering/Leaving directory" lines) and a jobserver this
# make cannot use.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$make" -s --no-print-directory "$@"
}

# A make variable of a configured tree, expanded (${prefix} and all); the
# last line, after anything a rebuild of the Makefile itself printed.
make_var() {
	printf 'stp-print-var:\n\t@echo "$(%s)"\n' "$2" |
		submake -C "$1" -f Makefile -f - stp-print-var | grep -v '^make' |
		tail -n 1
}

# The override configure was given, if any (config.status keeps the
# arguments, quoted as the shell needs them).
configured_with() {
	local name=$1 a
	eval "set -- $("$top_builddir/config.status" --config)"
	for a in "$@"; do
		case $a in
		"--with-$name="*) echo "${a#*=}"; return ;;
		esac
	done
}

# check_installed TREE DESTDIR FILE DIR: FILE (in the source tree) was
# installed into DESTDIR/DIR, unchanged.
check_installed() {
	local f=$2$4/${3##*/}
	if [ ! -f "$f" ]; then
		fail "$3 is not at $f; installed were: $(cd "$2" && find . -type f | tr '\n' ' ')"
	elif ! cmp -s "$top_srcdir/$3" "$f"; then
		fail "$f differs from $3"
	else
		echo "ok: $3 -> $4"
	fi
}

# 1. This build tree.
comp_dir=$(make_var "$top_builddir" bashcompletiondir)
rules_dir=$(make_var "$top_builddir" udevrulesdir)
over=$(configured_with bash-completion-dir)
if [ -n "$over" ]; then
	want_comp=$over
else
	want_comp=$(pkg-config --variable=completionsdir bash-completion)
fi
over=$(configured_with udev-rules-dir)
if [ -n "$over" ]; then
	want_rules=$over
else
	want_rules=$(pkg-config --variable=udevdir udev)
	[ -n "$want_rules" ] && want_rules=$want_rules/rules.d
fi
if [ -z "$want_comp" ] || [ -z "$want_rules" ]; then
	echo "SKIP: no bash-completion.pc or udev.pc (Debian packages bash-completion and udev)"
	exit 77
fi
# An override like '${prefix}/...' is expanded by make: compare expanded.
case $want_comp in *'$'*) want_comp=$(prefix=$(make_var "$top_builddir" prefix); datadir=$(make_var "$top_builddir" datadir); eval echo "$want_comp") ;; esac
case $want_rules in *'$'*) want_rules=$(prefix=$(make_var "$top_builddir" prefix); eval echo "$want_rules") ;; esac
[ "$comp_dir" = "$want_comp" ] ||
	fail "bashcompletiondir is '$comp_dir', not '$want_comp'"
[ "$rules_dir" = "$want_rules" ] ||
	fail "udevrulesdir is '$rules_dir', not '$want_rules'"

dest=$tmp/dest
if ! submake -C "$top_builddir" DESTDIR="$dest" \
	install-bashcompletionDATA install-udevrulesDATA >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	fail "make install-bashcompletionDATA install-udevrulesDATA failed"
fi
check_installed "$top_builddir" "$dest" contrib/completion/stmprog "$want_comp"
check_installed "$top_builddir" "$dest" contrib/udev/50-stmprog.rules "$want_rules"
if grep -q '^bashcompletion_DATA.*stmprog-line' "$top_builddir/Makefile" ||
	[ -x "$top_builddir/frontends/line/stmprog-line" ]; then
	check_installed "$top_builddir" "$dest" contrib/completion/stmprog-line "$want_comp"
fi
# Nothing else: the two targets install these files only.
n=$(find "$dest" -type f | wc -l)
[ "$n" -le 3 ] || fail "$n files installed, expected 2 or 3: $(cd "$dest" && find . -type f)"

# 2. A fresh configure with both overrides (a whole configure run: not in
# the quick runs).
if [ -n "${STMPROG_TEST_QUICK:-}" ]; then
	echo "STMPROG_TEST_QUICK: the configure-override half skipped"
else
	mkdir -p "$tmp/b"
	if (cd "$tmp/b" && "$top_srcdir/configure" -q --disable-line \
		--with-bash-completion-dir="$tmp/x/completions" \
		--with-udev-rules-dir="$tmp/x/rules.d" >"$tmp/configure.log" 2>&1); then
		submake -C "$tmp/b" \
			install-bashcompletionDATA install-udevrulesDATA >"$tmp/install2.log" 2>&1 ||
			{ cat "$tmp/install2.log"; fail "install with the overrides failed"; }
		check_installed "$tmp/b" "" contrib/completion/stmprog "$tmp/x/completions"
		check_installed "$tmp/b" "" contrib/udev/50-stmprog.rules "$tmp/x/rules.d"
		[ ! -e "$tmp/x/completions/stmprog-line" ] ||
			fail "stmprog-line's completion installed by a build without stmprog-line"
	else
		tail -n 20 "$tmp/configure.log"
		fail "configure with the overrides failed"
	fi
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }

#!/usr/bin/env bash
# README's two set-up commands (the main job, then all tests) must work on
# a fresh clone in either order and again and again.  They once did not:
# the main job configured in the source tree and the test command's
# out-of-tree configure then refused.  This runs their configure steps
# (the part that broke; no build, so it stays cheap) on a clone of this
# tree with the working copy's README and test script:
#   main job, test command, main job again; then a plain in-tree
#   ./configure, which the test command must clean away.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
readme=${STMPROG_README:-$src/README.md}
log=$(mktemp)
fail() {
	tail -n 30 "$log" >&2
	echo "readme-setup: $*" >&2
	exit 1
}

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	echo "readme-setup: $src is not a git clone; skipped"
	exit 0
fi
# The shell blocks of the set-up section, one command each.
mapfile -t cmds < <(awk '/^## /{s = /^## Set up/; next}
	s && /^```sh/ {b = 1; next} s && /^```/ {b = 0; next} s && b' "$readme")
[ "${#cmds[@]}" -eq 2 ] ||
	fail "README's set-up section has ${#cmds[@]} commands, not the two it promises"
main=${cmds[0]}
tests=${cmds[1]}
[[ $tests == *"tests/run-all.sh"* ]] || fail "the second command does not run tests/run-all.sh: $tests"
# The main job up to its build: CI installed the packages already, and
# everything from the first make on needs no configure.
main=${main#bash .ci/deps && }
main=${main%%&& make*}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$log"' EXIT
# Six configure runs of one tree with one compiler: a shared cache
# (autoconf's documented config.site hook) answers the probes after the
# first run.  What this checks is where each one configures and that none
# refuses, not the probes, which every build below repeats.
printf '%s\n' "if test \"\$cache_file\" = /dev/null; then cache_file='$tmp/config.cache'; fi" \
	>"$tmp/config.site"
export CONFIG_SITE=$tmp/config.site
git clone -q "$src" "$tmp/clone"
cp "$readme" "$tmp/clone/README.md"
cp "$src/tests/run-all.sh" "$tmp/clone/tests/run-all.sh"
cd "$tmp/clone"
# The test command's own configure, as run-all.sh does it (out of tree).
tests_configure() {
	bash tests/run-all.sh --prepare >>"$log" 2>&1
	rm -rf "$tmp/t" && mkdir "$tmp/t"
	(cd "$tmp/t" && "$tmp/clone/configure" -q) >>"$log" 2>&1 ||
		fail "the test command's configure fails after: $1"
}
eval "$main" >>"$log" 2>&1 || fail "the main job's configure failed: $main"
# Built in the source tree, it would stop every out-of-tree configure
# (run-all.sh cleans that up, but the main job must not need it).
[ ! -f config.status ] || fail "the main job configures in the source tree: $main"
tests_configure "the main job"
eval "$main" >>"$log" 2>&1 || fail "the main job's configure failed a second time, after the tests"
tests_configure "the main job run twice"
./configure -q >>"$log" 2>&1
tests_configure "a plain ./configure in the source tree"
[ ! -f config.status ] || fail "tests/run-all.sh left the in-tree configuration"
echo "README's set-up commands configure in either order, repeatedly"

#!/usr/bin/env bash
# Runs one command under Debian's stock kernel in QEMU, with the host's
# files, and carries its output and exit status back.
#
#   run-in-guest.sh [--out DIR] [--cache DIR] [--timeout SECONDS]
#                   [--qemu-arg ARG]... -- COMMAND [ARG...]
#
# The guest mounts the host's / read-only over 9p and chroots into it, so
# COMMAND is a host path and sees the host's programs and this build tree
# (docs/kernel-tests.md).  It runs as root in the guest, in the current
# directory, with PATH, top_srcdir, top_builddir and the STMPROG_*,
# ASAN_/UBSAN_/LSAN_OPTIONS variables of this environment; its stdout and
# stderr end up in DIR/output.log, printed here afterwards.
#
# Exit status: COMMAND's; 77 when something needed to boot a guest is
# missing (the reason is printed: the Debian package to install); 1 when
# the guest did not finish (boot failure, timeout: the console's tail is
# printed).
#
# --qemu-arg passes one more argument to QEMU, as given (repeat it for
# each): a device for the guest, such as a USB-serial adapter on a pty.
#
# Environment: STMPROG_KERNEL_VERSION picks a kernel under /boot (default:
# the newest with its modules installed); STMPROG_QEMU the QEMU binary.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=
cache=
timeout_s=180
qemu_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--qemu-arg) qemu_args+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) echo "run-in-guest.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: run-in-guest.sh [--out DIR] [--cache DIR] [--timeout S] -- COMMAND [ARG...]" >&2; exit 2; }

skip() { echo "SKIP: $*"; exit 77; }

# --- what a guest needs; each missing piece names its Debian package -------
qemu=${STMPROG_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || skip "$qemu not found (Debian package qemu-system-x86)"

kver=${STMPROG_KERNEL_VERSION:-}
if [ -z "$kver" ]; then
	# The newest kernel whose image and module tree are both there: the
	# machine's running kernel may be another one without modules.
	for k in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V -r); do
		if [ -f "/lib/modules/$k/modules.dep" ]; then kver=$k; break; fi
	done
fi
[ -n "$kver" ] || skip "no kernel image with modules under /boot and /lib/modules (Debian package linux-image-amd64)"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -f "$kernel" ] || skip "$kernel not found (Debian package linux-image-amd64)"
[ -r "$kernel" ] || skip "$kernel is not readable by $(id -un) (Debian installs it mode 0600: run as root)"
[ -f "$moddir/modules.dep" ] || skip "$moddir not found (Debian package linux-image-$kver)"

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || skip "busybox not found (Debian package busybox-static)"
# The initramfs has no libraries: its busybox must be static.
if LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter' ||
	{ ! command -v readelf >/dev/null 2>&1 && ldd "$busybox" >/dev/null 2>&1; }; then
	skip "$busybox is dynamically linked (Debian package busybox-static)"
fi
command -v timeout >/dev/null 2>&1 || skip "timeout not found (Debian package coreutils)"

# --- the initramfs, built once per kernel version and init script ----------
# 9p over virtio-pci, as modules in dependency order.  A module the kernel
# has built in lists no file and is skipped.
mods=$(for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$m" 2>/dev/null || true
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
[ -n "$mods" ] || skip "modprobe -S $kver found no virtio/9p modules (Debian package kmod, linux-image-$kver)"

[ -n "$cache" ] || cache=${top_builddir:-.}/tests/kernel-run/cache
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
key=$( (cat "$here/guest-init.sh"; echo "$mods"; ls -l "$busybox") | cksum | cut -d' ' -f1)
initrd=$cache/initramfs-$kver-$key.cpio.gz
if [ ! -f "$initrd" ]; then
	stage=$(mktemp -d "$cache/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/bin" "$stage/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/host"
	cp "$busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$here/guest-init.sh" "$stage/init"
	chmod 755 "$stage/init"
	: >"$stage/modules/order"
	n=0
	for f in $mods; do
		n=$((n + 1))
		base=$(basename "$f")
		# Later Debian kernels compress their modules; busybox insmod may
		# not read that, so store them plain.
		case $base in
		*.ko.xz) dst=$(printf '%02d-%s' "$n" "${base%.xz}"); xz -dc "$f" >"$stage/modules/$dst" ;;
		*.ko.zst) dst=$(printf '%02d-%s' "$n" "${base%.zst}"); zstd -qdc "$f" >"$stage/modules/$dst" ;;
		*.ko.gz) dst=$(printf '%02d-%s' "$n" "${base%.gz}"); gzip -dc "$f" >"$stage/modules/$dst" ;;
		*) dst=$(printf '%02d-%s' "$n" "$base"); cp "$f" "$stage/modules/$dst" ;;
		esac
		echo "$dst" >>"$stage/modules/order"
	done
	(cd "$stage" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$initrd.tmp.$$"
	mv -f "$initrd.tmp.$$" "$initrd" # atomic: parallel runs share the cache
	rm -rf "$stage"
	trap - EXIT
fi

# --- the job -----------------------------------------------------------------
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/kernel-test.XXXXXX")
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/status" "$out/output.log" "$out/console.log" "$out/mounts" "$out/job.sh"

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# Host directories the guest's own /tmp and /run would hide get a share of
# their own, mounted over them at the same path.
shares=()
n=0
for d in "$PWD" "${top_srcdir:-}" "${top_builddir:-}" "$@"; do
	[ -n "$d" ] || continue
	case $d in /tmp/* | /run/*) ;; *) continue ;; esac
	[ -d "$d" ] || d=$(dirname "$d")
	d=$(cd "$d" 2>/dev/null && pwd -P) || continue
	# Shared already, or inside a shared directory.
	covered=
	if [ -f "$out/mounts" ]; then
		while read -r _ p; do
			case $d/ in "$p"/*) covered=1 ;; esac
		done <"$out/mounts"
	fi
	[ -z "$covered" ] || continue
	n=$((n + 1))
	echo "share$n $d" >>"$out/mounts"
	# QEMU's option syntax doubles a comma inside a value.
	shares+=(-virtfs "local,path=${d//,/,,},mount_tag=share$n,security_model=none,readonly=on")
done

{
	echo "# written by run-in-guest.sh; run by guest-init.sh in the chroot"
	for v in PATH top_srcdir top_builddir $(env | sed -n 's/^\(\(STMPROG_\|ASAN_OPTIONS\|UBSAN_OPTIONS\|LSAN_OPTIONS\)[A-Za-z0-9_]*\)=.*/\1/p'); do
		eval "isset=\${$v+x}"
		[ -n "$isset" ] || continue
		eval "val=\$$v"
		echo "$v=$(q "$val"); export $v"
	done
	echo "export HOME=/tmp STMPROG_IN_GUEST=1"
	echo "cd $(q "$PWD") || exit 125"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} >"$out/job.sh"

# --- boot ------------------------------------------------------------------
# TCG: KVM hangs in the nested setups this runs on, and TCG boots in ~10 s.
# panic=-1 and -no-reboot turn a kernel panic (init died) into an exit.
start=$(date +%s)
set +e
timeout -k 10 "$timeout_s" "$qemu" \
	-accel tcg -m 1024 -smp 1 -nographic -no-reboot -net none \
	-monitor none -serial "file:$out/console.log" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=${out//,/,,},mount_tag=out,security_model=none" \
	"${shares[@]}" "${qemu_args[@]}" </dev/null >"$out/qemu.log" 2>&1
qrc=$?
set -e
elapsed=$(($(date +%s) - start))

[ -f "$out/output.log" ] && cat "$out/output.log"
if [ ! -s "$out/status" ]; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		echo "run-in-guest.sh: the guest did not finish within ${timeout_s} s"
	else
		echo "run-in-guest.sh: the guest stopped without an exit status (QEMU exit $qrc, ${elapsed} s)"
	fi
	echo "--- QEMU:"
	tail -n 20 "$out/qemu.log" || true
	echo "--- the guest console's last lines:"
	# Without the terminal escapes the firmware and kernel print.
	tail -n 40 "$out/console.log" | sed "s/\x1b\[[0-9;?]*[A-Za-z]//g" | tr -d "\r" || true
	exit 1
fi
status=$(cat "$out/status")
echo "run-in-guest.sh: kernel $kver, guest exit status $status, ${elapsed} s from boot to power-off"
exit "$status"

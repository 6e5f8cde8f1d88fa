#!/bin/sh
# /init of the test guest's initramfs (busybox sh; see docs/kernel-tests.md).
#
# The guest runs the host's own files: the host's / arrives read-only over
# 9p (tag "hostroot") and becomes the root of a chroot, so the host's
# modprobe, ip, can-utils and the freshly built stmprog run unchanged under
# the guest's kernel.  A second share (tag "out") is the one writable place
# the host sees: the job to run, its output and its exit status.  Anything
# that goes wrong here ends in "poweroff", so QEMU always exits; the host
# side reads a missing status file as a guest failure.
set -u

PATH=/bin:/sbin
export PATH
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "guest-init: $*" >/dev/console; }
die() {
	say "$*"
	sync
	poweroff -f
	sleep 10
}

# The modules 9p over virtio-pci needs, in dependency order (listed when
# the initramfs was built); a module built into the kernel is not there.
while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/modules/$mod" 2>/dev/null || say "insmod $mod failed (built in?)"
done </modules/order

root=/host
mkdir -p "$root"
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot "$root" ||
	die "cannot mount the host's / over 9p"

# Fresh, writable kernel file systems inside the chroot.  /tmp and /run are
# the guest's own (the host's are read-only here, and its /run holds
# nothing the guest should see).
mount -t proc proc "$root/proc" || die "mount proc"
mount -t sysfs sysfs "$root/sys" || die "mount sys"
mount -t devtmpfs devtmpfs "$root/dev" || die "mount dev"
mkdir -p "$root/dev/pts" "$root/dev/shm"
# The simulator makes a pseudo-terminal: devpts with its own ptmx.
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts "$root/dev/pts" || die "mount devpts"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || die "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs "$root/run" || die "mount /run"

out=/run/kernel-test
mkdir -p "$root$out"
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none out "$root$out" ||
	die "cannot mount the output share"

# Host directories the tmpfs mounts above hide (a build tree under /tmp):
# the host lists them as "TAG PATH" lines, each its own read-only share.
if [ -f "$root$out/mounts" ]; then
	while read -r tag path; do
		[ -n "$tag" ] || continue
		mkdir -p "$root$path"
		mount -t 9p -o trans=virtio,version=9p2000.L,ro "$tag" "$root$path" ||
			die "cannot mount share $tag at $path"
	done <"$root$out/mounts"
fi

[ -f "$root$out/job.sh" ] || die "no job.sh in the output share"
say "running the job"
chroot "$root" /bin/sh "$out/job.sh" >"$root$out/output.log" 2>&1 </dev/null
status=$?
echo "$status" >"$root$out/status"
say "job exited with status $status"
sync
poweroff -f
sleep 10

# Sourced by bench/line-*.sh: the build's simulator and line, a
# temporary directory (the current one from here on), a random image of
# $kib KiB with a job file writing a le32 serial right after it, and the
# eight mixed boards both benchmarks use: three USB (F4), three UART (F4,
# G0 with ECC double-words, L4), two slcan (F4 on AN3154 at 125 kbit/s,
# G4 on AN5405).  Needs: build, kib, job_name.
sim="$build/contrib/sim/stmprog-sim"
line="$build/frontends/line/stmprog-line"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

head -c $((kib * 1024)) /dev/urandom >fw.bin
cat >job.yaml <<JOB
name: $job_name
images:
  - file: fw.bin
    address: 0x08000000
serial:
  address: 0x$(printf '%08X' $((0x08000000 + kib * 1024)))
  encoding: le32
  start: 1
end: stay
JOB
devices=(
	"--device usb --chip 0x413" "--device usb --chip 0x413" "--device usb --chip 0x413"
	"--device uart --chip 0x413" "--device uart --chip 0x460" "--device uart --chip 0x435"
	"--device slcan --chip 0x413" "--device slcan --chip 0x468"
)

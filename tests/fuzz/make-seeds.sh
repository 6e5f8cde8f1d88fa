#!/bin/sh
# Regenerates the seed corpora of the core harnesses (tests/fuzz/corpus/)
# with tools independent of stmprog, so the fuzzers start from files the
# rest of the world writes:
#
#   image_elf    a tiny Cortex-M firmware (tests/gen-images.sh:
#                arm-none-eabi-gcc), stripped
#   image_ihex   arm-none-eabi-objcopy -O ihex, srec_cat -Intel (linear
#                and segment addressing, with and without a start address),
#                python3 intelhex when installed
#   image_srec   arm-none-eabi-objcopy -O srec, srec_cat S19/S28/S37
#   image_bin    the first bytes of the firmware (objcopy -O binary)
#   image_dfuse  dfuse-pack: one element, two elements, two alt settings
#   image_dfu    dfu-suffix -a on a small binary; dfu-tool when installed
#   portspec, dfuse_layout, option_bytes, cli
#                written out here: port specifications of every transport
#                as the docs give them, layout strings real ROMs report,
#                assignments, command lines (words separated by NUL bytes)
#
# Run it once after a change to the formats or the grammars and commit
# the result; the fuzzers never write into the tree (run.sh works on a
# copy).  Regression seeds (inputs that once crashed a harness, named
# crash-*) are kept: this script only replaces the files it makes.
# Usage: tests/fuzz/make-seeds.sh [SRCDIR]   (default: this script's tree)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
corpus=$src/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "make-seeds: $*"; }
seed() { # seed HARNESS NAME: stdin to corpus/HARNESS/NAME
	mkdir -p "$corpus/$1"
	cat > "$corpus/$1/$2"
}
words() { # words HARNESS NAME WORD...: the words joined by NUL bytes
	h=$1 n=$2
	shift 2
	first=1
	for w in "$@"; do
		[ $first = 1 ] || printf '\0'
		printf '%s' "$w"
		first=0
	done | seed "$h" "$n"
}

# ---- images ----------------------------------------------------------------
if "$src/tests/gen-images.sh" "$tmp/img" >/dev/null 2>&1 && [ -f "$tmp/img/fw.elf" ]; then
	cd "$tmp/img"
	# The same firmware linked without page alignment (-n), stripped,
	# so the seed stays a few hundred bytes.
	arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -ffreestanding \
		-nostdlib -nostartfiles -Wl,--build-id=none -Wl,-n -T fw.ld \
		-o fw-n.elf fw.c
	arm-none-eabi-strip -o fw.strip.elf fw-n.elf
	seed image_elf fw.elf < fw.strip.elf
	arm-none-eabi-objcopy -O ihex fw.elf objcopy.hex
	seed image_ihex objcopy.hex < objcopy.hex
	arm-none-eabi-objcopy -O srec fw.elf objcopy.srec
	seed image_srec objcopy.srec < objcopy.srec
	head -c 256 fw.bin > small.bin
	seed image_bin fw-head.bin < small.bin
	[ -f gap.hex ] && seed image_ihex srec_cat-gap.hex < gap.hex
	cd - >/dev/null
else
	say "arm-none-eabi-gcc/objcopy missing: no ELF, objcopy HEX or S-record seeds"
	head -c 256 /dev/zero | tr '\0' '\125' > "$tmp/small.bin"
	mkdir -p "$tmp/img"
	cp "$tmp/small.bin" "$tmp/img/small.bin"
fi
small=$tmp/img/small.bin
head -c 64 "$small" > "$tmp/tiny.bin"

if have srec_cat; then
	srec_cat "$small" -binary -offset 0x08000000 -o - -intel \
		| seed image_ihex linear.hex
	srec_cat "$small" -binary -offset 0x0800FFC0 -execution-start-address 0x08000101 \
		-o - -intel | seed image_ihex across-64k-start.hex
	srec_cat "$tmp/tiny.bin" -binary -offset 0x1F000 -o - -intel -address-length=3 \
		| seed image_ihex segment.hex
	srec_cat "$tmp/tiny.bin" -binary -offset 0xFFFFFFC0 -o - -intel \
		| seed image_ihex top-of-4g.hex
	srec_cat "$tmp/tiny.bin" -binary -offset 0x1000 -o - -motorola -address-length=2 \
		| seed image_srec s19.srec
	srec_cat "$tmp/tiny.bin" -binary -offset 0x20000 -o - -motorola -address-length=3 \
		| seed image_srec s28.srec
	srec_cat "$small" -binary -offset 0x08000000 -execution-start-address 0x08000101 \
		-o - -motorola -address-length=4 | seed image_srec s37.srec
	srec_cat "$tmp/tiny.bin" -binary -offset 0x08000000 "$tmp/tiny.bin" -binary \
		-offset 0x08010000 -o - -motorola -address-length=4 \
		| seed image_srec two-blocks.srec
else
	say "srec_cat missing: no srec_cat HEX or S-record seeds"
fi

if have python3 && python3 -c 'import intelhex' 2>/dev/null; then
	python3 - "$tmp/tiny.bin" "$corpus/image_ihex/intelhex.hex" <<'PY'
import sys, intelhex
ih = intelhex.IntelHex()
ih.loadbin(sys.argv[1], offset=0x08000000)
ih.start_addr = {'EIP': 0x08000101}
ih.write_hex_file(sys.argv[2])
PY
else
	say "python3 intelhex missing: no intelhex seed"
fi

if have dfuse-pack; then
	dfuse-pack -b "0x08000000:$small" "$tmp/one.dfu" >/dev/null
	seed image_dfuse one-element.dfu < "$tmp/one.dfu"
	dfuse-pack -b "0x08000000:$tmp/tiny.bin" -b "0x08004000:$tmp/tiny.bin" \
		"$tmp/two.dfu" >/dev/null
	seed image_dfuse two-elements.dfu < "$tmp/two.dfu"
	dfuse-pack -b "0x08000000:$tmp/tiny.bin" -b "0x1FFFC000@1:$tmp/tiny.bin" \
		-D 0x0483:0xdf11 "$tmp/alts.dfu" >/dev/null
	seed image_dfuse two-alts.dfu < "$tmp/alts.dfu"
else
	say "dfuse-pack missing: no DfuSe seeds"
fi

if have dfu-suffix; then
	cp "$small" "$tmp/plain.dfu"
	dfu-suffix -a "$tmp/plain.dfu" -v 0483 -p df11 -d 0200 >/dev/null
	seed image_dfu plain.dfu < "$tmp/plain.dfu"
	: > "$tmp/empty.dfu"
	dfu-suffix -a "$tmp/empty.dfu" >/dev/null
	seed image_dfu empty-body.dfu < "$tmp/empty.dfu"
else
	say "dfu-suffix missing: no DFU suffix seeds"
fi
if have dfu-tool; then
	dfu-tool convert dfu "$tmp/tiny.bin" "$tmp/tool.dfu" >/dev/null 2>&1 &&
		seed image_dfu dfu-tool.dfu < "$tmp/tool.dfu"
fi

# ---- text grammars ---------------------------------------------------------
printf 'port=usb1' | seed portspec usb1
printf 'port=usb sn=206A3583 VID=0x0483 PID=0xDF11' | seed portspec usb-ids
printf 'port=usb path=1-2.3' | seed portspec usb-path
printf 'port=usb:1-2.3' | seed portspec usb-path-word
printf 'port=/dev/ttyUSB0 br=115200 P=EVEN db=8 sb=1 fc=OFF noinit=1' | seed portspec uart
printf 'port=/dev/ttyUSB0 init=-rts,dtr,-dtr:rts,dtr,-dtr' | seed portspec uart-init
printf 'port=COM3 br=57600 sb=1.5 P=NONE' | seed portspec com
printf 'port=can0 br=125 dbr=2000 fd=1' | seed portspec can
printf 'port=slcan:/dev/ttyACM0 br=125 speed=500' | seed portspec slcan
words portspec words port=/dev/serial/by-id/usb-FTDI-if00-port0 br=9600 P=ODD

lay() { printf '%s' "$2" | seed dfuse_layout "$1"; }
lay f405 '@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg'
lay l07x '@Internal Flash  /0x08000000/1536*128 g'
lay ob '@Option Bytes  /0x1FFFC000/01*016 e'
lay qspi '@Flash /0x90000000/64*4Kg/0x90040000/60*64Kg'
lay noprefix '@Device Feature/0xFFFF0000/01*004 e'
lay guesses '@Flash/5200201C/8*2K,8*2Ka'
printf '@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg\0@Option Bytes  /0x1FFFC000/01*016 e\0@OTP Memory /0x1FFF7800/01*512 e,01*016 e' \
	| seed dfuse_layout f446-alts
printf '@Internal Flash  /0x08000000/128*0002Kg\0@Option Bytes  /0x1FFF7800/01*040 e' \
	| seed dfuse_layout l4-alts

# option_bytes: chip selector byte (bit 7: make complements right), the
# assignments, two NULs, the image (missing bytes read 0xFF).
ob() { h=$1; shift; { printf "$h"; printf '%s\0' "$@"; printf '\0'; } | seed option_bytes "$name"; }
name=rdp1 ob '\200' RDP=0xBB
name=rdp2 ob '\201' RDP=0xCC
name=rdp2-raw ob '\002' RDP=0xCC
name=several ob '\203' RDP=0xAA BOR_LEV=3 nBOOT0=1 nSWBOOT0=0
name=user ob '\204' WDG_SW=1 nRST_STOP=0 nRST_STDBY=1
name=twice ob '\205' RDP=0xAA rdp=0xBB
name=level2-image ob '\206' WRP1=0
printf '\207RDP=0xAA\0\0\314\063\252\125' | seed option_bytes from-level2

words cli download -c port=usb1 -d fw.hex -v -g
words cli erase-range -c port=/dev/ttyUSB0 br=115200 -e '[0' '3]'
words cli erase-list -c port=can0 br=125 -e 0 1 2 7
words cli upload -c port=usb1 -u 0x08000000 0x100 out.bin
words cli ob -c port=usb1 -ob RDP=0xCC --confirm-irreversible rdp2,bootloader
words cli ob-displ -c port=usb1 -ob displ -q -vb 3 -log run.log
words cli convert --format hex --base 0x08000000 --convert fw.bin fw.dfu
words cli chip --chip 0x413
words cli protect -c port=usb1 --write-protect all --write-unprotect -rdp -rdu
words cli list -l usb --backends --chips -h --version
words cli download-addr -w fw.bin 0x08004000 -s 0x08004000
say "seeds in $corpus"

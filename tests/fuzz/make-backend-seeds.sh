#!/bin/bash
# Writes the seed corpora of the backend harnesses (tests/fuzz/corpus/
# an3155, slcan, can_frames, dfu_status, dfuse): one file per exchange,
# each a device's correct replies to the session the harness drives, as
# the protocol notes (AN3155, AN3154, AN5405, AN3156, DFU 1.1) and the
# backends' unit tests script them.  Run from anywhere; rewrites the
# files it owns.  The regression seeds (regress-*) are kept as they are.
#
# Input layout (tests/fuzz/fuzz_fake_input.h): the device's bytes, then
# the control bytes last first, then one byte counting them.  On a byte
# link (AN3155, slcan) 0xE5 in the device's bytes is a pause, 0xE5 0x00
# the byte itself.  `seed NAME
# DEVICE-HEX CONTROL-HEX` takes the control bytes in the order the
# harness consumes them (the first: which host write fails, 00 = none).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=

seed() {
	local name=$1 dev=$2 ctl=$3 rev= n=0 b
	for b in $ctl; do
		rev="$b $rev"
		n=$((n + 1))
	done
	printf '%s %s %02x' "$dev" "$rev" "$n" | xxd -r -p >"$dir/$name"
}

# ---- AN3155 (fuzz_an3155) ---------------------------------------------
# Control: failing write, then bit 0 = noinit (GET probe instead of 0x7F),
# then per operation its code (fuzz_an3155.c's switch) and arguments.
dir=$here/corpus/an3155
mkdir -p "$dir"
ACK=79
NACK=1f
# GET: N=11, v3.1, the F1's eleven codes; GET VERSION; GET ID 0x0410.
GET="$ACK 0b 31 00 01 02 11 21 31 43 63 73 82 92 $ACK"
GET_EXT="$ACK 0b 31 00 01 02 11 21 31 44 63 73 82 92 $ACK"
GETV="$ACK 31 00 00 $ACK"
GETID="$ACK 01 04 10 $ACK"
CONNECT="$ACK $GET $GETV $GETID"
seed connect "$CONNECT" "00 00"
# noinit=1: GET proves the bootloader is there, then identification.
seed connect-noinit "$GET $GET $GETV $GETID" "00 01"
seed connect-nack "$NACK $GET $GETV $GETID" "00 00"
seed connect-ext "$ACK $GET_EXT $GETV $GETID" "00 00"
# READ 16 bytes at 0x08000000: ACK command, ACK address, ACK length, data.
seed read "$CONNECT $ACK $ACK $ACK 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff" \
	"00 00 00 08 00 00 00 0f"
seed read-nack "$CONNECT $NACK" "00 00 00 08 00 00 00 0f"
# WRITE 16 bytes: ACK command, address, data.
seed write "$CONNECT $ACK $ACK $ACK" "00 00 01 08 00 00 00 03"
# ERASE two pages (0x43), EXTENDED ERASE (0x44) on a ROM that lists it.
seed erase "$CONNECT $ACK $ACK" "00 00 02 01 00 00"
seed ext-erase "$ACK $GET_EXT $GETV $GETID $ACK $ACK" "00 00 02 01 00 01"
seed mass-erase "$ACK $GET_EXT $GETV $GETID $ACK $ACK" "00 00 03"
seed bank-erase "$ACK $GET_EXT $GETV $GETID $ACK $ACK" "00 00 04 01"
# GET CHECKSUM (0xA1) of 4 bytes: ACKs, the CRC and its XOR.
seed crc "$ACK $ACK 0c 31 00 01 02 11 21 31 44 63 73 82 92 a1 $ACK $GETV $GETID $ACK $ACK $ACK $ACK 12 34 56 78 08" \
	"00 00 05 08 00 00 00 00"
# GO: ACK command, ACK address; then silence (the chip left).
seed go "$CONNECT $ACK $ACK" "00 00 06 08 00 00 00"
# Readout unprotect: two ACKs, the reset, then the re-sync and GET.
seed rdu "$CONNECT $ACK $ACK $ACK $GET" "00 00 07 01"
seed option-bytes "$CONNECT $ACK $ACK $ACK $ACK $GET" "00 00 08 03"
# A lost write: the harness fails the 7th (the data of WRITE; 0x37).
seed lost-write "$CONNECT $ACK $ACK $ACK $ACK $ACK $ACK" "37 00 01 08 00 00 00 03"

# A block cut short (E5 is a pause: the read under way times out), then
# the re-synchronisation: a filler byte NACKed, a pause, GET in step.
GAP=e5
seed read-resync "$CONNECT $ACK $ACK $ACK 00 11 22 33 $GAP $GAP $NACK $GAP $GET $GAP $ACK $ACK $ACK 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff" \
	"00 00 00 08 00 00 00 0f"
# Regression: the re-synchronisation GET answered with a count of 0xFF
# (256 codes) overflowed the host's buffer by one byte.
seed regress-resync-get-count-ff "$CONNECT $ACK $ACK $ACK 00 11 22 33 $GAP $GAP $NACK $GAP $ACK ff $(printf '00 %.0s' {1..256}) $ACK" \
	"00 00 00 08 00 00 00 0f"

# ---- slcan (fuzz_slcan) ------------------------------------------------
# Control: failing write, then how (bit 0 ask V; bits 1-3 the rate; bits
# 4-6 the FD data rate), then operations (0-1 recv, 2 send, 3 rate, 4 wait).
dir=$here/corpus/slcan
mkdir -p "$dir"
cr() { printf '%s' "$1" | xxd -p | sed 's/../& /g'; }
seed open-silent "" "00 08"
seed open-cr "0d 0d 0d 0d" "00 08"
seed version "$(cr V1013) 0d 0d 0d 0d 0d" "00 09"
seed bell-open "0d 0d 07" "00 08"
seed frames "0d 0d 0d 0d $(cr t0791)79 0d $(cr T000000001)79 0d $(cr r0790) 0d 7a 0d" \
	"00 08 00 00 00 00"
seed fd-frames "0d 0d 0d 0d 0d $(cr d0799)00112233445566778899aabb 0d $(cr b0001)1f 0d" \
	"00 18 00 00 00"
seed send-rate "0d z 0d 0d 0d 0d 0d 0d 0d" "00 08 02 00 00 00 00 79 03 00"
seed overlong "0d 0d 0d 0d $(cr t07980011223344556677889900112233445566778899) 0d $(cr t0791)79 0d" \
	"00 08 00 00"
seed crlf "0d 0a 0d 0a 0d 0a 0d 0a $(cr t0791)79 0d 0a" "00 08 00"
# The bootloader session over the adapter (0x86: 125 kbit/s, classic):
# sync, GET, GET ID, READ of 16 bytes, each frame a line.
l() { printf '%s 0d ' "$(cr "$1")"; }
seed session "0d 0d 0d $(l t079179) $(l t000179) $(l t00010C) $(l t000120) \
$(l t000100) $(l t000101) $(l t000102) $(l t000103) $(l t000111) $(l t000121) \
$(l t000131) $(l t000143) $(l t000163) $(l t000173) $(l t000182) $(l t000192) \
$(l t000179) $(l t002179) $(l t00220413) $(l t002179) $(l t011179) \
$(l t01180011223344556677) $(l t01188899AABBCCDDEEFF) $(l t011179)" "00 86"

# ---- AN3154 / AN5405 frames (fuzz_can_frames) --------------------------
# A frame: header (bit 0 ext, bit 1 FD, bit 2 BRS, bits 4-7 DLC), a
# 2-byte (or 4-byte) identifier, the data.  Control: failing write, then
# how (bit 0 FDCAN, bit 1 SPEED, bit 2 to 1000), then operations.
dir=$here/corpus/can_frames
mkdir -p "$dir"
f() { # f ID DATA...: one classic frame on an 11-bit identifier
	local id=$1 n=$(($# - 1))
	shift
	printf '%x0 %02x %02x %s ' "$n" $((id >> 8)) $((id & 255)) "$*"
}
ffd() { # ffd ID DLC DATA...: one FD frame with BRS
	local id=$1 dlc=$2
	shift 2
	printf '%x6 %02x %02x %s ' "$dlc" $((id >> 8)) $((id & 255)) "$*"
}
SYNC="$(f 0x79 79)"
CGET="$(f 0 79) $(f 0 0c) $(f 0 20) $(f 0 00) $(f 0 01) $(f 0 02) $(f 0 03) $(f 0 11) $(f 0 21) $(f 0 31) $(f 0 43) $(f 0 63) $(f 0 73) $(f 0 82) $(f 0 92) $(f 0 79)"
CID="$(f 2 79) $(f 2 04 13) $(f 2 79)"
CAN_CONNECT="$SYNC $CGET $CID"
seed connect "$CAN_CONNECT" "00 00"
seed speed "$CAN_CONNECT $(f 3 79) $(f 3 79)" "00 02"
seed read "$CAN_CONNECT $(f 0x11 79) $(f 0x11 00 11 22 33 44 55 66 77) $(f 0x11 88 99 aa bb cc dd ee ff) $(f 0x11 79)" \
	"00 00 00 08 00 00 00 0f"
seed write "$CAN_CONNECT $(f 0x31 79) $(f 0x31 79) $(f 0x31 79) $(f 0x31 79)" \
	"00 00 01 08 00 00 00 0f"
seed erase "$CAN_CONNECT $(f 0x43 79) $(f 0x43 79)" "00 00 02 01 00 00"
seed mass-erase "$CAN_CONNECT $(f 0x43 79) $(f 0x43 79)" "00 00 03"
seed go "$CAN_CONNECT $(f 0x21 79) $(f 0x21 79)" "00 00 05 08 00 00 00"
seed rdu "$CAN_CONNECT $(f 0x92 79) $(f 0x92 79) $SYNC $CGET" "00 00 06 01"
seed nack-read "$CAN_CONNECT $(f 0x11 1f)" "00 00 00 08 00 00 00 0f"
FSTART="$(ffd 0x111 1 79)"
FGET="$(ffd 0 1 79) $(ffd 0 1 0b) $(ffd 0 1 10) $(ffd 0 1 00) $(ffd 0 1 01) $(ffd 0 1 02) $(ffd 0 1 11) $(ffd 0 1 21) $(ffd 0 1 31) $(ffd 0 1 44) $(ffd 0 1 63) $(ffd 0 1 73) $(ffd 0 1 82) $(ffd 0 1 92) $(ffd 0 1 79)"
FID="$(ffd 2 1 79) $(ffd 2 2 04 68) $(ffd 2 1 79)"
seed fd-connect "$FSTART $FGET $FID" "00 01"
seed fd-read "$FSTART $FGET $FID $(ffd 0x11 1 79) $(ffd 0x11 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff) $(ffd 0x11 1 79)" \
	"00 01 00 08 00 00 00 0f"
seed fd-erase "$FSTART $FGET $FID $(ffd 0x44 1 79) $(ffd 0x44 1 79)" "00 01 02 01 00 00"

# ---- DFU 1.1 (fuzz_dfu_status) -----------------------------------------
# A transfer: a header byte (IN: how many bytes come; OUT: anything below
# 0xFB; 0xFF stall, 0xFE gone, 0xFD timeout, 0xFC error), then the bytes.
# Control: failing write, then operations (0 GETSTATUS, 1 GETSTATE, 2
# CLRSTATUS, 3 ABORT, 4 DETACH, 5 DNLOAD, 6 UPLOAD, 7 wait, 8 recover).
dir=$here/corpus/dfu_status
mkdir -p "$dir"
st() { # st STATUS POLL STATE: one GETSTATUS answer
	printf '06 %02x %02x %02x 00 %02x 00 ' "$1" $(($2 & 255)) $(($2 >> 8)) "$3"
}
OUT=00
seed getstatus "$(st 0 0 2)" "00 00"
seed getstate "01 02" "00 01"
seed dnload-wait "$OUT $(st 0 10 4) $(st 0 0 5)" "00 05 02 10 07 00 10"
seed wait-errvendor "$(st 11 0 10)" "00 07 00 01"
seed manifest "$(st 0 0 6) $(st 0 0 7)" "00 07 01 01"
seed wait-gone "fe" "00 07 05 01"
seed upload "10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff" "00 06 02 02"
seed upload-stall "ff $(st 11 0 10)" "00 06 02 02"
seed recover "$(st 3 0 10) $OUT $(st 0 0 2)" "00 08"
seed recover-upload "$(st 0 0 9) $OUT $(st 0 0 2)" "00 08"
seed recover-runtime "$(st 0 0 0)" "00 08"
# dfuERROR with bStatus OK: a wait must fail (a crash of this harness).
seed regress-error-state-status-ok "$(st 0 0 10)" "00 07 00 01"

# ---- DfuSe (fuzz_dfuse) ------------------------------------------------
# Control: failing write, wTransferSize (2 bytes, high first; 0 = 1024),
# then operations (0 get commands, 1 set address, 2 erase, 3 mass erase,
# 4 read unprotect, 5 download, 6 upload, 7 option bytes, 8 leave, 9
# forget).
dir=$here/corpus/dfuse
mkdir -p "$dir"
# The state is unknown at first: the host asks (dfuIDLE) before DNLOAD.
IDLE="$(st 0 0 2)"
SETA="$OUT $(st 0 0 4) $(st 0 0 5)"
seed get-commands "$IDLE 05 00 21 41 92" "00 00 00 00"
seed set-address "$IDLE $SETA" "00 00 00 01 08 00 00 00"
seed erase "$IDLE $SETA" "00 00 00 02 08 00 00 00 00"
seed mass-erase "$IDLE $OUT $(st 0 100 4) $(st 0 0 5)" "00 00 00 03"
seed read-unprotect "$IDLE $OUT fe" "00 00 00 04"
seed download "$IDLE $SETA $OUT $(st 0 0 4) $(st 0 0 5)" "00 00 10 05 08 00 00 00 01"
seed download-2 "$IDLE $SETA $OUT $(st 0 0 4) $(st 0 0 5) $OUT $(st 0 0 4) $(st 0 0 5)" \
	"00 00 08 05 08 00 00 00 01"
seed upload "$IDLE $SETA $OUT 09 00 11 22 33 44 55 66 77 88" "00 00 10 06 08 00 00 00 01"
seed upload-short "$IDLE $SETA $OUT 04 00 11 22 33" "00 00 10 06 08 00 00 00 01"
seed option-bytes "$IDLE $SETA $OUT fe" "00 00 00 07 10"
seed leave "$IDLE $SETA $OUT $(st 0 0 7)" "00 00 00 08 08 00 00 00"
seed error-retry "$IDLE $SETA $OUT $(st 6 0 10) $(st 6 0 10) $OUT $(st 0 0 2) $SETA $OUT $(st 0 0 4) $(st 0 0 5)" \
	"00 00 10 05 08 00 00 00 01"

# ---- USB descriptors (fuzz_usb_desc) -----------------------------------
# Two bytes (bit 0: the string read failed; the rest: buffer size - 1),
# then bytes that are both descriptor bytes and a string's text.
dir=$here/corpus/usb_desc
mkdir -p "$dir"
raw() { # raw NAME HEX: as is, no control bytes
	printf '%s' "$2" | xxd -r -p >"$dir/$1"
}
txt() { printf '%s' "$1" | xxd -p | tr -d '\n'; }
# The STM32 ROMs' functional descriptor: can download, upload, will
# detach; detach 255 ms, wTransferSize 2048, DfuSe 1.1a.
raw func-st "fe01 0921 0bff 0000 081a 01"
# After an interface and an endpoint descriptor (the configuration's
# extra bytes on some devices), and the short DFU 1.0 form.
raw func-after "fe01 0904 0000 00fe 0102 00 0705 8102 4000 00 0921 0dff 0000 0410 01"
raw func-short "fe01 0721 03e8 0300 04"
raw func-zero-length "fe01 0000 0921 0bff 0000 081a 01"
raw layout "fe01 $(txt '@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg')"
raw serial "7e00 $(txt '207535673430')"
raw escape "fe01 $(txt 'DFU in FS Mode')1b5b324a07$(txt 'x')"
raw short-buffer "0e01 $(txt '@Option Bytes  /0x1FFFC000/01*016 e')"
raw failed "ff01 $(txt 'STM32  BOOTLOADER')"

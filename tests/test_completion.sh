#!/bin/bash
# The bash completion of stmprog and stmprog-line (contrib/completion/)
# under bash-completion: each case sets COMP_WORDS as bash splits the
# line (at COMP_WORDBREAKS, '=' and ':' among them), calls the completion
# function and compares COMPREPLY with the words bash would put on the
# line.  Ports come from a /sys and /dev of the test's own, files from a
# directory of its own.  Every option `stmprog -h` shows must complete.
set -u

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"

bc_dir=$(pkg-config --variable=datadir bash-completion 2>/dev/null)
bc=${bc_dir:-/usr/share}/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "SKIP: no $bc (Debian package bash-completion)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# bash-completion expects an interactive shell's settings; it reads
# nothing from the terminal.
# shellcheck disable=SC1090
. "$bc"
. "$top_srcdir/contrib/completion/stmprog"
. "$top_srcdir/contrib/completion/stmprog-line"

# complete LINE: COMPREPLY for the cursor at the end of LINE, sorted, on
# one line in $got (in this shell, so a failure here counts).  The words are split as bash does: at blanks, and every run of
# '=' or ':' is a word of its own.
complete_line() {
	local line=$1 w c tok i
	local -a blank_words=()

	read -ra blank_words <<<"$line"
	[[ $line == *" " ]] && blank_words+=("")
	COMP_WORDS=()
	for w in "${blank_words[@]}"; do
		tok=
		local last_break=0
		if [[ -z $w ]]; then
			COMP_WORDS+=("")
			continue
		fi
		for ((i = 0; i < ${#w}; i++)); do
			c=${w:i:1}
			if [[ $c == = || $c == : ]]; then
				if ((last_break)); then
					tok+=$c
				else
					[[ -n $tok ]] && COMP_WORDS+=("$tok")
					tok=$c
				fi
				last_break=1
			else
				if ((last_break)); then
					COMP_WORDS+=("$tok")
					tok=
				fi
				tok+=$c
				last_break=0
			fi
		done
		COMP_WORDS+=("$tok")
	done
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	case ${COMP_WORDS[0]} in
	stmprog) _stmprog 2>"$tmp/err" ;;
	stmprog-line) _stmprog_line 2>"$tmp/err" ;;
	esac
	if [ -s "$tmp/err" ]; then
		echo "FAIL: '$line': the completion wrote to stderr:" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
	fi
	got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
	got=${got% }
}

# expect LINE WORDS: the completion of LINE is exactly WORDS (sorted,
# space-separated).
expect() {
	complete_line "$1"
	if [ "$got" != "$2" ]; then
		echo "FAIL: '$1'"
		echo "   expected: [$2]"
		echo "   got:      [$got]"
		fails=$((fails + 1))
	else
		echo "ok: '$1' -> [$got]"
	fi
}

# The machine's ports, as the completion looks for them.
mkdir -p "$tmp/dev/serial/by-id" "$tmp/sys/bus/usb/devices" "$tmp/sys/class/net"
: >"$tmp/dev/ttyUSB0"
: >"$tmp/dev/ttyACM1"
: >"$tmp/dev/ttyS0"
for d in 1-1:0483:df11 1-2:0483:df11 1-3:0483:3748 2-1:0403:6015; do
	mkdir -p "$tmp/sys/bus/usb/devices/${d%%:*}"
	v=${d#*:}
	echo "${v%%:*}" >"$tmp/sys/bus/usb/devices/${d%%:*}/idVendor"
	echo "${v#*:}" >"$tmp/sys/bus/usb/devices/${d%%:*}/idProduct"
done
for n in can0:280 vcan1:280 eth0:1 lo:772; do
	mkdir -p "$tmp/sys/class/net/${n%%:*}"
	echo "${n#*:}" >"$tmp/sys/class/net/${n%%:*}/type"
done
_stmprog_sys=$tmp/sys
_stmprog_dev=$tmp/dev
d=$tmp/dev

# -l kinds; the keys of -c; values of a key.
expect "stmprog -l " "can uart usb"
expect "stmprog -c p" "path= port="
expect "stmprog -c port=usb1 P=" "EVEN NONE ODD"
expect "stmprog -c port=usb1 fc=H" "Hardware"
# Ports: two DFU devices (the ST-LINK and the FTDI chip are not), the
# serial ports of /dev (ttyS0 is not one stmprog lists), the CAN
# interfaces by their sysfs type (not eth0, not lo).  bash keeps what is
# before the last '=' or ':', so the words are what follows it.
expect "stmprog -c port=" "$d/ttyACM1 $d/ttyUSB0 can0 slcan:$d/ttyACM1 slcan:$d/ttyUSB0 usb1 usb2 vcan1"
expect "stmprog -c port=$d/tty" "$d/ttyACM1 $d/ttyUSB0"
expect "stmprog -c port=slcan:$d/ttyA" "$d/ttyACM1"
expect "stmprog --connect port=v" "vcan1"
# No DFU device on the bus: usb1 still (the first one, when plugged).
mkdir -p "$tmp/nosys"
_stmprog_sys=$tmp/nosys
expect "stmprog -c port=u" "usb1"
_stmprog_sys=$tmp/sys

# Files by extension after -d/-w (and - for standard input); anything
# after -u's address and size; nothing where an address goes.
mkdir -p "$tmp/files/sub"
for f in fw.hex fw.bin fw.srec fw.s19 fw.elf fw.dfu notes.txt FW2.HEX; do
	: >"$tmp/files/$f"
done
cd "$tmp/files" || exit 1
expect "stmprog -c port=usb1 -d " "- FW2.HEX fw.bin fw.dfu fw.elf fw.hex fw.s19 fw.srec sub"
expect "stmprog -w fw.s" "fw.s19 fw.srec"
expect "stmprog -d fw.hex " ""
expect "stmprog -u 0x08000000 0x100 n" "notes.txt"
expect "stmprog -u 0x08000000 " ""
expect "stmprog --confirm-irreversible rdp2,o" "rdp2,otp"
expect "stmprog -vb " "1 2 3"
expect "stmprog -ob d" "displ"
expect "stmprog -ob n" "notes.txt"
cd - >/dev/null || exit 1

# stmprog-line: commands, then YAML files.
expect "stmprog-line r" "report reservations resolve run"
expect "stmprog-line report st.yaml --l" "--latest"
expect "stmprog-line resolve st.yaml 1 7 v" "void"

# Every option stmprog -h shows completes after "-".
stmprog=$top_builddir/frontends/stmprog
if [ -x "$stmprog" ]; then
	complete_line "stmprog -"
	all=" $got "
	missing=
	n=0
	while read -r opt; do
		n=$((n + 1))
		[[ $all == *" $opt "* ]] || missing="$missing $opt"
	done < <("$stmprog" -h | awk '/^  -/ {
		for (i = 1; i <= NF; i++) {
			w = $i; sub(/,$/, "", w)
			if (w !~ /^-/) break
			print w
		}
	}')
	if [ -n "$missing" ] || [ "$n" -lt 20 ]; then
		echo "FAIL: options of stmprog -h ($n read) the completion lacks:$missing"
		fails=$((fails + 1))
	else
		echo "ok: all $n options of stmprog -h complete"
	fi
else
	echo "FAIL: no $stmprog to read -h from"
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] || { echo "$fails case(s) failed"; exit 1; }

/* stmprog-sim's slcan transport on its own: a scripted host on the pty
 * speaks Lawicel ASCII byte by byte to the simulated adapter, and the
 * chip's CAN bootloader (AN3154 on an F4, AN5405 on a G4 and an H7)
 * answers through it.  Flash files and the trace are checked. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "test_helpers.h"
#include "test_sim_util.h"

/* A failed assertion skips ts_finish(): let every simulator this test
 * started end anyway before the directory goes. */
static void finish_all(void)
{
	char path[4200];

	for (int i = 1; i <= 8; i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/done%d", th_dir, i);
		if ((f = fopen(path, "w")))
			fclose(f);
	}
	usleep(200000);
	th_dir_teardown();
}

TestSuite(sim_slcan, .init = th_dir_setup, .fini = finish_all,
          .timeout = 60);

#define F4_FLASH (1024u * 1024u)
#define G4_FLASH (128u * 1024u)

static char flash_path[4200], trace_path[4200];

/* Starts the simulator with --transport slcan and opens the bare tty
 * ({port} is "slcan:/dev/pts/N"). */
static void start(ts_sim *s, const char *chip, const char *extra)
{
	char opts[9000];
	static int n;

	n++;
	snprintf(flash_path, sizeof(flash_path), "%s/flash%d.bin", th_dir, n);
	snprintf(trace_path, sizeof(trace_path), "%s/trace%d.log", th_dir, n);
	snprintf(opts, sizeof(opts), "--chip %s --transport slcan --flash %s "
	         "--trace %s %s", chip, flash_path, trace_path, extra ? extra : "");
	ts_start(s, opts);
	cr_assert_eq(strncmp(s->port, "slcan:/dev/", 11), 0, "port %s", s->port);
	memmove(s->port, s->port + 6, strlen(s->port + 6) + 1);
	ts_open(s, false);
}

/* Reads until `lines` line ends (CR or BELL) came, or 2 s passed. */
static const char *more(ts_sim *s, int lines)
{
	static char buf[8192];
	size_t n = 0;

	while (lines > 0 && n + 1 < sizeof(buf)) {
		int c = ts_byte(s, 2000);
		if (c < 0)
			break;
		buf[n++] = (char)c;
		if (c == '\r' || c == '\a')
			lines--;
	}
	buf[n] = '\0';
	return buf;
}

/* Sends line + CR; returns the next `lines` lines that come back. */
static const char *xfer(ts_sim *s, const char *line, int lines)
{
	ts_send(s, (const uint8_t *)line, strlen(line));
	ts_send1(s, '\r');
	return more(s, lines);
}

#define EXPECT(s, line, lines, want) do { \
	const char *got_ = xfer((s), (line), (lines)); \
	cr_assert_str_eq(got_, (want), "%s: got \"%s\"", (line), got_); \
} while (0)

static void no_reply(ts_sim *s)
{
	cr_assert(ts_silent(s, 300), "unexpected bytes from the adapter");
}

static bool trace_has(const char *line)
{
	const char *t = ts_text(trace_path);
	size_t n = strlen(line);

	for (const char *p = t; (p = strstr(p, line)); p++)
		if ((p == t || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define TRACE_HAS(line) cr_assert(trace_has(line), "trace lacks \"%s\":\n%s", \
                                  (line), ts_text(trace_path))

static void open_at(ts_sim *s, const char *rate)
{
	EXPECT(s, "C", 1, "\r");
	EXPECT(s, rate, 1, "\r");
	EXPECT(s, "O", 1, "\r");
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
	out[2 * n] = '\0';
}

/* ---- the adapter ---- */

Test(sim_slcan, adapter_commands)
{
	ts_sim s;

	start(&s, "0x413", NULL);
	EXPECT(&s, "V", 1, "V1013\r");
	EXPECT(&s, "N", 1, "NSIM1\r");
	EXPECT(&s, "F", 1, "F00\r");
	/* Closed: frames and O without a rate are refused. */
	EXPECT(&s, "t0790", 1, "\a");
	EXPECT(&s, "O", 1, "\a");
	EXPECT(&s, "S9", 1, "\a");
	EXPECT(&s, "Y3", 1, "\a");
	EXPECT(&s, "s031C", 1, "\a");
	EXPECT(&s, "Q", 1, "\a");
	/* slcand -o -c -s4 sends exactly these. */
	EXPECT(&s, "C", 1, "\r");
	EXPECT(&s, "S4", 1, "\r");
	EXPECT(&s, "O", 1, "\r");
	EXPECT(&s, "O", 1, "\a");
	EXPECT(&s, "S6", 1, "\a");
	EXPECT(&s, "Z0", 1, "\r");
	EXPECT(&s, "M00000000", 1, "\r");
	EXPECT(&s, "mFFFFFFFF", 1, "\r");
	/* Malformed frames. */
	EXPECT(&s, "t0791", 1, "\a");
	EXPECT(&s, "t8000", 1, "\a");
	EXPECT(&s, "t0799000000000000000000", 1, "\a");
	EXPECT(&s, "t07G0", 1, "\a");
	/* Not for the bootloader: another node's frames get their "z" and
	 * nothing else.  Lower-case hex is accepted. */
	EXPECT(&s, "t7ff0", 1, "z\r");
	EXPECT(&s, "T123456780", 1, "Z\r");
	EXPECT(&s, "r0790", 1, "z\r");
	no_reply(&s);
	/* An FD frame without a data rate set. */
	EXPECT(&s, "b0790", 1, "\a");
	/* A bare CR flushes and gets nothing; CR LF is taken as CR. */
	ts_send1(&s, '\r');
	no_reply(&s);
	ts_send(&s, (const uint8_t *)"V\r\n", 3);
	cr_assert_str_eq(more(&s, 1), "V1013\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("ADAPTER C");
	TRACE_HAS("ADAPTER S4");
	TRACE_HAS("ADAPTER O 125");
	TRACE_HAS("IGNORED 0x7FF: not synchronised yet");
	TRACE_HAS("IGNORED 0x12345678: extended ID");
	TRACE_HAS("IGNORED 0x079: remote frame");
}

/* ---- AN3154 on an F4 ---- */

Test(sim_slcan, an3154_f4_session)
{
	ts_sim s;
	static uint8_t flash[F4_FLASH];
	uint8_t img[24];
	char line[64], want[256], h[64];
	const char *got;

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(0x30 + i * 3);
	/* A plausible vector: SP in SRAM, PC odd in flash. */
	memcpy(img, (const uint8_t[]){0x00, 0x10, 0x00, 0x20, 0x01, 0x01, 0x00, 0x08}, 8);

	start(&s, "STM32F405", NULL);
	open_at(&s, "S4");
	/* Commands before sync are ignored. */
	EXPECT(&s, "t0020", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	/* A second sync is NACKed (the contract allows either answer). */
	EXPECT(&s, "t0790", 2, "z\rt07911F\r");
	EXPECT(&s, "t0000", 17,
	       "z\rt000179\rt00010C\rt000120\rt000100\rt000101\rt000102\r"
	       "t000103\rt000111\rt000121\rt000131\rt000143\rt000163\r"
	       "t000173\rt000182\rt000192\rt000179\r");
	EXPECT(&s, "t0010", 5, "z\rt001179\rt001120\rt00120000\rt001179\r");
	EXPECT(&s, "t0020", 4, "z\rt002179\rt00220413\rt002179\r");
	/* Not a command of AN3154: NACK on its ID. */
	EXPECT(&s, "t0440", 2, "z\rt04411F\r");

	/* ERASE sectors 0 and 1: ACK, then ACK when done. */
	EXPECT(&s, "t04320001", 3, "z\rt043179\rt043179\r");
	/* WRITE 24 bytes: header ACK, an ACK per data frame, final ACK. */
	EXPECT(&s, "t03150800000017", 2, "z\rt031179\r");
	hex(h, img, 8);
	snprintf(line, sizeof(line), "t0048%s", h);
	EXPECT(&s, line, 2, "z\rt031179\r");
	hex(h, img + 8, 8);
	snprintf(line, sizeof(line), "t0048%s", h);
	EXPECT(&s, line, 2, "z\rt031179\r");
	hex(h, img + 16, 8);
	snprintf(line, sizeof(line), "t0048%s", h);
	EXPECT(&s, line, 3, "z\rt031179\rt031179\r");
	/* READ it back: 8-byte frames on 0x11. */
	got = xfer(&s, "t01150800000017", 6);
	snprintf(want, sizeof(want), "z\rt011179\rt0118");
	hex(want + strlen(want), img, 8);
	strcat(want, "\rt0118");
	hex(want + strlen(want), img + 8, 8);
	strcat(want, "\rt0118");
	hex(want + strlen(want), img + 16, 8);
	strcat(want, "\rt011179\r");
	cr_assert_str_eq(got, want);
	/* An unaligned WRITE, an unreadable READ, a bad sector. */
	EXPECT(&s, "t03150800000203", 2, "z\rt03111F\r");
	EXPECT(&s, "t01154000000000", 2, "z\rt01111F\r");
	EXPECT(&s, "t04310C", 3, "z\rt043179\rt04311F\r");
	/* Sector 5 gets a word, then a mass erase clears it. */
	EXPECT(&s, "t03150802000003", 2, "z\rt031179\r");
	EXPECT(&s, "t00441122334", 1, "\a");
	EXPECT(&s, "t004411223344", 3, "z\rt031179\rt031179\r");
	EXPECT(&s, "t0431FF", 3, "z\rt043179\rt043179\r");
	/* The vector again, then GO: the application runs. */
	EXPECT(&s, "t03150800000007", 2, "z\rt031179\r");
	hex(h, img, 8);
	snprintf(line, sizeof(line), "t0048%s", h);
	EXPECT(&s, line, 3, "z\rt031179\rt031179\r");
	EXPECT(&s, "t021408000000", 2, "z\rt021179\r");
	/* Gone. */
	EXPECT(&s, "t0020", 1, "z\r");
	no_reply(&s);
	cr_assert_eq(ts_finish(&s), 0);

	cr_assert_eq(ts_read_file(flash_path, flash, sizeof(flash)), F4_FLASH);
	cr_assert_eq(memcmp(flash, img, 8), 0);
	for (unsigned i = 8; i < F4_FLASH; i++)
		cr_assert_eq(flash[i], 0xFF, "flash[%u] = 0x%02X", i, flash[i]);
	snprintf(want, sizeof(want), "%s.state", flash_path);
	cr_assert(strstr(ts_text(want), "go=0x08000000\napp=running"), "%s",
	          ts_text(want));
	cr_assert_str_eq(ts_text(trace_path),
	                 "ADAPTER C\nADAPTER S4\nADAPTER O 125\n"
	                 "IGNORED 0x002: not synchronised yet\n"
	                 "SYNC\nNACK SYNC: already synchronised\n"
	                 "GET\nGETVERSION\nGETID\n"
	                 "NACK 0x44: not a command of this bootloader\n"
	                 "ERASE 0,1\n"
	                 "WRITE 0x08000000 24\nREAD 0x08000000 24\n"
	                 "NACK WRITE 0x08000002 4: not word-aligned\n"
	                 "NACK READ 0x40000000 1: not readable\n"
	                 "NACK ERASE 12: no such unit\n"
	                 "ADAPTER BELL t00441122334: data length does not match the DLC\n"
	                 "WRITE 0x08020000 4\nERASE MASS\n"
	                 "WRITE 0x08000000 8\nGO 0x08000000\n");
}

Test(sim_slcan, speed_500_then_traffic_at_the_new_rate)
{
	ts_sim s;

	start(&s, "0x413", NULL);
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	EXPECT(&s, "t003105", 2, "z\rt00311F\r");
	/* SPEED 3 = 500 kbit/s: the first ACK at 125... */
	EXPECT(&s, "t003103", 2, "z\rt003179\r");
	/* ...the second only once the adapter is at 500; a frame sent at
	 * 125 meanwhile is lost. */
	EXPECT(&s, "t0020", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "C", 1, "\r");
	EXPECT(&s, "S6", 1, "\r");
	EXPECT(&s, "O", 2, "\rt003179\r");
	EXPECT(&s, "t0020", 4, "z\rt002179\rt00220413\rt002179\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("SPEED 500");
	TRACE_HAS("LOST rx 0x002: the adapter is at 125 kbit/s, the bootloader at 500");
	TRACE_HAS("ADAPTER S6");
	TRACE_HAS("ADAPTER O 500");
}

Test(sim_slcan, readout_protect_resets_and_needs_a_new_sync)
{
	ts_sim s;
	char path[4300];
	static uint8_t flash[F4_FLASH];

	start(&s, "0x413", NULL);
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	EXPECT(&s, "t03150800000003", 2, "z\rt031179\r");
	EXPECT(&s, "t004412345678", 3, "z\rt031179\rt031179\r");
	/* At 500 kbit/s when it resets: the bootloader comes back at 125. */
	EXPECT(&s, "t003103", 2, "z\rt003179\r");
	open_at(&s, "S6");
	cr_assert_str_eq(more(&s, 1), "t003179\r");
	EXPECT(&s, "t0820", 3, "z\rt082179\rt082179\r");
	/* After the reset: nothing until a new sync, at 125 kbit/s. */
	EXPECT(&s, "t0790", 1, "z\r");
	no_reply(&s);
	open_at(&s, "S4");
	EXPECT(&s, "t0020", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	/* Protected: READ NACKed, GET ID still answers. */
	EXPECT(&s, "t01150800000003", 2, "z\rt01111F\r");
	EXPECT(&s, "t0020", 4, "z\rt002179\rt00220413\rt002179\r");
	/* READOUT UNPROTECT: mass erase, reset, re-sync. */
	EXPECT(&s, "t0920", 3, "z\rt092179\rt092179\r");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	EXPECT(&s, "t01150800000003", 3, "z\rt011179\rt0114FFFFFFFF\r");
	cr_assert_str_eq(more(&s, 1), "t011179\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("RDP");
	TRACE_HAS("RESET RDP");
	TRACE_HAS("NACK READ: readout protection");
	TRACE_HAS("RDU");
	TRACE_HAS("RESET RDU");
	cr_assert_eq(ts_read_file(flash_path, flash, sizeof(flash)), F4_FLASH);
	cr_assert_eq(flash[0], 0xFF);
	snprintf(path, sizeof(path), "%s.state", flash_path);
	cr_assert(strstr(ts_text(path), "rdp=0\n"), "%s", ts_text(path));
}

Test(sim_slcan, write_protect_and_fd_frames_at_a_classic_chip)
{
	ts_sim s;

	start(&s, "0x413", NULL);
	EXPECT(&s, "C", 1, "\r");
	EXPECT(&s, "S4", 1, "\r");
	EXPECT(&s, "Y2", 1, "\r");
	EXPECT(&s, "O", 1, "\r");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	/* bxCAN takes no FD frames. */
	EXPECT(&s, "b0020", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "t063102", 3, "z\rt063179\rt063179\r");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	EXPECT(&s, "t043102", 3, "z\rt043179\rt04311F\r");
	EXPECT(&s, "t0730", 3, "z\rt073179\rt073179\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("ADAPTER O 125/2000");
	TRACE_HAS("IGNORED 0x002: FD frame (the bxCAN bootloader takes classic only)");
	TRACE_HAS("WP 2");
	TRACE_HAS("RESET WP");
	TRACE_HAS("NACK ERASE 2: write-protected");
	TRACE_HAS("WUNP");
}

/* ---- AN5405 ---- */

Test(sim_slcan, an5405_g4_session)
{
	ts_sim s;
	static uint8_t flash[G4_FLASH];
	uint8_t img[100];
	char line[300], want[600];
	const char *got;

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 5 + 1);
	start(&s, "0x468", NULL);
	EXPECT(&s, "C", 1, "\r");
	EXPECT(&s, "S6", 1, "\r");
	EXPECT(&s, "Y2", 1, "\r");
	EXPECT(&s, "O", 1, "\r");
	/* Classic frames are not for an FDCAN bootloader. */
	EXPECT(&s, "t11115A", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "b111", 1, "\a");
	EXPECT(&s, "b11115A", 2, "z\rb111179\r");
	/* Started again: ACKed again. */
	EXPECT(&s, "b11115A", 2, "z\rb111179\r");
	EXPECT(&s, "b0000", 16,
	       "z\rb000179\rb00010B\rb000110\rb000100\rb000101\rb000102\r"
	       "b000111\rb000121\rb000131\rb000144\rb000163\rb000173\r"
	       "b000182\rb000192\rb000179\r");
	EXPECT(&s, "b0020", 4, "z\rb002179\rb00220468\rb002179\r");
	/* No SPEED on FDCAN. */
	EXPECT(&s, "b003103", 2, "z\rb00311F\r");
	/* ERASE pages 0 and 1: count, ACK, list frame, ACK. */
	EXPECT(&s, "b04420002", 2, "z\rb044179\r");
	EXPECT(&s, "b044400000001", 2, "z\rb044179\r");
	/* WRITE 100 bytes: 64 + 36 (sent as 48 with 0xFF padding), one ACK. */
	EXPECT(&s, "b03150800000063", 2, "z\rb031179\r");
	strcpy(line, "b031F");
	hex(line + 5, img, 64);
	EXPECT(&s, line, 1, "z\r");
	no_reply(&s);
	strcpy(line, "b031E");
	hex(line + 5, img + 64, 36);
	strcat(line, "FFFFFFFFFFFFFFFFFFFFFFFF");
	EXPECT(&s, line, 2, "z\rb031179\r");
	/* READ 100: 64 bytes, then 36 padded to 48.  The last 4 bytes were
	 * half an 8-byte program unit: left erased. */
	got = xfer(&s, "b01150800000063", 5);
	strcpy(want, "z\rb011179\rb011F");
	hex(want + strlen(want), img, 64);
	strcat(want, "\rb011E");
	hex(want + strlen(want), img + 64, 32);
	strcat(want, "FFFFFFFF" "FFFFFFFFFFFFFFFFFFFFFFFF\rb011179\r");
	cr_assert_str_eq(got, want);
	/* Too many pages in one command, and an unknown page. */
	EXPECT(&s, "b04420021", 2, "z\rb04411F\r");
	EXPECT(&s, "b04420001", 2, "z\rb044179\r");
	EXPECT(&s, "b04420100", 2, "z\rb04411F\r");
	/* Bank 2 on a single-bank part, then a mass erase. */
	EXPECT(&s, "b0442FFFD", 3, "z\rb044179\rb04411F\r");
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert_eq(ts_read_file(flash_path, flash, sizeof(flash)), G4_FLASH);
	cr_assert_eq(memcmp(flash, img, 96), 0);
	for (unsigned i = 96; i < G4_FLASH; i++)
		cr_assert_eq(flash[i], 0xFF, "flash[%u]", i);
	TRACE_HAS("IGNORED 0x111: classic frame (the FDCAN bootloader takes FD only)");
	TRACE_HAS("START");
	TRACE_HAS("ERASE 0,1");
	TRACE_HAS("WRITE 0x08000000 100");
	TRACE_HAS("READ 0x08000000 100");
	TRACE_HAS("NACK 0x03: not a command of this bootloader");
	TRACE_HAS("NACK ERASE 0x0021: 1 to 32 pages per command");
	TRACE_HAS("NACK ERASE BANK 2: not supported by this chip");
	TRACE_HAS("ADAPTER O 500/2000");
}

Test(sim_slcan, an5405_g4_mass_erase_and_rates)
{
	ts_sim s;

	start(&s, "0x469", "--can-bitrate 250 --can-data-bitrate 1000");
	/* The adapter at the default 500/2000: nothing heard. */
	EXPECT(&s, "S6", 1, "\r");
	EXPECT(&s, "Y2", 1, "\r");
	EXPECT(&s, "O", 1, "\r");
	EXPECT(&s, "b11115A", 1, "z\r");
	no_reply(&s);
	/* Nominal right, data rate wrong: a BRS frame is lost, one without
	 * BRS is heard, and the answer (with BRS) waits for the adapter. */
	open_at(&s, "S5");
	EXPECT(&s, "b11115A", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "d11115A", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "C", 1, "\r");
	EXPECT(&s, "Y1", 1, "\r");
	EXPECT(&s, "O", 2, "\rb111179\r");
	EXPECT(&s, "b0442FFFF", 3, "z\rb044179\rb044179\r");
	EXPECT(&s, "b0442FFFE", 3, "z\rb044179\rb044179\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("ERASE MASS");
	TRACE_HAS("ERASE BANK 1");
	TRACE_HAS("HELD 0x111: the adapter is at other rates");
}

Test(sim_slcan, an5405_h7_quirks)
{
	ts_sim s;
	char path[4300];

	/* Readout-protected from the start. */
	snprintf(path, sizeof(path), "%s/flash1.bin.state", th_dir);
	ts_write_file(path, "rdp=1\n", 6);
	start(&s, "0x450", NULL);
	cr_assert_str_eq(flash_path + strlen(flash_path) - 10, "flash1.bin");
	EXPECT(&s, "S6", 1, "\r");
	EXPECT(&s, "Y2", 1, "\r");
	EXPECT(&s, "O", 1, "\r");
	EXPECT(&s, "b11115A", 2, "z\rb111179\r");
	EXPECT(&s, "b0020", 4, "z\rb002179\rb00220450\rb002179\r");
	/* A protected READ: no answer at all. */
	EXPECT(&s, "b011508000000FF", 1, "z\r");
	no_reply(&s);
	/* NACKs on the host's transmit ID (base 0: the command's). */
	EXPECT(&s, "b0442FFFF", 2, "z\rb04411F\r");
	EXPECT(&s, "b0430", 2, "z\rb04311F\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("NACK READ: readout protection (no reply, as the H7 does)");
	TRACE_HAS("NACK ERASE: readout protection");
}

/* ---- faults, disconnect, timing, options ---- */

static void faulty_session(const char *seed, char *trace, size_t len)
{
	ts_sim s;
	char opts[200];

	snprintf(opts, sizeof(opts), "--faults lost=0.3,errframe=0.1 --seed %s",
	         seed);
	start(&s, "0x413", opts);
	open_at(&s, "S4");
	/* The same frames whatever comes back. */
	for (int i = 0; i < 20; i++) {
		xfer(&s, "t0790", 1);
		ts_silent(&s, 30);
		xfer(&s, "t0020", 1);
		ts_silent(&s, 30);
	}
	cr_assert_eq(ts_finish(&s), 0);
	snprintf(trace, len, "%s", ts_text(trace_path));
}

Test(sim_slcan, faults_are_reproducible)
{
	static char a[1 << 16], b[1 << 16], c[1 << 16];

	faulty_session("7", a, sizeof(a));
	faulty_session("7", b, sizeof(b));
	faulty_session("8", c, sizeof(c));
	cr_assert(strstr(a, "FAULT lost "), "%s", a);
	cr_assert(strstr(a, "FAULT errframe "), "%s", a);
	cr_assert_str_eq(a, b);
	cr_assert_str_neq(a, c);
	cr_assert(strstr(ts_text(th_dir_path("stderr.txt")), "frames lost"));
}

Test(sim_slcan, errframe_sets_the_bus_error_flag)
{
	ts_sim s;

	start(&s, "0x413", "--faults errframe=1");
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 1, "z\r");
	no_reply(&s);
	EXPECT(&s, "F", 1, "F80\r");
	EXPECT(&s, "F", 1, "F00\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("FAULT errframe rx 0x079");
}

/* hold=1:MS: every frame to the host is late by MS, and the frames
 * behind it wait; the adapter's own answers are not held. */
Test(sim_slcan, held_frames_come_late_but_come)
{
	ts_sim s;

	start(&s, "0x413", "--faults hold=1:1500");
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 1, "z\r");
	/* Far shorter than the hold: a loaded machine cannot make it come
	 * early. */
	cr_assert(ts_silent(&s, 100), "the held frame came at once");
	cr_assert_str_eq(more(&s, 1), "t079179\r");
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("FAULT hold tx 0x079 1500 ms");
	cr_assert(strstr(ts_text(th_dir_path("stderr.txt")), "1 held"));
}

Test(sim_slcan, disconnect_hangs_up_the_port)
{
	ts_sim s;
	uint8_t b[64];

	start(&s, "0x413", "--faults disconnect=3");
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	/* Frame 3 goes out; its answer would be the 4th. */
	EXPECT(&s, "t0020", 1, "z\r");
	/* The pty hangs up: reads end. */
	cr_assert_eq(ts_recv(&s, b, sizeof(b), 500), 0);
	cr_assert_eq(ts_finish(&s), 0);
	TRACE_HAS("FAULT disconnect 3");
	cr_assert(strstr(ts_text(th_dir_path("stderr.txt")), "adapter vanished"));
}

/* Real timing still delivers every frame of a READ, in order.  How long
 * the bus takes is not asserted: a test that reads a clock fails on a
 * loaded machine (bench/can-write.sh measures it). */
Test(sim_slcan, real_timing_paces_frames_at_the_bit_rate)
{
	if (getenv("STMPROG_TEST_QUICK")) /* a paced session: the ASan pass runs it */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	ts_sim s;
	const char *got;

	start(&s, "0x413", "--timing real");
	open_at(&s, "S4");
	EXPECT(&s, "t0790", 2, "z\rt079179\r");
	/* READ 256 bytes: ACK, 32 data frames of 8 bytes, ACK. */
	got = xfer(&s, "t011508000000FF", 35);
	cr_assert_eq(strlen(got), 2 + 8 + 32 * 22 + 8, "%s", got);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim_slcan, command_line)
{
	char cmd[4400], out[8192];

	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --transport slcan -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "no CAN bootloader"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport slcan "
	         "--faults ber=0.1 -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "ber is a uart fault; slcan knows lost, errframe, "
	                 "hold, disconnect and cut"), "%s", out);
	/* cut=N counts WRITE data frames: 0 would cut before any WRITE. */
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport slcan "
	         "--faults cut=0 -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "'cut=0': a count (1 or more) of WRITE data "
	                 "frames"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --faults cut=3 -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "cut is a slcan fault"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --faults lost=0.1 -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "lost is a slcan fault"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --can-bitrate 500 -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport slcan "
	         "--can-bitrate 300 -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport slcan "
	         "--can-data-bitrate 2000 -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "classic CAN"), "%s", out);
	/* {port}, STMPROG_SIM_PORT and STMPROG_SIM_TTY. */
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport slcan -- sh -c "
	         "'test \"$1\" = \"$STMPROG_SIM_PORT\" && "
	         "test \"$1\" = \"slcan:$STMPROG_SIM_TTY\" && "
	         "test -c \"$STMPROG_SIM_TTY\"' x {port}", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
}

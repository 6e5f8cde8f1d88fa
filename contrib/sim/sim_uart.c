/* stmprog-sim: AN3155 device side, byte by byte.
 *
 * The protocol is a state machine fed one received byte at a time: each
 * stage knows how many bytes it needs, and acts when it has them.  It
 * never waits: time the chip spends (erasing, programming) is handed to
 * the link, which holds the next reply back by that much.  Every command
 * ends in exactly one trace line: the command as executed, or a NACK with
 * its reason (docs/simulator.md has the format). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "stmprog/plan.h"

#ifdef HAVE_UMOCKDEV
#include "sim_ftdi.h"
#endif
#include "sim_link.h"
#include "sim_pins.h"
#include "sim_time.h"
#include "sim_ttywatch.h"
#include "sim_uart.h"

#define ACK 0x79
#define NACK 0x1F
#define SYNC 0x7F

enum {
	CMD_GET = 0x00, CMD_GVR = 0x01, CMD_GID = 0x02, CMD_READ = 0x11,
	CMD_GO = 0x21, CMD_WRITE = 0x31, CMD_ERASE = 0x43, CMD_EERASE = 0x44,
	CMD_WP = 0x63, CMD_UW = 0x73, CMD_RP = 0x82, CMD_UR = 0x92,
	CMD_CRC = 0xA1
};

typedef enum stage {
	S_NOSYNC = 0,   /* after reset: only 0x7F means anything */
	S_CMD,          /* code + complement */
	S_READ_ADDR, S_READ_LEN,
	S_GO_ADDR,
	S_WRITE_ADDR, S_WRITE_N, S_WRITE_DATA,
	S_ER_N, S_ER_GLOBAL, S_ER_LIST,
	S_EE_N, S_EE_SPECIAL, S_EE_LIST,
	S_WP_N, S_WP_LIST,
	S_CRC_ADDR, S_CRC_LEN,
	S_SILENT,       /* the bootloader is gone */
	S_HELD          /* NRST is low (--wire): the chip is in reset */
} stage;

/* The longest input a stage waits for: an extended erase of 0xFFF0
 * two-byte page numbers and its checksum. */
#define BUF_MAX (2u * 0xFFF0u + 1u)

struct sim_transport {
	const sim_config *cfg;
	sim_link *link;
	sim_chip *chip;
	sim_faults *faults;
	sim_trace *trace;
	stage st;
	size_t need, have;
	uint8_t *buf;
	uint32_t addr;          /* of the command under way */
	unsigned n;             /* its N (count - 1), or the 16-bit N */
	uint8_t version;
	uint8_t cmds[16];
	size_t ncmds;
	char warned_mode[8];    /* the bad line mode already reported */
	unsigned warned_baud;
	unsigned warned_rate;   /* the rate above the ROM's limit reported */
	bool warned_unknown;    /* said that the host's parity is unknown */
	uint16_t *pages;        /* scratch for erase and protect lists */
	/* --wire: the host's lines on BOOT0 and NRST. */
	sim_pins pins;
	unsigned modem_changes; /* the tty watch's counter, as last seen */
	bool absent;            /* the board is out of the jig */
#ifdef HAVE_UMOCKDEV
	sim_ftdi *ftdi;         /* --wire with cbus pins: their adapter */
#endif
};

/* ---- small helpers ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint8_t xor_of(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	while (n--)
		x ^= *p++;
	return x;
}

static void send(sim_transport *u, const uint8_t *b, size_t n)
{
	sim_link_send(u->link, b, n);
}

static void send1(sim_transport *u, uint8_t b)
{
	send(u, &b, 1);
}

static void expect(sim_transport *u, stage st, size_t need)
{
	u->st = st;
	u->need = need;
	u->have = 0;
}

static void to_command_mode(sim_transport *u)
{
	expect(u, S_CMD, 2);
}

/* A NACK with its reason in the trace; back to waiting for a command. */
static void refuse(sim_transport *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void refuse(sim_transport *u, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sim_trace_line(u->trace, "NACK %s", why);
	send1(u, NACK);
	to_command_mode(u);
}

/* nack=P: this ACK becomes a NACK and the command is dropped. */
static bool nack_fault(sim_transport *u)
{
	if (!sim_faults_nack(u->faults))
		return false;
	sim_trace_line(u->trace, "FAULT nack");
	send1(u, NACK);
	to_command_mode(u);
	return true;
}

/* An ACK that moves the command on; false when a fault ate it. */
static bool ack(sim_transport *u)
{
	if (nack_fault(u))
		return false;
	send1(u, ACK);
	return true;
}

static void reset(sim_transport *u, const char *why, const char *what)
{
	sim_chip_reset(u->chip);
	sim_trace_line(u->trace, "RESET %s", why);
	sim_say("%s; the chip resets and its bootloader waits for 0x7F again",
	        what);
	expect(u, S_NOSYNC, 1);
}

static bool listed(const sim_transport *u, uint8_t code)
{
	return memchr(u->cmds, code, u->ncmds) != NULL;
}

/* ---- the line ---- */

/* A ROM's autobaud locks only up to a rate its clock can divide to within
 * its tolerance: above the chip database's limit it never answers the
 * 0x7F, as the chip on the bench would not (the limit is the database's,
 * stp_chip_uart_max_baud, so stmprog's warning and this agree).  rate 0:
 * unknown, taken as fine. */
static bool rate_ok(sim_transport *u, unsigned rate)
{
	bool confirmed = false;
	uint32_t max = stp_chip_uart_max_baud(u->chip->chip, &confirmed);

	if (!rate || rate <= max)
		return true;
	if (u->warned_rate != rate) {
		sim_say("the host port runs at %u baud, above %lu, the highest "
		        "rate the %s USART bootloader is known to accept (%s): its "
		        "auto-baud cannot lock and it never syncs",
		        rate, (unsigned long)max, u->chip->chip->family,
		        confirmed ? "confirmed" : "unconfirmed");
		sim_trace_line(u->trace, "NOSYNC baud %u above %lu", rate,
		               (unsigned long)max);
		u->warned_rate = rate;
	}
	return false;
}

/* What the host's termios means on a real wire: anything but 8 data
 * bits with even parity garbles every frame the chip sees. */
static bool line_ok(sim_transport *u)
{
	struct termios tio;
	char mode[8];
	tcflag_t cf;
	unsigned host;

	if (sim_link_host_termios(u->link, &tio) != 0)
		return false;
	if (!sim_link_parity_known(u->link) && !u->warned_unknown) {
		/* Without the watcher a pty shows 8N1 whatever the host
		 * asked for: do not hold that against it. */
		sim_say("cannot see the host's parity on a pty here (no seccomp "
		        "user notification); assuming the host set 8E1");
		u->warned_unknown = true;
	}
	if (!sim_link_parity_known(u->link))
		tio.c_cflag = (tio.c_cflag & ~(tcflag_t)(CSIZE | PARENB | PARODD)) |
		              CS8 | PARENB;
	cf = tio.c_cflag;
	snprintf(mode, sizeof(mode), "%c%c%c",
	         (cf & CSIZE) == CS5 ? '5' : (cf & CSIZE) == CS6 ? '6' :
	         (cf & CSIZE) == CS7 ? '7' : '8',
	         !(cf & PARENB) ? 'N' : (cf & PARODD) ? 'O' : 'E',
	         (cf & CSTOPB) ? '2' : '1');
	if ((cf & CSIZE) != CS8 || !(cf & PARENB) || (cf & PARODD)) {
		if (strcmp(mode, u->warned_mode)) {
			sim_say("the host port is %s but the bootloader needs 8E1: "
			        "it sees framing/parity errors and never syncs", mode);
			sim_trace_line(u->trace, "NOSYNC line %s", mode);
			snprintf(u->warned_mode, sizeof(u->warned_mode), "%s", mode);
		}
		return false;
	}
	host = sim_link_host_baud(u->link);
	if (u->cfg->baud && host &&
	    (uint64_t)(host > u->cfg->baud ? host - u->cfg->baud : u->cfg->baud - host) * 1000 >
	    (uint64_t)u->cfg->baud * 25) {
		if (u->warned_baud != host) {
			sim_say("the host port runs at %u baud, the chip at %u: more "
			        "than 2.5%% apart, the auto-baud fails and it never "
			        "syncs", host, u->cfg->baud);
			sim_trace_line(u->trace, "NOSYNC baud %u", host);
			u->warned_baud = host;
		}
		return false;
	}
	return rate_ok(u, host ? host : u->cfg->baud);
}

/* ---- commands ---- */

static void do_get(sim_transport *u)
{
	uint8_t head[2] = {(uint8_t)u->ncmds, u->version};

	if (!ack(u))
		return;
	sim_trace_line(u->trace, "GET");
	send(u, head, 2);
	send(u, u->cmds, u->ncmds);
	if (ack(u))
		to_command_mode(u);
}

static void do_get_version(sim_transport *u)
{
	uint8_t r[3] = {u->version, 0x00, 0x00};

	if (!ack(u))
		return;
	sim_trace_line(u->trace, "GETVERSION");
	send(u, r, 3);
	if (ack(u))
		to_command_mode(u);
}

static void do_get_id(sim_transport *u)
{
	uint16_t pid = u->chip->chip->pid;
	uint8_t r[3] = {0x01, (uint8_t)(pid >> 8), (uint8_t)pid};

	if (!ack(u))
		return;
	sim_trace_line(u->trace, "GETID");
	send(u, r, 3);
	if (ack(u))
		to_command_mode(u);
}

static void on_command(sim_transport *u)
{
	uint8_t code = u->buf[0];
	bool protected = u->chip->rdp != 0;
	static const struct {
		uint8_t code;
		const char *name;
	} rdp_blocks[] = {
		/* READ, WRITE to flash, ERASE, GO and GET CHECKSUM per AN3155;
		 * WRITE PROTECT, WRITE UNPROTECT and READOUT PROTECT too (the
		 * note's device-side flowcharts check "ROP active" first).
		 * WRITE is refused at its address, where flash is known. */
		{CMD_READ, "READ"}, {CMD_GO, "GO"}, {CMD_ERASE, "ERASE"},
		{CMD_EERASE, "ERASE"}, {CMD_CRC, "CRC"}, {CMD_WP, "WP"},
		{CMD_UW, "WUNP"}, {CMD_RP, "RDP"},
	};

	if ((uint8_t)(code ^ u->buf[1]) != 0xFF) {
		refuse(u, "0x%02X 0x%02X: bad complement", code, u->buf[1]);
		return;
	}
	if (!listed(u, code)) {
		refuse(u, "0x%02X: not a command of this bootloader", code);
		return;
	}
	for (size_t i = 0; protected && i < sizeof(rdp_blocks) / sizeof(rdp_blocks[0]); i++)
		if (rdp_blocks[i].code == code) {
			refuse(u, "%s: readout protection", rdp_blocks[i].name);
			return;
		}
	switch (code) {
	case CMD_GET:
		do_get(u);
		return;
	case CMD_GVR:
		do_get_version(u);
		return;
	case CMD_GID:
		do_get_id(u);
		return;
	case CMD_READ:
		if (ack(u))
			expect(u, S_READ_ADDR, 5);
		return;
	case CMD_GO:
		if (ack(u))
			expect(u, S_GO_ADDR, 5);
		return;
	case CMD_WRITE:
		if (ack(u))
			expect(u, S_WRITE_ADDR, 5);
		return;
	case CMD_ERASE:
		if (ack(u))
			expect(u, S_ER_N, 1);
		return;
	case CMD_EERASE:
		if (ack(u))
			expect(u, S_EE_N, 2);
		return;
	case CMD_WP:
		if (ack(u))
			expect(u, S_WP_N, 1);
		return;
	case CMD_UW:
		if (!ack(u) || nack_fault(u))
			return;
		sim_chip_write_unprotect(u->chip);
		sim_link_work(u->link, sim_chip_ob_program_ns(u->chip));
		sim_trace_line(u->trace, "WUNP");
		send1(u, ACK);
		reset(u, "WUNP", "write protection removed");
		return;
	case CMD_RP:
		if (!ack(u) || nack_fault(u))
			return;
		sim_chip_readout_protect(u->chip);
		sim_link_work(u->link, sim_chip_ob_program_ns(u->chip));
		sim_trace_line(u->trace, "RDP");
		send1(u, ACK);
		reset(u, "RDP", "readout protection set to level 1");
		return;
	case CMD_UR: {
		int64_t ns;
		if (!ack(u) || nack_fault(u))
			return;
		sim_chip_readout_unprotect(u->chip, &ns);
		sim_link_work(u->link, ns);
		sim_trace_line(u->trace, "RDU");
		send1(u, ACK);
		reset(u, "RDU", "readout protection removed, flash mass-erased");
		return;
	}
	case CMD_CRC:
		if (ack(u))
			expect(u, S_CRC_ADDR, 5);
		return;
	default:
		refuse(u, "0x%02X: not a command of this bootloader", code);
	}
}

/* Address + XOR; false (and NACKed) when the checksum is wrong. */
static bool take_address(sim_transport *u, const char *cmd)
{
	if (xor_of(u->buf, 4) != u->buf[4]) {
		refuse(u, "%s: address checksum", cmd);
		return false;
	}
	u->addr = be32(u->buf);
	return true;
}

static void on_read_len(sim_transport *u)
{
	unsigned n = u->buf[0] + 1u;
	uint8_t data[256];

	if ((u->buf[0] ^ u->buf[1]) != 0xFF) {
		refuse(u, "READ 0x%08X: length checksum", (unsigned)u->addr);
		return;
	}
	if (!sim_chip_readable(u->chip, u->addr, n)) {
		refuse(u, "READ 0x%08X %u: not readable", (unsigned)u->addr, n);
		return;
	}
	if (!ack(u))
		return;
	sim_trace_line(u->trace, "READ 0x%08X %u", (unsigned)u->addr, n);
	sim_chip_read(u->chip, u->addr, data, n);
	send(u, data, n);
	to_command_mode(u);
}

static void on_go(sim_transport *u)
{
	uint32_t sp, pc;

	if (!sim_chip_in_flash(u->chip, u->addr) && !sim_chip_in_ram(u->chip, u->addr)) {
		refuse(u, "GO 0x%08X: not in flash or RAM", (unsigned)u->addr);
		return;
	}
	if (!ack(u))
		return;
	sim_trace_line(u->trace, "GO 0x%08X", (unsigned)u->addr);
	switch (sim_chip_go(u->chip, u->addr, &sp, &pc)) {
	case SIM_GO_EMPTY_CHECK:
		sim_say("GO 0x%08X: the first flash word was erased at power-on "
		        "(empty check latched), so the chip is back in its "
		        "bootloader; send 0x7F again.  A power cycle or an "
		        "option-byte reload clears it", (unsigned)u->addr);
		sim_trace_line(u->trace, "RESET empty-check");
		expect(u, S_NOSYNC, 1);
		return;
	case SIM_GO_APP:
		sim_say("GO 0x%08X: the application runs (SP 0x%08X, PC 0x%08X); "
		        "the bootloader is gone for the rest of this run",
		        (unsigned)u->addr, (unsigned)sp, (unsigned)pc);
		break;
	case SIM_GO_BAD_VECTOR:
		sim_say("GO 0x%08X: no plausible vector there (SP 0x%08X, PC "
		        "0x%08X): the core faults and the device is silent",
		        (unsigned)u->addr, (unsigned)sp, (unsigned)pc);
		break;
	}
	expect(u, S_SILENT, 1);
}

static void on_write_addr(sim_transport *u)
{
	if (!take_address(u, "WRITE"))
		return;
	if (!sim_chip_writable_start(u->chip, u->addr)) {
		refuse(u, "WRITE 0x%08X: not writable", (unsigned)u->addr);
		return;
	}
	if (u->chip->rdp && !sim_chip_in_ram(u->chip, u->addr) &&
	    !(u->addr >= u->chip->chip->ob_start &&
	      u->addr - u->chip->chip->ob_start < u->chip->chip->ob_size)) {
		refuse(u, "WRITE 0x%08X: readout protection", (unsigned)u->addr);
		return;
	}
	if (ack(u))
		expect(u, S_WRITE_N, 1);
}

static void on_write_data(sim_transport *u)
{
	unsigned n = u->n + 1;
	sim_write_result res;
	sim_mem m;

	if ((uint8_t)(u->n ^ xor_of(u->buf, n)) != u->buf[n]) {
		refuse(u, "WRITE 0x%08X %u: checksum", (unsigned)u->addr, n);
		return;
	}
	if (u->addr % 4 || n % 4) {
		refuse(u, "WRITE 0x%08X %u: not word-aligned", (unsigned)u->addr, n);
		return;
	}
	if (nack_fault(u))
		return;
	m = sim_chip_write(u->chip, u->addr, u->buf, n, &res);
	if (m != SIM_MEM_OK) {
		refuse(u, "WRITE 0x%08X %u: %s", (unsigned)u->addr, n,
		       m == SIM_MEM_PROTECTED ? "readout protection" : "not writable");
		return;
	}
	/* Option bytes: the ROM erases the block, writes it and reloads it. */
	sim_link_work(u->link, res.option_bytes ? sim_chip_ob_program_ns(u->chip) :
	              (int64_t)res.programmed * sim_chip_program_ns(u->chip));
	sim_trace_line(u->trace, "WRITE 0x%08X %u", (unsigned)u->addr, n);
	send1(u, ACK);
	if (res.option_bytes) {
		char what[96];
		snprintf(what, sizeof(what), "option bytes written and reloaded "
		         "(RDP level %d)", u->chip->rdp);
		reset(u, "OB", what);
		if (u->chip->rdp == 2) {
			sim_say("RDP level 2: the bootloader is disabled for good");
			expect(u, S_SILENT, 1);
		}
		return;
	}
	to_command_mode(u);
}

static void erase_units(sim_transport *u, size_t n)
{
	char list[512];
	uint16_t bad = 0;
	int64_t ns;
	sim_mem m;

	if (nack_fault(u))
		return;
	m = sim_chip_erase(u->chip, u->pages, n, &bad, &ns);
	if (m != SIM_MEM_OK) {
		refuse(u, "ERASE %u: %s", (unsigned)bad, sim_mem_why(m));
		return;
	}
	sim_link_work(u->link, ns);
	sim_trace_line(u->trace, "ERASE %s", sim_unit_list(u->pages, n, list, sizeof(list)));
	send1(u, ACK);
	to_command_mode(u);
}

static void erase_mass(sim_transport *u, int bank)
{
	char what[16] = "MASS";
	int64_t ns;
	sim_mem m;

	if (bank)
		snprintf(what, sizeof(what), "BANK %d", bank);
	if (nack_fault(u))
		return;
	m = sim_chip_mass_erase(u->chip, bank, &ns);
	if (m != SIM_MEM_OK) {
		refuse(u, "ERASE %s: %s", what, sim_mem_why(m));
		return;
	}
	sim_link_work(u->link, ns);
	sim_trace_line(u->trace, "ERASE %s", what);
	send1(u, ACK);
	to_command_mode(u);
}

static void on_erase_list(sim_transport *u)
{
	size_t n = u->n + 1;

	if ((uint8_t)(u->n ^ xor_of(u->buf, n)) != u->buf[n]) {
		refuse(u, "ERASE: checksum");
		return;
	}
	for (size_t i = 0; i < n; i++)
		u->pages[i] = u->buf[i];
	erase_units(u, n);
}

static void on_eerase_n(sim_transport *u)
{
	u->n = (unsigned)u->buf[0] << 8 | u->buf[1];
	if (u->n >= 0xFFF0) {
		if (u->n < 0xFFFD) {
			refuse(u, "ERASE 0x%04X: reserved code", u->n);
			return;
		}
		expect(u, S_EE_SPECIAL, 1);
		return;
	}
	expect(u, S_EE_LIST, 2 * (u->n + 1) + 1);
}

static void on_eerase_special(sim_transport *u)
{
	if (u->buf[0] != (uint8_t)((u->n >> 8) ^ (u->n & 0xFF))) {
		refuse(u, "ERASE 0x%04X: checksum", u->n);
		return;
	}
	erase_mass(u, u->n == 0xFFFF ? 0 : u->n == 0xFFFE ? 1 : 2);
}

static void on_eerase_list(sim_transport *u)
{
	size_t n = u->n + 1;

	if ((uint8_t)((u->n >> 8) ^ (u->n & 0xFF) ^ xor_of(u->buf, 2 * n)) != u->buf[2 * n]) {
		refuse(u, "ERASE: checksum");
		return;
	}
	for (size_t i = 0; i < n; i++)
		u->pages[i] = (uint16_t)(u->buf[2 * i] << 8 | u->buf[2 * i + 1]);
	erase_units(u, n);
}

static void on_wp_list(sim_transport *u)
{
	size_t n = u->n + 1;
	char list[512], wrp[400], what[512];

	if ((uint8_t)(u->n ^ xor_of(u->buf, n)) != u->buf[n]) {
		refuse(u, "WP: checksum");
		return;
	}
	if (nack_fault(u))
		return;
	for (size_t i = 0; i < n; i++)
		u->pages[i] = u->buf[i];
	sim_chip_write_protect(u->chip, u->pages, n);
	sim_link_work(u->link, sim_chip_ob_program_ns(u->chip));
	sim_trace_line(u->trace, "WP %s", sim_unit_list(u->pages, n, list, sizeof(list)));
	send1(u, ACK);
	snprintf(what, sizeof(what), "write protection now on units %s",
	         sim_chip_wrp_str(u->chip, wrp, sizeof(wrp))[0] ? wrp : "(none)");
	reset(u, "WP", what);
}

static void on_crc_addr(sim_transport *u)
{
	if (!take_address(u, "CRC"))
		return;
	if (u->addr % 4 || !sim_chip_readable(u->chip, u->addr, 4)) {
		refuse(u, "CRC 0x%08X: not a readable word", (unsigned)u->addr);
		return;
	}
	if (ack(u))
		expect(u, S_CRC_LEN, 5);
}

static void on_crc_len(sim_transport *u)
{
	uint32_t len, crc;
	uint8_t *data, r[5];

	if (xor_of(u->buf, 4) != u->buf[4]) {
		refuse(u, "CRC 0x%08X: length checksum", (unsigned)u->addr);
		return;
	}
	len = be32(u->buf);
	if (len == 0 || len % 4 || len > u->chip->chip->flash_size ||
	    !sim_chip_readable(u->chip, u->addr, len)) {
		refuse(u, "CRC 0x%08X %u: not a readable multiple of 4 bytes",
		       (unsigned)u->addr, (unsigned)len);
		return;
	}
	if (!ack(u) || nack_fault(u))
		return;
	data = malloc(len);
	if (!data) {
		refuse(u, "CRC 0x%08X %u: out of memory", (unsigned)u->addr,
		       (unsigned)len);
		return;
	}
	sim_chip_read(u->chip, u->addr, data, len);
	crc = stp_crc32_stm32(0xFFFFFFFFu, data, len);
	free(data);
	sim_trace_line(u->trace, "CRC 0x%08X %u", (unsigned)u->addr, (unsigned)len);
	r[0] = (uint8_t)(crc >> 24);
	r[1] = (uint8_t)(crc >> 16);
	r[2] = (uint8_t)(crc >> 8);
	r[3] = (uint8_t)crc;
	r[4] = xor_of(r, 4);
	send1(u, ACK);
	send(u, r, 5);
	to_command_mode(u);
}

/* One complete stage's worth of bytes is in buf. */
static void on_stage(sim_transport *u)
{
	switch (u->st) {
	case S_CMD:
		on_command(u);
		return;
	case S_READ_ADDR:
		if (!take_address(u, "READ"))
			return;
		if (!sim_chip_readable(u->chip, u->addr, 1)) {
			refuse(u, "READ 0x%08X: not readable", (unsigned)u->addr);
			return;
		}
		if (ack(u))
			expect(u, S_READ_LEN, 2);
		return;
	case S_READ_LEN:
		on_read_len(u);
		return;
	case S_GO_ADDR:
		if (take_address(u, "GO"))
			on_go(u);
		return;
	case S_WRITE_ADDR:
		on_write_addr(u);
		return;
	case S_WRITE_N:
		u->n = u->buf[0];
		expect(u, S_WRITE_DATA, u->n + 2u);
		return;
	case S_WRITE_DATA:
		on_write_data(u);
		return;
	case S_ER_N:
		u->n = u->buf[0];
		if (u->n == 0xFF)
			expect(u, S_ER_GLOBAL, 1);
		else
			expect(u, S_ER_LIST, u->n + 2u);
		return;
	case S_ER_GLOBAL:
		if (u->buf[0] != 0x00)
			refuse(u, "ERASE MASS: checksum");
		else
			erase_mass(u, 0);
		return;
	case S_ER_LIST:
		on_erase_list(u);
		return;
	case S_EE_N:
		on_eerase_n(u);
		return;
	case S_EE_SPECIAL:
		on_eerase_special(u);
		return;
	case S_EE_LIST:
		on_eerase_list(u);
		return;
	case S_WP_N:
		u->n = u->buf[0];
		expect(u, S_WP_LIST, u->n + 2u);
		return;
	case S_WP_LIST:
		on_wp_list(u);
		return;
	case S_CRC_ADDR:
		on_crc_addr(u);
		return;
	case S_CRC_LEN:
		on_crc_len(u);
		return;
	case S_NOSYNC:
	case S_SILENT:
	case S_HELD:
		return;
	}
}

static void on_byte(sim_transport *u, uint8_t b)
{
	if (u->st == S_SILENT || u->st == S_HELD)
		return;
	if (u->st == S_NOSYNC) {
		/* Auto-baud measures a 0x7F frame; anything else is noise. */
		if (b != SYNC || !line_ok(u))
			return;
		sim_trace_line(u->trace, "SYNC");
		send1(u, ACK);
		to_command_mode(u);
		return;
	}
	u->buf[u->have++] = b;
	if (u->have == u->need)
		on_stage(u);
}

/* ---- the pins (--wire) ---- */

/* BOOT0 was low as NRST rose: the chip runs its flash, as the DfuSe
 * side's reset does (sim_dfuse_boot): on a part with an empty check whose
 * first flash word was erased at the last option-byte load, the boot
 * logic still picks the bootloader.  (Whether a pin reset re-reads the
 * empty check on every such part is not confirmed: RM0444 ties it to the
 * option-byte load, which a pin reset does not do, so neither does
 * this.) */
static void boot_flash(sim_transport *u)
{
	uint32_t base = u->chip->geo.flash_base, sp, pc;

	/* sim_chip_go knows the empty check: it leaves the chip in its
	 * bootloader then. */
	switch (sim_chip_go(u->chip, base, &sp, &pc)) {
	case SIM_GO_APP:
		sim_trace_line(u->trace, "RESET NRST BOOT0=0 app");
		sim_say("NRST rose with BOOT0 low: the application in flash runs "
		        "(SP 0x%08X, PC 0x%08X); the bootloader does not answer",
		        (unsigned)sp, (unsigned)pc);
		break;
	case SIM_GO_BAD_VECTOR:
		sim_trace_line(u->trace, "RESET NRST BOOT0=0 fault");
		sim_say("NRST rose with BOOT0 low: no plausible vector at 0x%08X "
		        "(SP 0x%08X, PC 0x%08X), the core faults; the chip is "
		        "silent", (unsigned)base, (unsigned)sp, (unsigned)pc);
		break;
	case SIM_GO_EMPTY_CHECK:
		sim_trace_line(u->trace, "RESET NRST BOOT0=0 empty-check");
		sim_say("NRST rose with BOOT0 low, but the flash was empty at the "
		        "last option-byte load (empty check): the bootloader "
		        "starts and waits for 0x7F");
		expect(u, S_NOSYNC, 1);
		return;
	}
	expect(u, S_SILENT, 1);
}

/* Does what a pin edge means for the chip. */
static void pins_event(sim_transport *u, sim_pins_event ev)
{
	if (ev == SIM_PINS_NOTHING || u->absent)
		return;
	if (ev == SIM_PINS_HOLD_RESET) {
		sim_trace_line(u->trace, "HOLD NRST");
		expect(u, S_HELD, 1);
		return;
	}
	if (u->chip->rdp == 2) {
		expect(u, S_SILENT, 1);
		return;
	}
	if (ev == SIM_PINS_BOOT_ROM)
		reset(u, "NRST BOOT0=1", "NRST rose with BOOT0 high");
	else
		boot_flash(u);
}

/* Power-on (a board arriving): the lines as an idle host leaves them
 * decide.  Out of reset into the bootloader is where a chip starts
 * anyway, so that says nothing. */
static void pins_power_on(sim_transport *u)
{
	sim_pins_event ev = sim_pins_power_on(&u->pins);

	if (ev == SIM_PINS_BOOT_ROM)
		sim_chip_reset(u->chip);
	else
		pins_event(u, ev);
}

/* The host's RTS and DTR, as the tty watch answered its TIOCM* calls:
 * one change at a time (the watch applies at most one per service), so
 * every edge of a pulse is seen. */
static void follow_modem_lines(sim_transport *u)
{
	const sim_ttywatch *w = sim_link_watch(u->link);
	unsigned changes, bits;

	if (!u->cfg->wiring.wired || !sim_wiring_uses_modem(&u->cfg->wiring) || !w)
		return;
	changes = sim_ttywatch_modem_changes(w);
	if (changes == u->modem_changes)
		return;
	u->modem_changes = changes;
	bits = sim_ttywatch_modem(w);
	pins_event(u, sim_pins_line(&u->pins, SIM_LINE_RTS, bits & TIOCM_RTS));
	pins_event(u, sim_pins_line(&u->pins, SIM_LINE_DTR, bits & TIOCM_DTR));
}

#ifdef HAVE_UMOCKDEV
/* The CBUS levels the host set through libftdi1, each change in order;
 * BOOT0's line before NRST's, so a change of both at once samples BOOT0
 * as it is after it. */
static void follow_cbus(sim_transport *u)
{
	const sim_wiring *w = &u->cfg->wiring;
	uint8_t levels;

	if (!u->ftdi)
		return;
	while (sim_ftdi_take_cbus(u->ftdi, &levels)) {
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < 4; i++) {
				sim_line line = (sim_line)(SIM_LINE_CBUS0 + i);
				if ((line == w->nrst) != (pass == 1))
					continue;
				pins_event(u, sim_pins_line(&u->pins, line,
				                            (levels >> i) & 1));
			}
	}
}
#endif

/* ---- the transport ---- */

static void set_command_list(sim_transport *u)
{
	static const uint8_t base[] = {CMD_GET, CMD_GVR, CMD_GID, CMD_READ,
	                               CMD_GO, CMD_WRITE};
	static const uint8_t tail[] = {CMD_WP, CMD_UW, CMD_RP, CMD_UR};
	const stp_chip *k = u->chip->chip;

	u->version = k->bl_version ? k->bl_version : 0x31;
	memcpy(u->cmds, base, sizeof(base));
	u->ncmds = sizeof(base);
	/* ERASE and EXTENDED ERASE are exclusive; v3.0 brought the latter. */
	u->cmds[u->ncmds++] = u->version >= 0x30 ? CMD_EERASE : CMD_ERASE;
	memcpy(u->cmds + u->ncmds, tail, sizeof(tail));
	u->ncmds += sizeof(tail);
	if (k->quirks & STP_QUIRK_UART_CHECKSUM)
		u->cmds[u->ncmds++] = CMD_CRC;
}

static void uart_close(sim_transport *u)
{
	if (!u)
		return;
	sim_link_close(u->link);
#ifdef HAVE_UMOCKDEV
	sim_ftdi_free(u->ftdi);
#endif
	free(u->buf);
	free(u->pages);
	free(u);
}

static sim_transport *uart_open(const sim_config *cfg, sim_chip *chip,
                                sim_faults *faults, sim_trace *trace,
                                char *err, size_t errlen)
{
	sim_transport *u = calloc(1, sizeof(*u));
	sim_link_config lc;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->cfg = cfg;
	u->chip = chip;
	u->faults = faults;
	u->trace = trace;
	u->buf = malloc(BUF_MAX);
	u->pages = malloc(0x10000 * sizeof(*u->pages));
	if (!u->buf || !u->pages) {
		snprintf(err, errlen, "out of memory");
		uart_close(u);
		return NULL;
	}
	lc.real_time = cfg->real_time;
	lc.baud = cfg->baud;
	lc.latency_ms = cfg->latency_ms;
	lc.shared = cfg->devices > 1;
	u->link = sim_link_open(&lc, faults, trace, err, errlen);
	if (!u->link) {
		uart_close(u);
		return NULL;
	}
	/* COMMAND runs once, under device 1's termios watch. */
	if (cfg->first)
		sim_link_follow(cfg->first->link, u->link);
#ifdef HAVE_UMOCKDEV
	if (sim_wiring_uses_cbus(&cfg->wiring)) {
		u->ftdi = sim_ftdi_new(cfg->device, trace, err, errlen);
		if (!u->ftdi) {
			uart_close(u);
			return NULL;
		}
		sim_say("an FTDI FT230X (serial %s) is at USB port %s for the "
		        "CBUS pins (path=%s); the data goes over %s",
		        sim_ftdi_serial(u->ftdi), sim_ftdi_path(u->ftdi),
		        sim_ftdi_path(u->ftdi), sim_link_port(u->link));
	}
#endif
	set_command_list(u);
	expect(u, S_NOSYNC, 1);
	sim_pins_init(&u->pins, &cfg->wiring);
	if (cfg->wiring.wired && chip->rdp != 2) {
		/* Power-on: the pins as an idle host leaves them decide. */
		pins_power_on(u);
		return u;
	}
	if (chip->rdp == 2 || chip->app == SIM_APP_NONE) {
		sim_say("RDP level 2: the bootloader is disabled and will not "
		        "answer (delete the .ob and .state files beside the flash "
		        "file to start afresh)");
		expect(u, S_SILENT, 1);
	}
	return u;
}

/* A new board answers as a fresh ROM; a removed one not at all (the
 * adapter and its pty stay in the jig). */
static void uart_board(sim_transport *u, bool present)
{
	u->absent = !present;
	if (!present) {
		expect(u, S_SILENT, 1);
		return;
	}
	set_command_list(u);
	u->warned_mode[0] = '\0';
	u->warned_baud = 0;
	u->warned_rate = 0;
	u->warned_unknown = false;
	expect(u, S_NOSYNC, 1);
	if (u->cfg->wiring.wired && u->chip->rdp != 2) {
		/* The new board powers up with the lines as they are now. */
		pins_power_on(u);
		return;
	}
	if (u->chip->rdp == 2 || u->chip->app == SIM_APP_NONE)
		expect(u, S_SILENT, 1);
}

static const char *uart_port(const sim_transport *u)
{
	return sim_link_port(u->link);
}

static void uart_child_exec(sim_transport *u, char **argv)
{
#ifdef HAVE_UMOCKDEV
	/* This run's FTDI adapter, whichever uart device has it. */
	sim_ftdi_child_env();
#endif
	sim_link_child_exec(u->link, argv);
}

static void uart_child_started(sim_transport *u)
{
	sim_link_child_started(u->link);
}

static int uart_poll_setup(sim_transport *u, struct pollfd *pfd,
                           int64_t *deadline)
{
	sim_link_poll_setup(u->link, pfd, deadline);
#ifdef HAVE_UMOCKDEV
	if (u->ftdi) {
		pfd[SIM_LINK_POLLFDS].fd = sim_ftdi_fd(u->ftdi);
		pfd[SIM_LINK_POLLFDS].events = POLLIN;
		pfd[SIM_LINK_POLLFDS].revents = 0;
		return SIM_LINK_POLLFDS + 1;
	}
#endif
	return SIM_LINK_POLLFDS;
}

static void uart_service(sim_transport *u, const struct pollfd *pfd, int n)
{
	uint8_t b;

	sim_link_service(u->link, n >= SIM_LINK_POLLFDS ? pfd : NULL);
	follow_modem_lines(u);
#ifdef HAVE_UMOCKDEV
	/* After the pty was read: a change the host made before writing a
	 * byte was queued before that byte could be read. */
	follow_cbus(u);
#endif
	while (sim_link_recv(u->link, &b))
		on_byte(u, b);
	/* Send what the bytes just handled made due at once. */
	sim_link_service(u->link, NULL);
}

const sim_transport_ops sim_uart_transport = {
	.name = "uart",
	.open = uart_open,
	.port = uart_port,
	.tty = uart_port,
	.child_exec = uart_child_exec,
	.child_started = uart_child_started,
	.poll_setup = uart_poll_setup,
	.service = uart_service,
	.board = uart_board,
	.close = uart_close,
};

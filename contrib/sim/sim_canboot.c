/* stmprog-sim: AN3154 (bxCAN) and AN5405 (FDCAN) device side, frame by
 * frame.
 *
 * The wire contract both this and stmprog's CAN backend follow is
 * docs/simulator.md's section "The CAN bootloaders as modelled"; in short: every
 * command is a frame whose standard ID is the command code, and the
 * device answers on that ID with one-byte ACK (0x79) / NACK (0x1F) frames
 * and data frames.  AN3154 moves at most 8 bytes per frame and ACKs each
 * WRITE data frame; AN5405 uses FD frames of up to 64 bytes with bit-rate
 * switching and ACKs a WRITE once, at the end. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_canboot.h"

#define ACK 0x79
#define NACK 0x1F
#define SYNC_ID 0x79    /* AN3154: the host's first frame */
#define START_ID 0x111  /* AN5405 (protocol > 2.1): the start frame... */
#define START_BYTE 0x5A /* ...with this one data byte */
#define VERSION_CAN 0x20   /* AN3154's example GET answer: v2.0 */
#define VERSION_FDCAN 0x10 /* AN5405 hosts' expectation (mios): v1.0 */
#define MAX_ERASE_PAGES 32 /* AN5405: page numbers per ERASE command */

enum {
	CMD_GET = 0x00, CMD_GVR = 0x01, CMD_GID = 0x02, CMD_SPEED = 0x03,
	CMD_READ = 0x11, CMD_GO = 0x21, CMD_WRITE = 0x31, CMD_ERASE = 0x43,
	CMD_EERASE = 0x44, CMD_WP = 0x63, CMD_UW = 0x73, CMD_RP = 0x82,
	CMD_UR = 0x92
};

/* GET's lists, in the order the notes give them. */
static const uint8_t cmds_can[] = {
	CMD_GET, CMD_GVR, CMD_GID, CMD_SPEED, CMD_READ, CMD_GO, CMD_WRITE,
	CMD_ERASE, CMD_WP, CMD_UW, CMD_RP, CMD_UR
};
static const uint8_t cmds_fdcan[] = {
	CMD_GET, CMD_GVR, CMD_GID, CMD_READ, CMD_GO, CMD_WRITE, CMD_EERASE,
	CMD_WP, CMD_UW, CMD_RP, CMD_UR
};

typedef enum stage {
	S_WAIT = 0,     /* after reset: only the sync/start frame counts */
	S_CMD,          /* a command frame */
	S_WRITE_DATA,   /* WRITE's data frames */
	S_ERASE_LIST,   /* AN5405 ERASE: the frame of page numbers */
	S_SILENT        /* the bootloader is gone */
} stage;

struct sim_canboot {
	sim_chip *chip;
	bool fd;
	bool h7;                /* AN5405 on H7: NACK IDs, silent reads */
	unsigned kbps0, data0;  /* the rates after every reset */
	unsigned kbps, data_kbps;
	sim_trace *trace;
	sim_canboot_io io;
	stage st;
	uint8_t version;
	const uint8_t *cmds;
	size_t ncmds;
	uint32_t cmd_id;        /* the host's ID for the command under way */
	uint32_t addr;          /* WRITE under way */
	unsigned n, have;
	unsigned npages;        /* ERASE under way */
	uint8_t buf[256];
};

/* ---- FD lengths ---- */

static const uint8_t fd_lens[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8,
                                    12, 16, 20, 24, 32, 48, 64};

uint8_t sim_can_fd_len(unsigned n)
{
	for (unsigned i = 0; i < 16; i++)
		if (fd_lens[i] >= n)
			return fd_lens[i];
	return 64;
}

unsigned sim_can_dlc_of_len(uint8_t len)
{
	for (unsigned i = 0; i < 16; i++)
		if (fd_lens[i] >= len)
			return i;
	return 15;
}

uint8_t sim_can_len_of_dlc(unsigned dlc)
{
	return fd_lens[dlc & 15];
}

/* ---- sending ---- */

static void send(sim_canboot *b, uint32_t id, const uint8_t *data,
                 unsigned len)
{
	sim_can_frame f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.fd = b->fd;
	f.brs = b->fd;
	f.kbps = b->kbps;
	f.data_kbps = b->fd ? b->data_kbps : 0;
	/* FD frames come in fixed lengths: pad with 0xFF where len is not
	 * one (a READ's last data frame of, say, 36 bytes goes as 48). */
	f.len = b->fd ? sim_can_fd_len(len) : (uint8_t)len;
	memset(f.data, 0xFF, sizeof(f.data));
	memcpy(f.data, data, len);
	b->io.emit(b->io.ctx, &f);
}

static void send1(sim_canboot *b, uint32_t id, uint8_t byte)
{
	send(b, id, &byte, 1);
}

static void work(sim_canboot *b, int64_t ns)
{
	if (ns > 0)
		b->io.work(b->io.ctx, ns);
}

static void to_command_mode(sim_canboot *b)
{
	b->st = S_CMD;
}

/* A NACK for command cmd with its reason in the trace; back to waiting
 * for a command.  The H7's ROM NACKs on the ID the host transmitted on
 * (with base 0, the same as cmd). */
static void refuse(sim_canboot *b, uint8_t cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(sim_canboot *b, uint8_t cmd, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sim_trace_line(b->trace, "NACK %s", why);
	send1(b, b->h7 ? b->cmd_id : cmd, NACK);
	to_command_mode(b);
}

static const char *wait_frame(const sim_canboot *b)
{
	return b->fd ? "0x111 start frame" : "0x79 sync frame";
}

/* A reset: the bootloader starts over at its first rates and waits for
 * the sync (start) frame again. */
static void reset(sim_canboot *b, const char *why, const char *what)
{
	sim_chip_reset(b->chip);
	sim_trace_line(b->trace, "RESET %s", why);
	sim_say("%s; the chip resets and its bootloader waits for the %s "
	        "again, at %u kbit/s", what, wait_frame(b), b->kbps0);
	b->kbps = b->kbps0;
	b->data_kbps = b->data0;
	b->st = S_WAIT;
}

static bool listed(const sim_canboot *b, uint32_t code)
{
	return code <= 0xFF && memchr(b->cmds, (int)code, b->ncmds) != NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- commands ---- */

static void do_get(sim_canboot *b)
{
	send1(b, CMD_GET, ACK);
	sim_trace_line(b->trace, "GET");
	send1(b, CMD_GET, (uint8_t)b->ncmds);
	send1(b, CMD_GET, b->version);
	for (size_t i = 0; i < b->ncmds; i++)
		send1(b, CMD_GET, b->cmds[i]);
	send1(b, CMD_GET, ACK);
}

static void do_get_version(sim_canboot *b)
{
	/* The option bytes of this answer: 0x00 0x00 on every ROM described
	 * (AN2662 names them read-protection counters). */
	static const uint8_t opt[2] = {0x00, 0x00};

	send1(b, CMD_GVR, ACK);
	sim_trace_line(b->trace, "GETVERSION");
	send1(b, CMD_GVR, b->version);
	send(b, CMD_GVR, opt, 2);
	send1(b, CMD_GVR, ACK);
}

static void do_get_id(sim_canboot *b)
{
	uint16_t pid = b->chip->chip->pid;
	uint8_t r[2] = {(uint8_t)(pid >> 8), (uint8_t)pid};

	send1(b, CMD_GID, ACK);
	sim_trace_line(b->trace, "GETID");
	send(b, CMD_GID, r, 2);
	send1(b, CMD_GID, ACK);
}

static void do_speed(sim_canboot *b, const sim_can_frame *f)
{
	static const unsigned rates[] = {125, 250, 500, 1000};
	unsigned code = f->len ? f->data[0] : 0;

	if (f->len != 1 || code < 1 || code > 4) {
		refuse(b, CMD_SPEED, "SPEED 0x%02X: no such rate (1-4 = 125, "
		       "250, 500, 1000 kbit/s)", code);
		return;
	}
	/* The first ACK at the old rate, the second at the new one: the
	 * host re-opens its adapter in between. */
	send1(b, CMD_SPEED, ACK);
	b->kbps = rates[code - 1];
	sim_trace_line(b->trace, "SPEED %u", b->kbps);
	send1(b, CMD_SPEED, ACK);
}

static void do_read(sim_canboot *b, const sim_can_frame *f)
{
	unsigned n, chunk = b->fd ? 64 : 8;
	uint8_t data[256];

	if (f->len < 5) {
		refuse(b, CMD_READ, "READ: %u bytes, expected 5", f->len);
		return;
	}
	b->addr = be32(f->data);
	n = f->data[4] + 1u;
	if (!sim_chip_readable(b->chip, b->addr, n)) {
		refuse(b, CMD_READ, "READ 0x%08X %u: not readable",
		       (unsigned)b->addr, n);
		return;
	}
	send1(b, CMD_READ, ACK);
	sim_trace_line(b->trace, "READ 0x%08X %u", (unsigned)b->addr, n);
	sim_chip_read(b->chip, b->addr, data, n);
	for (unsigned off = 0; off < n; off += chunk)
		send(b, CMD_READ, data + off, n - off < chunk ? n - off : chunk);
	send1(b, CMD_READ, ACK);
}

static void do_go(sim_canboot *b, const sim_can_frame *f)
{
	uint32_t addr, sp, pc;

	if (f->len < 4) {
		refuse(b, CMD_GO, "GO: %u bytes, expected 4", f->len);
		return;
	}
	addr = be32(f->data);
	if (!sim_chip_in_flash(b->chip, addr) && !sim_chip_in_ram(b->chip, addr)) {
		refuse(b, CMD_GO, "GO 0x%08X: not in flash or RAM", (unsigned)addr);
		return;
	}
	send1(b, CMD_GO, ACK);
	sim_trace_line(b->trace, "GO 0x%08X", (unsigned)addr);
	switch (sim_chip_go(b->chip, addr, &sp, &pc)) {
	case SIM_GO_EMPTY_CHECK:
		sim_say("GO 0x%08X: the first flash word was erased at power-on "
		        "(empty check latched), so the chip is back in its "
		        "bootloader; send the %s again.  A power cycle or an "
		        "option-byte reload clears it", (unsigned)addr, wait_frame(b));
		sim_trace_line(b->trace, "RESET empty-check");
		b->kbps = b->kbps0;
		b->data_kbps = b->data0;
		b->st = S_WAIT;
		return;
	case SIM_GO_APP:
		sim_say("GO 0x%08X: the application runs (SP 0x%08X, PC 0x%08X); "
		        "the bootloader is gone for the rest of this run",
		        (unsigned)addr, (unsigned)sp, (unsigned)pc);
		break;
	case SIM_GO_BAD_VECTOR:
		sim_say("GO 0x%08X: no plausible vector there (SP 0x%08X, PC "
		        "0x%08X): the core faults and the device is silent",
		        (unsigned)addr, (unsigned)sp, (unsigned)pc);
		break;
	}
	b->st = S_SILENT;
}

static bool in_ob(const sim_canboot *b, uint32_t addr)
{
	const stp_chip *k = b->chip->chip;

	return addr >= k->ob_start && addr - k->ob_start < k->ob_size;
}

static void do_write(sim_canboot *b, const sim_can_frame *f)
{
	if (f->len < 5) {
		refuse(b, CMD_WRITE, "WRITE: %u bytes, expected 5", f->len);
		return;
	}
	b->addr = be32(f->data);
	b->n = f->data[4] + 1u;
	b->have = 0;
	if (b->addr % 4) {
		refuse(b, CMD_WRITE, "WRITE 0x%08X %u: not word-aligned",
		       (unsigned)b->addr, b->n);
		return;
	}
	if (!sim_chip_writable_start(b->chip, b->addr)) {
		refuse(b, CMD_WRITE, "WRITE 0x%08X: not writable", (unsigned)b->addr);
		return;
	}
	if (b->chip->rdp && !sim_chip_in_ram(b->chip, b->addr) &&
	    !in_ob(b, b->addr)) {
		refuse(b, CMD_WRITE, "WRITE 0x%08X: readout protection",
		       (unsigned)b->addr);
		return;
	}
	send1(b, CMD_WRITE, ACK);
	b->st = S_WRITE_DATA;
}

/* All of WRITE's data is in: program it, then the final answer. */
static void write_done(sim_canboot *b)
{
	sim_write_result res;
	sim_mem m;

	m = sim_chip_write(b->chip, b->addr, b->buf, b->n, &res);
	if (m != SIM_MEM_OK) {
		refuse(b, CMD_WRITE, "WRITE 0x%08X %u: %s", (unsigned)b->addr, b->n,
		       m == SIM_MEM_PROTECTED ? "readout protection" : "not writable");
		return;
	}
	/* Option bytes: the ROM erases the block, writes it and reloads it. */
	work(b, res.option_bytes ? sim_chip_ob_program_ns(b->chip) :
	     (int64_t)res.programmed * sim_chip_program_ns(b->chip));
	sim_trace_line(b->trace, "WRITE 0x%08X %u", (unsigned)b->addr, b->n);
	send1(b, CMD_WRITE, ACK);
	if (res.option_bytes) {
		char what[96];
		snprintf(what, sizeof(what), "option bytes written and reloaded "
		         "(RDP level %d)", b->chip->rdp);
		reset(b, "OB", what);
		if (b->chip->rdp == 2) {
			sim_say("RDP level 2: the bootloader is disabled for good");
			b->st = S_SILENT;
		}
		return;
	}
	to_command_mode(b);
}

static void on_write_data(sim_canboot *b, const sim_can_frame *f)
{
	unsigned take = b->n - b->have;

	/* FD frames may carry padding past the end: take what WRITE said. */
	if (take > f->len)
		take = f->len;
	memcpy(b->buf + b->have, f->data, take);
	b->have += take;
	/* AN3154 answers every data frame; AN5405 only the whole write. */
	if (!b->fd)
		send1(b, CMD_WRITE, ACK);
	if (b->have == b->n)
		write_done(b);
}

static void erase_units(sim_canboot *b, uint8_t cmd, const uint16_t *idx,
                        size_t n)
{
	char list[512];
	uint16_t bad = 0;
	int64_t ns;
	sim_mem m = sim_chip_erase(b->chip, idx, n, &bad, &ns);

	if (m != SIM_MEM_OK) {
		refuse(b, cmd, "ERASE %u: %s", (unsigned)bad, sim_mem_why(m));
		return;
	}
	work(b, ns);
	sim_trace_line(b->trace, "ERASE %s", sim_unit_list(idx, n, list, sizeof(list)));
	send1(b, cmd, ACK);
	to_command_mode(b);
}

static void erase_mass(sim_canboot *b, uint8_t cmd, int bank)
{
	char what[16] = "MASS";
	int64_t ns;
	sim_mem m;

	if (bank)
		snprintf(what, sizeof(what), "BANK %d", bank);
	m = sim_chip_mass_erase(b->chip, bank, &ns);
	if (m != SIM_MEM_OK) {
		refuse(b, cmd, "ERASE %s: %s", what, sim_mem_why(m));
		return;
	}
	work(b, ns);
	sim_trace_line(b->trace, "ERASE %s", what);
	send1(b, cmd, ACK);
	to_command_mode(b);
}

/* AN3154 ERASE: [0xFF] = everything, else sector numbers, one a byte. */
static void do_erase(sim_canboot *b, const sim_can_frame *f)
{
	uint16_t idx[8];

	if (f->len == 0) {
		refuse(b, CMD_ERASE, "ERASE: no sector given");
		return;
	}
	send1(b, CMD_ERASE, ACK);
	if (f->len == 1 && f->data[0] == 0xFF) {
		erase_mass(b, CMD_ERASE, 0);
		return;
	}
	for (unsigned i = 0; i < f->len && i < 8; i++)
		idx[i] = f->data[i];
	erase_units(b, CMD_ERASE, idx, f->len < 8 ? f->len : 8);
}

/* AN5405 ERASE: a 16-bit count, or a special code; a page list follows
 * in its own frame. */
static void do_eerase(sim_canboot *b, const sim_can_frame *f)
{
	unsigned n;

	if (f->len < 2) {
		refuse(b, CMD_EERASE, "ERASE: %u bytes, expected 2", f->len);
		return;
	}
	n = (unsigned)f->data[0] << 8 | f->data[1];
	if (n >= 0xFFFD) {
		send1(b, CMD_EERASE, ACK);
		erase_mass(b, CMD_EERASE, n == 0xFFFF ? 0 : n == 0xFFFE ? 1 : 2);
		return;
	}
	if (n == 0 || n > MAX_ERASE_PAGES) {
		refuse(b, CMD_EERASE, "ERASE 0x%04X: 1 to %u pages per command",
		       n, MAX_ERASE_PAGES);
		return;
	}
	send1(b, CMD_EERASE, ACK);
	b->npages = n;
	b->st = S_ERASE_LIST;
}

static void on_erase_list(sim_canboot *b, const sim_can_frame *f)
{
	uint16_t idx[MAX_ERASE_PAGES];

	if (f->len < 2 * b->npages) {
		refuse(b, CMD_EERASE, "ERASE: %u bytes of page numbers, expected %u",
		       f->len, 2 * b->npages);
		return;
	}
	for (unsigned i = 0; i < b->npages; i++)
		idx[i] = (uint16_t)(f->data[2 * i] << 8 | f->data[2 * i + 1]);
	erase_units(b, CMD_EERASE, idx, b->npages);
}

static void do_wp(sim_canboot *b, const sim_can_frame *f)
{
	uint16_t idx[64];
	const uint8_t *list = f->data;
	unsigned n = f->len;
	char s[512], wrp[400], what[512];

	/* AN5405 counts the sectors in the first byte; AN3154 sends them
	 * alone, as many as the DLC says. */
	if (b->fd) {
		n = f->len ? f->data[0] : 0;
		list = f->data + 1;
		if (f->len < 1u + n) {
			refuse(b, CMD_WP, "WP: %u sectors announced, %u sent", n,
			       f->len ? f->len - 1u : 0u);
			return;
		}
	}
	if (n == 0) {
		refuse(b, CMD_WP, "WP: no sector given");
		return;
	}
	for (unsigned i = 0; i < n; i++)
		idx[i] = list[i];
	send1(b, CMD_WP, ACK);
	sim_chip_write_protect(b->chip, idx, n);
	work(b, sim_chip_ob_program_ns(b->chip));
	sim_trace_line(b->trace, "WP %s", sim_unit_list(idx, n, s, sizeof(s)));
	send1(b, CMD_WP, ACK);
	snprintf(what, sizeof(what), "write protection now on units %s",
	         sim_chip_wrp_str(b->chip, wrp, sizeof(wrp))[0] ? wrp : "(none)");
	reset(b, "WP", what);
}

static void do_protection(sim_canboot *b, uint8_t code)
{
	int64_t ns = 0;

	send1(b, code, ACK);
	switch (code) {
	case CMD_UW:
		sim_chip_write_unprotect(b->chip);
		work(b, sim_chip_ob_program_ns(b->chip));
		sim_trace_line(b->trace, "WUNP");
		send1(b, code, ACK);
		reset(b, "WUNP", "write protection removed");
		return;
	case CMD_RP:
		sim_chip_readout_protect(b->chip);
		work(b, sim_chip_ob_program_ns(b->chip));
		sim_trace_line(b->trace, "RDP");
		send1(b, code, ACK);
		reset(b, "RDP", "readout protection set to level 1");
		return;
	default:
		sim_chip_readout_unprotect(b->chip, &ns);
		work(b, ns);
		sim_trace_line(b->trace, "RDU");
		send1(b, code, ACK);
		reset(b, "RDU", "readout protection removed, flash mass-erased");
		return;
	}
}

static void on_command(sim_canboot *b, const sim_can_frame *f)
{
	uint8_t code = (uint8_t)f->id;
	static const struct {
		uint8_t code;
		const char *name;
	} rdp_blocks[] = {
		/* As on the UART: READ, ERASE, GO and the protection changes
		 * but READOUT UNPROTECT; WRITE is refused at its address. */
		{CMD_READ, "READ"}, {CMD_GO, "GO"}, {CMD_ERASE, "ERASE"},
		{CMD_EERASE, "ERASE"}, {CMD_WP, "WP"}, {CMD_UW, "WUNP"},
		{CMD_RP, "RDP"},
	};

	b->cmd_id = f->id;
	if (!listed(b, f->id)) {
		refuse(b, code, "0x%02X: not a command of this bootloader", code);
		return;
	}
	for (size_t i = 0; b->chip->rdp && i < sizeof(rdp_blocks) / sizeof(rdp_blocks[0]); i++) {
		if (rdp_blocks[i].code != code)
			continue;
		if (b->h7 && code == CMD_READ) {
			/* The H7's FDCAN ROM does not answer at all. */
			sim_trace_line(b->trace, "NACK READ: readout protection "
			               "(no reply, as the H7 does)");
			return;
		}
		refuse(b, code, "%s: readout protection", rdp_blocks[i].name);
		return;
	}
	switch (code) {
	case CMD_GET: do_get(b); return;
	case CMD_GVR: do_get_version(b); return;
	case CMD_GID: do_get_id(b); return;
	case CMD_SPEED: do_speed(b, f); return;
	case CMD_READ: do_read(b, f); return;
	case CMD_GO: do_go(b, f); return;
	case CMD_WRITE: do_write(b, f); return;
	case CMD_ERASE: do_erase(b, f); return;
	case CMD_EERASE: do_eerase(b, f); return;
	case CMD_WP: do_wp(b, f); return;
	default: do_protection(b, code); return;
	}
}

/* ---- frames in ---- */

static void ignore(sim_canboot *b, const sim_can_frame *f, const char *why)
{
	sim_trace_line(b->trace, "IGNORED 0x%0*X: %s", f->ext ? 8 : 3,
	               (unsigned)f->id, why);
}

static bool is_start(const sim_can_frame *f)
{
	return f->id == START_ID && f->len >= 1 && f->data[0] == START_BYTE;
}

void sim_canboot_rx(sim_canboot *b, const sim_can_frame *f)
{
	if (b->st == S_SILENT)
		return;
	/* The bootloaders filter on standard data frames of their own
	 * format: anything else belongs to another node. */
	if (f->ext || f->rtr) {
		ignore(b, f, f->ext ? "extended ID" : "remote frame");
		return;
	}
	if (b->fd && !f->fd) {
		ignore(b, f, "classic frame (the FDCAN bootloader takes FD only)");
		return;
	}
	if (!b->fd && f->fd) {
		ignore(b, f, "FD frame (the bxCAN bootloader takes classic only)");
		return;
	}
	if (b->fd && is_start(f)) {
		/* Also once started: the host may not know it was. */
		sim_trace_line(b->trace, "START");
		send1(b, START_ID, ACK);
		to_command_mode(b);
		return;
	}
	switch (b->st) {
	case S_WAIT:
		if (b->fd || f->id != SYNC_ID) {
			ignore(b, f, b->fd ? "not started yet" : "not synchronised yet");
			return;
		}
		sim_trace_line(b->trace, "SYNC");
		send1(b, SYNC_ID, ACK);
		to_command_mode(b);
		return;
	case S_CMD:
		if (!b->fd && f->id == SYNC_ID) {
			refuse(b, SYNC_ID, "SYNC: already synchronised");
			return;
		}
		if (f->id > 0xFF) {
			ignore(b, f, "not a command ID");
			return;
		}
		on_command(b, f);
		return;
	case S_WRITE_DATA:
		/* AN3154: the ROM does not look at a data frame's ID (0x04 is
		 * recommended); AN5405 hosts use 0x31.  IDs past 0xFF are
		 * another node's. */
		if (f->id > 0xFF) {
			ignore(b, f, "not a data frame ID");
			return;
		}
		on_write_data(b, f);
		return;
	case S_ERASE_LIST:
		if (f->id > 0xFF) {
			ignore(b, f, "not a data frame ID");
			return;
		}
		on_erase_list(b, f);
		return;
	case S_SILENT:
		return;
	}
}

/* ---- life ---- */

sim_canboot *sim_canboot_new(sim_chip *chip, bool fd, unsigned kbps,
                             unsigned data_kbps, sim_trace *trace,
                             const sim_canboot_io *io)
{
	sim_canboot *b = calloc(1, sizeof(*b));
	uint16_t pid = chip->chip->pid;

	if (!b)
		return NULL;
	b->chip = chip;
	b->fd = fd;
	b->h7 = fd && (pid == 0x450 || pid == 0x480 || pid == 0x483 ||
	               pid == 0x485);
	b->kbps0 = b->kbps = kbps;
	b->data0 = b->data_kbps = fd ? data_kbps : 0;
	b->trace = trace;
	b->io = *io;
	b->version = fd ? VERSION_FDCAN : VERSION_CAN;
	b->cmds = fd ? cmds_fdcan : cmds_can;
	b->ncmds = fd ? sizeof(cmds_fdcan) : sizeof(cmds_can);
	b->st = S_WAIT;
	if (chip->rdp == 2 || chip->app == SIM_APP_NONE) {
		sim_say("RDP level 2: the bootloader is disabled and will not "
		        "answer (delete the .ob and .state files beside the flash "
		        "file to start afresh)");
		b->st = S_SILENT;
	}
	return b;
}

void sim_canboot_free(sim_canboot *b)
{
	free(b);
}

bool sim_canboot_is_fd(const sim_canboot *b)
{
	return b->fd;
}

bool sim_canboot_in_write(const sim_canboot *b)
{
	return b->st == S_WRITE_DATA;
}

void sim_canboot_rates(const sim_canboot *b, unsigned *kbps,
                       unsigned *data_kbps)
{
	*kbps = b->kbps;
	*data_kbps = b->data_kbps;
}

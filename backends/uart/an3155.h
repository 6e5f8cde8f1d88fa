/* The host side of the STM32 USART bootloader protocol (ST AN3155),
 * spoken over a small byte-link interface so that it can be tested with a
 * scripted link instead of a serial port.
 *
 * Every exchange is framed as the note says: a command byte and its
 * complement, an address (4 bytes MSB first and their XOR), blocks as
 * N = count-1, data, XOR over N and the data; the device answers ACK 0x79
 * or NACK 0x1F at each step.  A NACK always puts the ROM back to waiting
 * for a command, so it can be retried at once; a timeout or an unexpected
 * byte leaves the ROM somewhere in a frame, so the command state is
 * re-established first (an_resync below).
 */
#ifndef STMPROG_UART_AN3155_H
#define STMPROG_UART_AN3155_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_link.h"
#include "stmprog/context.h"

#define AN_ACK 0x79
#define AN_NACK 0x1F
#define AN_SYNC 0x7F

enum {
	AN_CMD_GET = 0x00,
	AN_CMD_GET_VERSION = 0x01,
	AN_CMD_GET_ID = 0x02,
	AN_CMD_READ = 0x11,
	AN_CMD_GO = 0x21,
	AN_CMD_WRITE = 0x31,
	AN_CMD_ERASE = 0x43,
	AN_CMD_EXT_ERASE = 0x44,
	AN_CMD_WRITE_PROTECT = 0x63,
	AN_CMD_WRITE_UNPROTECT = 0x73,
	AN_CMD_READOUT_PROTECT = 0x82,
	AN_CMD_READOUT_UNPROTECT = 0x92,
	AN_CMD_GET_CHECKSUM = 0xA1
};

/* Erase lists: ERASE (0x43) counts in one byte and 0xFF means "global",
 * so 255 pages at most; EXTENDED ERASE (0x44) could name 0xFFF0, but the
 * L152/L082 ROMs fail above 511, the limit stm32flash settled on. */
#define AN_ERASE_MAX 255u
#define AN_EXT_ERASE_MAX 511u

/* The byte link the protocol runs over (backends/serial/byte_link.h). */
typedef byte_link an_link;

/* Timeouts in milliseconds; an_init sets defaults, the backend adjusts
 * them from the chip database once it knows the part. */
typedef struct an_timing {
	unsigned sync_ms;       /* wait for the answer to one 0x7F */
	unsigned sync_tries;    /* 0x7F attempts before giving up */
	unsigned ack_ms;        /* ACK after a command byte or an address */
	unsigned probe_ms;      /* wait after one re-sync probe byte */
	unsigned read_ms;       /* one READ MEMORY block */
	unsigned write_ms;      /* one WRITE MEMORY block, programming included */
	unsigned unit_erase_ms; /* per listed page or sector */
	unsigned mass_erase_ms; /* mass erase, bank erase, readout unprotect */
	unsigned reset_ms;      /* deadline to re-sync after a reset */
	unsigned settle_ms;     /* pause before the first 0x7F after a reset */
	/* -tm (stp_ctx_timeout_ms): the longest one command may wait for its
	 * answer, whatever it erases; 0 = the figures above. */
	unsigned cap_ms;
} an_timing;

/* Tries per block before an error: the first and up to 5 retries.  At a
 * byte error rate of 1e-3 about one 256-byte block in four is hit; six
 * tries make a block fail about once in 7000, so a long download over a
 * noisy line still ends, while a ROM that refuses a block (protection,
 * bad address) is reported within a second. */
#define AN_TRIES 6
#define AN_NOISE_LIMIT 16
#define AN_NOISY_BLOCK 64u

typedef struct an_dev {
	stp_ctx *ctx;
	const an_link *link;
	const char *port;        /* for messages */
	an_timing t;
	/* What the bootloader said about itself. */
	uint8_t bl_version;      /* GET: 0x31 = v3.1 */
	uint8_t ncmds;
	uint8_t cmds[32];        /* GET's command list (the first 32) */
	bool have_cmds;          /* GET answered, so cmds can be trusted */
	uint8_t version;         /* GET VERSION */
	uint8_t option[2];
	uint16_t pid;            /* GET ID */
	bool gone;               /* GO ran: the bootloader is not there */
	/* The last exchange failed and getting back in step failed too, so
	 * the next one starts with an_resync. */
	bool dirty;
	uint8_t cmd;             /* the command of the exchange under way */
	/* Counters, for logs and tests. */
	unsigned retries;        /* blocks tried again */
	unsigned resyncs;        /* command-state recoveries */
	unsigned resets;         /* re-syncs after a device reset */
	/* How damaged the line looks: +8 per retry, -1 per exchange that
	 * worked at once, 0..64; above AN_NOISE_LIMIT memory blocks go in
	 * frames of AN_NOISY_BLOCK bytes (an3155_mem.c). */
	unsigned noise;
	/* The step the last failed exchange was at, for hints. */
	enum { AN_AT_CMD, AN_AT_ADDR, AN_AT_DATA, AN_AT_END } stage;
	/* Set while an exchange is being tried again: how the try before
	 * ended (an3155.c's res) and where. */
	int prev_res;
	int prev_stage;
	/* The last bytes sent in one piece, so a re-sync can pick a filler
	 * byte that none of them equals (see an_resync). */
	uint8_t last_tx[258];
	size_t last_ntx;
	char why[160];
} an_dev;

void an_init(an_dev *d, stp_ctx *ctx, const an_link *link, const char *port);

/* 0x7F handshake.  ACK = synced; junk before the ACK is skipped; a NACK
 * means the ROM was already synced (it took an earlier 0x7F as a command
 * byte and NACKed the next).  Fails with a hint on what to check. */
stp_status an_sync(an_dev *d);
/* For noinit=1: proves a synced bootloader answers, with GET. */
stp_status an_probe(an_dev *d);
/* GET, GET VERSION, GET ID (the last one must work). */
stp_status an_get(an_dev *d);
stp_status an_identify(an_dev *d);
bool an_has(const an_dev *d, uint8_t cmd);

stp_status an_read(an_dev *d, uint32_t addr, uint8_t *buf, uint32_t len);
/* addr and len must be multiples of 4, len 4..256. */
stp_status an_write(an_dev *d, uint32_t addr, const uint8_t *buf, uint32_t len);

/* Erase by page/sector numbers with EXTENDED ERASE when the ROM lists it,
 * else ERASE; lists longer than the command's limit are split.  addrs
 * (NULL, or one per page) only make messages name addresses. */
stp_status an_erase_pages(an_dev *d, const uint16_t *pages,
                          const uint32_t *addrs, size_t n);
stp_status an_erase_mass(an_dev *d);
/* bank 0 or 1 (EXTENDED ERASE 0xFFFE / 0xFFFD). */
stp_status an_erase_bank(an_dev *d, unsigned bank);

/* GET CHECKSUM: CRC-32 (STM32 CRC unit) of len bytes at addr, both
 * multiples of 4. */
stp_status an_crc(an_dev *d, uint32_t addr, uint32_t len, uint32_t *crc);
stp_status an_go(an_dev *d, uint32_t addr);
/* After GO: where is the chip?  Up to two 0x7F: an ACK means the
 * bootloader restarted (the session is usable again after it), a NACK
 * that the ROM never left its command loop (also usable), silence that
 * something else owns the line now. */
typedef enum an_after_go {
	AN_GO_LEFT = 0,
	AN_GO_RESTARTED,
	AN_GO_STAYED
} an_after_go;
an_after_go an_check_after_go(an_dev *d);
/* GET's answer makes sense: a version, no code twice, nothing unknown,
 * and the commands every AN3155 bootloader has.  why (may be NULL) says
 * what is wrong. */
bool an_get_consistent(uint8_t version, const uint8_t *codes, size_t n,
                       char *why, size_t whylen);

/* The commands after which the ROM resets: each waits for the reset,
 * re-syncs and runs GET again so the session stays usable. */
stp_status an_readout_protect(an_dev *d);
stp_status an_readout_unprotect(an_dev *d);
stp_status an_write_protect(an_dev *d, const uint16_t *units, size_t n);
stp_status an_write_unprotect(an_dev *d);
/* WRITE MEMORY into the option bytes: one try only (the device erases
 * every option byte, writes, and resets), then the re-sync. */
stp_status an_write_option_bytes(an_dev *d, uint32_t addr, const uint8_t *buf,
                                 uint32_t len);

/* After a reset: 0x7F until the ROM ACKs or deadline_ms passes, then
 * GET.  Used by the commands above; public for the backend and tests. */
stp_status an_resync_after_reset(an_dev *d, unsigned deadline_ms,
                                 const char *after);
/* Puts a ROM that is somewhere inside a frame back to waiting for a
 * command (see an3155.c); falls back to 0x7F if it seems to have reset.
 * Succeeds only once a GET has answered exactly as expected, so a late
 * byte is never taken for the answer that puts us in step. */
stp_status an_resync(an_dev *d);
/* After READ (or another command) was refused: whether readout
 * protection is established, i.e. right after a verified re-sync GET
 * still answers and READ MEMORY is refused at its command byte, twice.
 * Only then may a message blame protection and suggest -rdu. */
bool an_rdp_established(an_dev *d);
/* The byte an_resync sends, chosen from the last frame sent. */
uint8_t an_filler(const an_dev *d);

/* "READ MEMORY (0x11)" */
const char *an_cmd_name(uint8_t cmd);

#endif

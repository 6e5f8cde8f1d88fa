/* The host side of ST's CAN bootloaders over a frame link (can_link.h):
 * AN3154 (classic CAN, 8-byte frames) and AN5405 (FDCAN, 64-byte FD
 * frames with bit-rate switching).  Both have the same shape: every
 * command is a frame whose identifier is the command code, and the device
 * answers ACK (0x79) or NACK (0x1F) one-byte frames and data frames on
 * that same identifier.  What they share lives in can_proto.c (exchanges,
 * sync, GET, READ, GO, the protection commands and the re-sync after the
 * reset they cause); an3154.c has SPEED, WRITE and ERASE (0x43) with
 * 8-byte frames, an5405.c the start frame, WRITE and ERASE (0x44). */
#ifndef STMPROG_CAN_PROTO_H
#define STMPROG_CAN_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "can_link.h"
#include "stmprog/context.h"

#define CP_ACK_BYTE 0x79
#define CP_NACK_BYTE 0x1F

/* AN3154: the sync frame's identifier; AN5405: the start frame's. */
#define CP_SYNC_ID 0x79
#define CP_START_ID 0x111
#define CP_START_BYTE 0x5A
/* AN3154: host data frames of WRITE go on this identifier (the ROM takes
 * any; this is the one ST's note uses). */
#define CP_WRITE_DATA_ID 0x04

enum {
	CP_CMD_GET = 0x00,
	CP_CMD_GET_VERSION = 0x01,
	CP_CMD_GET_ID = 0x02,
	CP_CMD_SPEED = 0x03,
	CP_CMD_READ = 0x11,
	CP_CMD_GO = 0x21,
	CP_CMD_WRITE = 0x31,
	CP_CMD_ERASE = 0x43,
	CP_CMD_EXT_ERASE = 0x44,
	CP_CMD_WRITE_PROTECT = 0x63,
	CP_CMD_WRITE_UNPROTECT = 0x73,
	CP_CMD_READOUT_PROTECT = 0x82,
	CP_CMD_READOUT_UNPROTECT = 0x92
};

/* Units one erase command may name: one byte each in an 8-byte frame
 * (AN3154); two bytes each in one 64-byte frame (AN5405). */
#define CP_ERASE_MAX_3154 8u
#define CP_ERASE_MAX_5405 32u

/* AN3154 WRITE: data frames sent before the ACK to the first of them has
 * come, at most.  The host's data frames (ID 0x04) win arbitration over
 * the ROM's ACKs (0x31), so while they come the ROM's ACK waits and the
 * frames behind it queue in the ROM's receive FIFO, three frames deep on
 * bxCAN (a fourth would be lost).  Three unanswered frames keep at most
 * two in that FIFO, whether the ROM frees a FIFO slot before or after its
 * ACK has gone out; an adapter's three transmit mailboxes hold them too.
 * Each frame sent ahead hides one ACK's bus time of the host's own
 * turnaround (docs/can.md, "Performance"). */
#define CP_WRITE_WINDOW 3u

/* Tries per READ or WRITE block: the first and up to 3 more, each after a
 * re-sync.  CAN frames carry a CRC the controllers check and retransmit,
 * so a lost frame is rare; a block that fails four times is a real
 * problem, and saying so early beats retrying for a minute. */
#define CP_TRIES 4

typedef enum cp_proto {
	CP_AN3154 = 0,
	CP_AN5405
} cp_proto;

typedef struct cp_timing {
	unsigned sync_ms;       /* answer to one sync/start frame */
	unsigned sync_tries;    /* sync frames at connect */
	unsigned ack_ms;        /* ACK after a command frame or a data frame */
	unsigned read_ms;       /* the data and final ACK of one READ */
	unsigned write_ms;      /* the final ACK of one WRITE (programming) */
	unsigned unit_erase_ms; /* per listed page or sector */
	unsigned mass_erase_ms; /* mass or bank erase, readout unprotect */
	unsigned reset_ms;      /* deadline to re-sync after a reset */
	unsigned settle_ms;     /* pause before the first sync after a reset */
	/* -tm (stp_ctx_timeout_ms): the longest one command may wait for its
	 * answer, whatever it erases; 0 = the figures above. */
	unsigned cap_ms;
} cp_timing;

/* How an exchange ended. */
typedef enum cp_res {
	CP_OK = 0,
	CP_TIMEOUT,
	CP_NACK,
	CP_JUNK,      /* a frame that is not the answer expected */
	CP_IO
} cp_res;

typedef struct cp_dev {
	stp_ctx *ctx;
	const can_link *link;
	const char *port;        /* for messages */
	cp_proto proto;
	cp_timing t;
	/* AN3154 bit rates: where the ROM starts after every reset, where the
	 * adapter is now, and what SPEED should reach (0: stay). */
	unsigned base_kbps;
	unsigned kbps;
	unsigned speed_kbps;
	/* AN5405: the data-phase rate the adapter was opened at (0: not
	 * known here, e.g. SocketCAN set up outside), for messages. */
	unsigned data_kbps;
	/* What the bootloader said about itself. */
	uint8_t bl_version;
	uint8_t ncmds;
	uint8_t cmds[32];
	bool have_cmds;
	uint16_t pid;
	/* H7 (AN5405): a READ of protected memory gets no answer at all. */
	bool silent_protected_read;
	bool gone;               /* GO ran */
	/* AN3154 WRITE data frames in flight before the first one's ACK
	 * (1..CP_WRITE_WINDOW); cp_init sets 1, one frame per ACK as the
	 * note draws it, and the backend CP_WRITE_WINDOW. */
	unsigned write_window;
	/* Where the last exchange stopped: a NACK to the command itself is a
	 * refusal; later it is a failed operation worth another try. */
	enum { CP_AT_CMD, CP_AT_DATA, CP_AT_END } stage;
	/* Counters, for logs and tests. */
	unsigned retries, resyncs, resets;
	unsigned ignored;        /* frames on other identifiers skipped */
	/* Of those, answers on the WRITE MEMORY identifier: an AN3154 ROM
	 * still inside a WRITE answers every frame there, a sync frame too. */
	unsigned write_answers;
	unsigned flushed_writes; /* interrupted WRITEs finished at a sync */
	char why[200];           /* how the last failed exchange ended */
} cp_dev;

void cp_init(cp_dev *d, stp_ctx *ctx, const can_link *link, const char *port,
             cp_proto proto, unsigned base_kbps);
const char *cp_cmd_name(uint8_t cmd);
const char *cp_proto_name(cp_proto p);
bool cp_has(const cp_dev *d, uint8_t cmd);
/* True for the PIDs whose FDCAN ROM stays silent on protected reads. */
bool cp_pid_silent_read(uint16_t pid);

/* ---- exchanges (can_proto.c), used by an3154.c and an5405.c ---------- */
cp_res cp_why(cp_dev *d, cp_res r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sends data on id as the protocol frames it: classic, or FD with BRS
 * padded with 0xFF up to a legal FD length. */
cp_res cp_send(cp_dev *d, uint32_t id, const uint8_t *data, size_t len);
/* One frame as cp_send would send it, and frames so made in one call to
 * the link (one write to an slcan adapter). */
void cp_frame(const cp_dev *d, cl_frame *f, uint32_t id, const uint8_t *data,
              size_t len);
cp_res cp_send_frames(cp_dev *d, const cl_frame *f, size_t n);
/* The same for len bytes in frames of per bytes (the last one shorter),
 * in one call to the link: one write to an slcan adapter. */
cp_res cp_send_split(cp_dev *d, uint32_t id, const uint8_t *data, size_t len,
                     size_t per);
/* Waits for the next frame that answers cmd (other traffic is skipped). */
cp_res cp_wait(cp_dev *d, uint32_t cmd, cl_frame *f, unsigned ms,
               const char *what);
/* Waits for an ACK frame; NACK and anything else are reported. */
cp_res cp_ack(cp_dev *d, uint32_t cmd, unsigned ms, const char *what);
/* Reads frames until the bus has been quiet for a moment (bounded). */
void cp_drain(cp_dev *d);
/* Sends cmd with its parameters and waits for the first ACK. */
cp_res cp_command(cp_dev *d, uint8_t cmd, const uint8_t *p, size_t n);
stp_status cp_status(cp_res r);
/* The hint for a failure that ended with r. */
const char *cp_hint(const cp_dev *d, cp_res r);
/* Runs once(d, arg) up to tries times, re-syncing between tries after a
 * timeout or a stray frame (never after a NACK: the ROM refused). */
cp_res cp_tries(cp_dev *d, cp_res (*once)(cp_dev *, void *), void *arg,
                unsigned tries, unsigned *used);

/* ---- costs ------------------------------------------------------------ */
/* A host's turnaround between the last frame of one request and the
 * next request: a USB adapter's frame each way. */
#define CP_TURNAROUND_US 1000u
/* Nanoseconds one standard-ID frame of len data bytes holds the bus at
 * the session's rates, with worst-case bit stuffing (the model
 * docs/can.md gives; the simulator paces frames by the same one). */
uint64_t cp_frame_ns(const cp_dev *d, unsigned len);
/* Microseconds to read 1 KiB in 256-byte READs at the current rates:
 * every frame of each READ and one turnaround per READ. */
uint32_t cp_read_us_per_kib(const cp_dev *d);

/* ---- the session ------------------------------------------------------ */
/* The handshake: AN3154 sync frame (ACK or NACK both mean synced), or
 * AN5405 start frame; tries frames, ms each. */
stp_status cp_sync(cp_dev *d, unsigned tries, unsigned ms);
/* GET and GET ID. */
stp_status cp_identify(cp_dev *d);
stp_status cp_read(cp_dev *d, uint32_t addr, uint8_t *buf, uint32_t len);
stp_status cp_write(cp_dev *d, uint32_t addr, const uint8_t *buf,
                    uint32_t len);
/* units: page/sector numbers; addrs (NULL or one per unit) for messages. */
stp_status cp_erase_units(cp_dev *d, const uint16_t *units,
                          const uint32_t *addrs, size_t n);
stp_status cp_erase_mass(cp_dev *d);
stp_status cp_erase_bank(cp_dev *d, unsigned bank);
stp_status cp_go(cp_dev *d, uint32_t addr);
/* After GO: whether the bootloader still answers the handshake (at its
 * start rate, after a settle pause, two frames).  CP_OK: it answered, the
 * chip is back in (or never left) its bootloader, and the session is
 * usable again; CP_TIMEOUT (or CP_JUNK, someone else's answer): it left;
 * CP_IO: the adapter failed, so nobody knows (d->why). */
cp_res cp_back_after_go(cp_dev *d);
/* These reset the chip: each waits for the reset and re-syncs. */
stp_status cp_readout_protect(cp_dev *d);
stp_status cp_readout_unprotect(cp_dev *d);
stp_status cp_write_protect(cp_dev *d, const uint16_t *units, size_t n);
stp_status cp_write_unprotect(cp_dev *d);
/* WRITE into the option bytes: one try, then the reset and re-sync. */
stp_status cp_write_option_bytes(cp_dev *d, uint32_t addr,
                                 const uint8_t *buf, uint32_t len);
/* After a reset: the adapter back at the ROM's start rate, sync until
 * deadline_ms, GET, and SPEED again when one was asked for. */
stp_status cp_resync_after_reset(cp_dev *d, unsigned deadline_ms,
                                 const char *after);

/* ---- AN3154 only (an3154.c) ------------------------------------------- */
/* SPEED to kbps (250, 500 or 1000; 125 too): ACK at the old rate, the
 * adapter follows, ACK at the new rate. */
stp_status an3154_speed(cp_dev *d, unsigned kbps);
/* Code for SPEED's parameter, 0 if the rate has none. */
uint8_t an3154_speed_code(unsigned kbps);
cp_res an3154_write_once(cp_dev *d, uint32_t addr, const uint8_t *buf,
                         uint32_t len);
/* A ROM inside a WRITE (its ACK lost, or the host that sent it killed):
 * filler frames until it is back at its command loop; frames_left bounds
 * them (plus a few for lost ones). */
void an3154_finish_write(cp_dev *d, uint32_t frames_left);
cp_res an3154_erase_once(cp_dev *d, const uint16_t *units, size_t n,
                         bool mass);

/* ---- AN5405 only (an5405.c) ------------------------------------------- */
cp_res an5405_write_once(cp_dev *d, uint32_t addr, const uint8_t *buf,
                         uint32_t len);
/* code: 0xFFFF mass, 0xFFFE bank 1, 0xFFFD bank 2, or 0 with units. */
cp_res an5405_erase_once(cp_dev *d, const uint16_t *units, size_t n,
                         uint16_t code);

#endif

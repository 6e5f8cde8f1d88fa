/* libstmprog: a connected target, whatever bootloader interface it is on.
 *
 * Front-ends open a target from a port specification; the core finds the
 * backend module that claims the port, and every operation below is
 * dispatched to it.  Operations a backend does not offer fail with
 * STP_ERR_UNSUPPORTED and a sentence naming the backend, so front-ends
 * never need to know which backend is behind a target.
 *
 * Ownership and threading: stp_target_open gives the caller a target to
 * close with stp_target_close (stp_target_close(NULL) does nothing).  The
 * info, caps and backend name it returns belong to the target and are
 * valid until it is closed.  A target records its failures on the
 * context it was opened with: a target and its context are used by one
 * thread at a time (stp_cancel excepted, see stmprog/context.h), while
 * different targets on different contexts run in parallel, one thread
 * each.  The port info stp_enumerate hands the callback is valid only
 * during the call.  Buffers passed in (read, write, erase lists) stay the
 * caller's.
 */
#ifndef STMPROG_TARGET_H
#define STMPROG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"
#include "stmprog/portspec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stp_target stp_target;

#define STP_MAX_ALTS 8

/* What a bootloader says about itself. */
typedef struct stp_device_info {
	uint16_t pid;            /* product ID, 0 if the bootloader cannot tell */
	uint8_t bl_version;      /* 0x31 = v3.1; 0 if unknown */
	uint8_t ncommands;       /* command codes the bootloader lists (GET) */
	uint8_t commands[32];
	char description[128];   /* e.g. "STM32  BOOTLOADER", adapter name */
	char serial[64];         /* USB serial number, "" if none */
	unsigned nalts;          /* DfuSe alternate settings */
	struct {
		uint8_t alt;
		char name[256];  /* the memory-layout string as the ROM gives it */
	} alts[STP_MAX_ALTS];
	/* Filled by the core from the chip database: */
	const stp_chip *chip;    /* NULL when the PID is unknown */
	uint32_t flash_size;     /* the part's real flash size, 0 if unknown */
	/* USB backends (ABI 1.1): the device's IDs and where it is plugged,
	 * so a .dfu file's suffix can be checked against them; 0 / "" on
	 * other transports. */
	uint16_t usb_vid, usb_pid, usb_bcd_device;
	char usb_location[32];   /* "1-1.4" (bus-port.port...) */
	/* ABI 1.2: how sure the identification is.  A backend that cannot
	 * read the PID (DfuSe: memory-layout strings only) lists every PID
	 * the device's answers fit, best first, and sets pid to the first
	 * (or to the one stp_portspec.chip_pid names, when it is among them);
	 * a bootloader that names its PID itself (GET ID) leaves these 0. */
	uint16_t candidates[8];
	uint8_t ncandidates;
	uint8_t id_flags;        /* STP_ID_* */
	/* Set by the core: what the part is, in words, for the user
	 * ("STM32G0B0xx/0B1xx/0C1xx", or "readout-protected chip, F2/F4
	 * family (PID 0x411 or 0x413)"). */
	char identity[256];
	/* ABI 1.3, filled by the core on connect: the chip's 96-bit unique
	 * ID (the chip database's uid_addr, read through the bootloader),
	 * as the chip stores it, and whether it could be read. */
	uint8_t uid[12];
	uint8_t uid_status;      /* STP_UID_* */
} stp_device_info;

/* stp_device_info.uid_status */
enum {
	STP_UID_UNREAD = 0,      /* not tried (no chip identified) */
	STP_UID_READ,            /* uid holds the chip's unique ID */
	STP_UID_PROTECTED,       /* the bootloader refused the read:
	                            readout protection */
	STP_UID_NO_ADDRESS,      /* the chip database has no UID address */
	STP_UID_UNREADABLE       /* the bootloader cannot read that address
	                            (DfuSe without that memory, a failure) */
};

/* stp_device_info.id_flags */
enum {
	/* Candidates remain that differ in what chip-specific operations
	 * (option bytes, protection, the empty-check reload) depend on: the
	 * core refuses those until --chip (stp_portspec.chip_pid) names it. */
	STP_ID_AMBIGUOUS = 1u << 0,
	/* The bootloader refused reads for readout protection, so nothing
	 * beyond its strings could be asked (the identity says so). */
	STP_ID_PROTECTED = 1u << 1,
	/* The part was chosen among the candidates by stp_portspec.chip_pid. */
	STP_ID_NAMED = 1u << 2
};

/* How the transport differs, so the core plans honestly.  Each flag is
 * read by the core: mass and bank erase by stp_target_erase and the
 * planner, CRC by the engine's comparison and verify. */
enum {
	STP_CAP_MASS_ERASE = 1u << 0,    /* one command erases everything */
	STP_CAP_BANK_ERASE = 1u << 1,    /* one command erases a bank */
	STP_CAP_CRC = 1u << 2,           /* the device computes CRCs (verify) */
	/* A line drives NRST (a serial port's init= EXIT pulses one), so
	 * stp_target_reset(STP_RESET_HARD) can; read by the job's checks
	 * before its first erase. */
	STP_CAP_HARD_RESET = 1u << 3
};

typedef struct stp_caps {
	uint32_t max_read;      /* bytes one read may move (256 UART/CAN) */
	uint32_t max_write;     /* bytes one write may move */
	uint32_t write_align;   /* address and length multiple a write needs */
	uint32_t max_erase_list;/* units one erase command may list, 0 = any */
	uint32_t flags;         /* STP_CAP_* */
	/* ABI 2.1: what reading costs on this link as it runs now, for the
	 * engine's cost model (read a unit to skip its erase or a comparison
	 * only when that is cheaper): microseconds to read 1 KiB in max_read
	 * requests, turnarounds included; 0 = unknown, never read to save. */
	uint32_t read_us_per_kib;
} stp_caps;

typedef enum stp_erase_kind {
	STP_ERASE_UNITS = 0,    /* the listed pages/sectors */
	STP_ERASE_BANK,         /* one whole bank */
	STP_ERASE_MASS          /* all of the flash */
} stp_erase_kind;

typedef struct stp_erase_req {
	stp_erase_kind kind;
	unsigned bank;                 /* STP_ERASE_BANK */
	size_t nunits;                 /* STP_ERASE_UNITS */
	const stp_erase_unit *units;
} stp_erase_req;

/* One port or device found by enumeration (stmprog -l). */
typedef struct stp_port_info {
	stp_transport transport;
	const char *backend;     /* the backend that found it */
	char port[256];          /* what to give as port= */
	char description[256];   /* human description */
	char serial[64];
	uint16_t vid, pid;       /* USB IDs when known, else 0 */
	char details[1024];      /* more lines (DfuSe layouts), may be "" */
	/* ABI 1.3: where the device is plugged, as port= or path= selects
	 * it: USB "1-2.3" (bus-port.port...), a serial port's
	 * /dev/serial/by-path/... and /dev/serial/by-id/... names; "". */
	char path[256];
	char by_id[256];
	/* Another device enumerated by the same backend has this serial:
	 * select these by path. */
	bool serial_shared;
} stp_port_info;

/* Called once per port found, on the calling thread; port is valid only
 * during the call (copy what you keep). */
typedef void (*stp_port_fn)(void *user, const stp_port_info *port);

/* Lists the ports of one transport (or all with STP_TRANSPORT_NONE)
 * through every loaded backend. */
stp_status stp_enumerate(stp_ctx *ctx, stp_transport transport,
                         stp_port_fn fn, void *user);

stp_status stp_target_open(stp_ctx *ctx, const stp_portspec *spec,
                           stp_target **out);
void stp_target_close(stp_target *t);

const stp_device_info *stp_target_info(const stp_target *t);
const stp_caps *stp_target_caps(const stp_target *t);
const char *stp_target_backend_name(const stp_target *t);

/* Reads and writes of any length: the core splits them into the
 * backend's block size and reports progress. */
stp_status stp_target_read(stp_target *t, uint32_t addr, uint8_t *buf,
                           size_t len);
stp_status stp_target_write(stp_target *t, uint32_t addr, const uint8_t *buf,
                            size_t len);
stp_status stp_target_erase(stp_target *t, const stp_erase_req *req);
stp_status stp_target_crc(stp_target *t, uint32_t addr, uint32_t len,
                          uint32_t *crc);
/* Starts the application whose vector table is at addr, always a real
 * address (stp_start in stmprog/start.h picks the flash base and checks
 * the table first).  The backend returns only once the chip left its
 * bootloader. */
stp_status stp_target_go(stp_target *t, uint32_t addr);
stp_status stp_target_readout_protect(stp_target *t);
stp_status stp_target_readout_unprotect(stp_target *t);
stp_status stp_target_write_protect(stp_target *t, const uint16_t *units,
                                    size_t n);
stp_status stp_target_write_unprotect(stp_target *t);
stp_status stp_target_option_bytes_read(stp_target *t, uint8_t *buf,
                                        uint32_t len);
stp_status stp_target_option_bytes_write(stp_target *t, const uint8_t *buf,
                                         uint32_t len);

/* How stp_target_reset restarts the chip (the vendor CLI's -rst and
 * -hardRst). */
typedef enum stp_reset_kind {
	/* Whatever the transport has: over UART the init= exit sequence
	 * when one drives NRST, else GO to the reset handler; over DFU the
	 * leave or a USB reset; over CAN GO. */
	STP_RESET_SOFT = 0,
	/* NRST itself, driven by a line (init= exit sequence, CBUS or GPIO
	 * pin); refused with a hint when no line drives it. */
	STP_RESET_HARD
} stp_reset_kind;

/* Restarts the chip, which then runs what its boot pins select; how
 * (howlen bytes, may be NULL) receives a sentence saying what was done.
 * The chip has left its bootloader: nothing else may be sent to it but
 * stp_target_close. */
stp_status stp_target_reset(stp_target *t, stp_reset_kind kind, char *how,
                            size_t howlen);

#ifdef __cplusplus
}
#endif
#endif

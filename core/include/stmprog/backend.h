/* libstmprog: the backend module ABI.
 *
 * A backend is a libtool module (-module -avoid-version) that exports one
 * symbol, STP_BACKEND_SYMBOL, of type stp_backend_desc.  The core
 * loads every module it finds in the backend directory and refuses, with a
 * message naming the file, a module whose ABI major differs from its own,
 * whose descriptor or ops table is smaller than this header's, or that was
 * built with another size of any struct the two sides exchange
 * (stp_backend_sizes: the port specification, device info, capabilities,
 * erase request and unit, port info).
 *
 * Compatible changes (new ops at the end of stp_backend_ops, new fields at
 * the end of the descriptor) bump the minor version; the core then checks
 * a module's struct sizes before it looks at a newer field.  A change to
 * any exchanged struct makes its size differ, so every module must be
 * rebuilt: bump the major version for it, as for anything else.
 *
 * Backends link libstmprog and report failures with stp_fail() on the
 * context they were opened with; they never print.  An op a backend cannot
 * do stays NULL and the core answers STP_ERR_UNSUPPORTED for it.
 * Reads and writes are never asked for more than caps.max_read or
 * caps.max_write bytes at once.
 *
 * Ownership and threading: the core calls a session's ops (open to close)
 * from one thread at a time, but different sessions, and enumerate, may
 * run on several threads at once, each with its own context: a backend
 * keeps its state in the session and must have no mutable global state
 * (or must lock it).  The session belongs to the backend from open until
 * close; buffers passed to ops stay the core's.  The descriptor and the
 * strings it points to must live as long as the module is loaded, which
 * is until the process exits.
 */
#ifndef STMPROG_BACKEND_H
#define STMPROG_BACKEND_H

#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/dfuse.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1.2: stp_device_info identification fields, stp_portspec.chip_pid.
 * 1.3: stp_device_info.uid*, stp_port_info.path/by_id/serial_shared,
 *      stp_portspec.usb_path (the exchanged structs grew without a major
 *      bump, and nothing caught a module built with the old layouts).
 * 2.0: the descriptor carries the size of every exchanged struct
 *      (stp_backend_desc.sizes) and the loader refuses a module whose
 *      sizes differ; a 1.x module has no such fields, so it cannot be
 *      checked and is refused by its major version.  The capability flags
 *      nothing read (go, resets on protect or option-byte write, go
 *      disconnects, erase by address) are deprecated (stmprog/target.h).
 * 2.1: stp_caps.read_us_per_kib (the cost of reading, for the engine's
 *      cost model); stp_chip.small_erase_ms and ob_program_ms.
 * 2.2: the reset op (-rst/-hardRst); the ops table grew, so an older
 *      module's smaller ops_size is refused by the loader. */
#define STP_BACKEND_ABI_MAJOR 2
#define STP_BACKEND_ABI_MINOR 2
#define STP_BACKEND_SYMBOL "stp_backend_descriptor"

typedef struct stp_backend_ops {
	/* Reports every port this backend can see; optional. */
	stp_status (*enumerate)(stp_ctx *ctx, stp_port_fn fn, void *user);
	/* Opens the port and gets the bootloader's attention (sync). */
	stp_status (*open)(stp_ctx *ctx, const stp_portspec *spec, void **session);
	void (*close)(void *session);
	/* Fills what the bootloader tells about itself (PID, version,
	 * commands, alternate settings) and the transport's capabilities. */
	stp_status (*identify)(void *session, stp_device_info *info,
	                       stp_caps *caps);
	stp_status (*read)(void *session, uint32_t addr, uint8_t *buf,
	                   uint32_t len);
	stp_status (*write)(void *session, uint32_t addr, const uint8_t *buf,
	                    uint32_t len);
	stp_status (*erase)(void *session, const stp_erase_req *req);
	stp_status (*crc)(void *session, uint32_t addr, uint32_t len,
	                  uint32_t *crc);
	stp_status (*go)(void *session, uint32_t addr);
	stp_status (*readout_protect)(void *session);
	stp_status (*readout_unprotect)(void *session);
	stp_status (*write_protect)(void *session, const uint16_t *units,
	                            size_t n);
	stp_status (*write_unprotect)(void *session);
	/* Option bytes of the connected chip at addr (its ob_start). */
	stp_status (*option_bytes_read)(void *session, uint32_t addr,
	                                uint8_t *buf, uint32_t len);
	stp_status (*option_bytes_write)(void *session, uint32_t addr,
	                                 const uint8_t *buf, uint32_t len);
	/* Restarts the chip (stp_target_reset): kind is a stp_reset_kind;
	 * writes what it did into how ("NRST pulsed by the init= exit
	 * sequence"); optional (NULL: the core says the transport cannot). */
	stp_status (*reset)(void *session, int kind, char *how, size_t howlen);
} stp_backend_ops;

/* sizeof every struct that crosses the module boundary, as the module
 * saw them when it was built; the loader compares each with its own. */
typedef struct stp_backend_sizes {
	uint32_t portspec;           /* stp_portspec (open) */
	uint32_t device_info;        /* stp_device_info (identify) */
	uint32_t caps;               /* stp_caps (identify) */
	uint32_t erase_req;          /* stp_erase_req (erase) */
	uint32_t erase_unit;         /* stp_erase_unit (stp_erase_req.units) */
	uint32_t port_info;          /* stp_port_info (enumerate) */
	/* What the core hands out for the module to read: */
	uint32_t chip;               /* stp_chip (stp_chip_by_pid, info.chip) */
	uint32_t geometry;           /* stp_geometry (stp_chip_geometry) */
	uint32_t dfuse_layout;       /* stp_dfuse_layout (stp_dfuse_parse) */
	uint32_t dfuse_group;        /* stp_dfuse_group (its groups) */
} stp_backend_sizes;

#define STP_BACKEND_SIZES_INIT                                           \
	{                                                                \
		.portspec = sizeof(stp_portspec),                          \
		.device_info = sizeof(stp_device_info),                    \
		.caps = sizeof(stp_caps),                                  \
		.erase_req = sizeof(stp_erase_req),                        \
		.erase_unit = sizeof(stp_erase_unit),                      \
		.port_info = sizeof(stp_port_info),                        \
		.chip = sizeof(stp_chip),                                  \
		.geometry = sizeof(stp_geometry),                          \
		.dfuse_layout = sizeof(stp_dfuse_layout),                  \
		.dfuse_group = sizeof(stp_dfuse_group),                    \
	}

typedef struct stp_backend_desc {
	uint16_t abi_major;          /* STP_BACKEND_ABI_MAJOR */
	uint16_t abi_minor;          /* STP_BACKEND_ABI_MINOR */
	uint32_t struct_size;        /* sizeof(stp_backend_desc) */
	uint32_t ops_size;           /* sizeof(stp_backend_ops) */
	const char *name;            /* "uart", "dfu", "can" */
	const char *description;     /* one line for --backends */
	stp_transport transport;
	/* Port names this backend claims, by prefix; the longest matching
	 * prefix among the backends of the port's transport wins. */
	const char *const *port_prefixes;
	const stp_backend_ops *ops;
	stp_backend_sizes sizes;     /* STP_BACKEND_SIZES_INIT (ABI 2.0) */
} stp_backend_desc;

/* Every module defines its descriptor with this, so the fields that
 * protect the ABI cannot be forgotten. */
#define STP_BACKEND_DEFINE(NAME, DESC, TRANSPORT, PREFIXES, OPS)         \
	const stp_backend_desc stp_backend_descriptor = {           \
		.abi_major = STP_BACKEND_ABI_MAJOR,                        \
		.abi_minor = STP_BACKEND_ABI_MINOR,                        \
		.struct_size = sizeof(stp_backend_desc),             \
		.ops_size = sizeof(stp_backend_ops),                       \
		.name = (NAME),                                            \
		.description = (DESC),                                     \
		.transport = (TRANSPORT),                                  \
		.port_prefixes = (PREFIXES),                               \
		.ops = (OPS),                                              \
		.sizes = STP_BACKEND_SIZES_INIT,                           \
	}

/* The list --backends shows: every module file found, loaded or not. */
typedef struct stp_backend_info {
	const char *name;        /* NULL when the module was refused */
	const char *description;
	const char *file;        /* the path it was loaded from */
	unsigned abi_major, abi_minor;
	stp_transport transport;
	const char *const *port_prefixes;
	const char *error;       /* why it was refused, NULL when loaded */
} stp_backend_info;

/* The directories searched, in order: STMPROG_BACKEND_PATH (a
 * colon-separated list) when set; otherwise the build tree's backends/
 * when this libstmprog is the uninstalled one, else the install dir.
 *
 * The variable is read once per context, when the context first needs a
 * backend; the modules of each distinct search path are loaded once per
 * process, shared by every context using that path, and stay loaded until
 * the process exits.  Set it before creating contexts: changing the
 * environment while other threads run is not safe (setenv is not). */
#define STP_BACKEND_PATH_ENV "STMPROG_BACKEND_PATH"

/* Lists every module file found on ctx's search path, refused ones too,
 * loading them on first use (log lines about the loading go to the
 * context that triggered it).  The list belongs to the library and stays
 * valid until the process exits; do not free it.  Thread-safe: any number
 * of contexts may call this (and stp_target_open, stp_enumerate)
 * concurrently; one context is used by one thread at a time. */
stp_status stp_backends_list(stp_ctx *ctx, const stp_backend_info **list,
                             size_t *count);
/* The search path in effect for ctx, for messages; owned by the library,
 * valid until the process exits.  Thread-safe like stp_backends_list. */
const char *stp_backends_path(stp_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif

/* libstmprog: the backend module ABI.
 *
 * A backend is a libtool module (-module -avoid-version) that exports one
 * symbol, STP_BACKEND_SYMBOL, of type stp_backend_desc.  The core
 * loads every module it finds in the backend directory and refuses a
 * module whose ABI major differs from its own, or whose descriptor or ops
 * table is smaller than this header's, with a message naming the file.
 *
 * Compatible changes (new ops at the end of stp_backend_ops, new fields at
 * the end of the descriptor) bump the minor version; the core then checks
 * a module's struct sizes before it looks at a newer field.  Anything else
 * bumps the major version.
 *
 * Backends link libstmprog and report failures with stp_fail() on the
 * context they were opened with; they never print.  An op a backend cannot
 * do stays NULL and the core answers STP_ERR_UNSUPPORTED for it.
 * Reads and writes are never asked for more than caps.max_read or
 * caps.max_write bytes at once.
 */
#ifndef STMPROG_BACKEND_H
#define STMPROG_BACKEND_H

#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STP_BACKEND_ABI_MAJOR 1
/* 1.2: stp_device_info identification fields, stp_portspec.chip_pid. */
/* 1.3: stp_device_info.uid*, stp_port_info.path/by_id/serial_shared,
 * stp_portspec.usb_path. */
#define STP_BACKEND_ABI_MINOR 3
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
} stp_backend_ops;

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
 * when this libstmprog is the uninstalled one, else the install dir. */
#define STP_BACKEND_PATH_ENV "STMPROG_BACKEND_PATH"

/* Loads the modules once per context and lists them (refused ones too). */
stp_status stp_backends_list(stp_ctx *ctx, const stp_backend_info **list,
                             size_t *count);
/* The search path in effect, for messages. */
const char *stp_backends_path(stp_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif

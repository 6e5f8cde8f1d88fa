/* A test-only backend: a chip whose flash lives in this process's memory.
 * It lets the loader, the target layer and the front-end be tested end to
 * end without any transport.  Never installed.
 *
 * Port: /stp-test/memdev.  Environment:
 *   STP_MEMDEV_PID      the chip's PID (hex, default 413)
 *   STP_MEMDEV_FLASH    a file holding the flash across runs (optional)
 *   STP_MEMDEV_JOURNAL  a file every operation is appended to (optional)
 *   STP_MEMDEV_STUCK    an address whose byte writes silently leave alone,
 *                       as write-protected flash does (optional)
 *   STP_MEMDEV_CRC      1: the device computes CRCs (as GET CHECKSUM)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/backend.h"
#include "stmprog/plan.h"

typedef struct memdev {
	stp_ctx *ctx;
	const stp_chip *chip;
	uint8_t *flash;
	uint32_t size;
	FILE *journal;
	const char *flash_file;
	long long stuck;        /* -1 = none */
} memdev;

static void note(memdev *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(memdev *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->journal)
		return;
	va_start(ap, fmt);
	vfprintf(m->journal, fmt, ap);
	va_end(ap);
	fputc('\n', m->journal);
	fflush(m->journal);
}

static stp_status md_open(stp_ctx *ctx, const stp_portspec *spec, void **out)
{
	const char *pid = getenv("STP_MEMDEV_PID");
	const char *journal = getenv("STP_MEMDEV_JOURNAL");
	memdev *m;
	FILE *f;

	if (strcmp(spec->port, "/stp-test/memdev") != 0)
		return stp_fail(ctx, STP_ERR_NOT_FOUND, NULL,
		                "memdev: no such test port %s", spec->port);
	m = calloc(1, sizeof(*m));
	if (!m)
		return STP_ERR_NOMEM;
	m->ctx = ctx;
	m->chip = stp_chip_by_pid((uint16_t)strtoul(pid ? pid : "413", NULL, 16));
	if (!m->chip) {
		free(m);
		return stp_fail(ctx, STP_ERR_NOT_FOUND, NULL, "memdev: unknown PID %s",
		                pid);
	}
	m->size = m->chip->flash_size;
	m->flash = malloc(m->size);
	if (!m->flash) {
		free(m);
		return STP_ERR_NOMEM;
	}
	memset(m->flash, m->chip->erased_value, m->size);
	m->flash_file = getenv("STP_MEMDEV_FLASH");
	if (m->flash_file && (f = fopen(m->flash_file, "rb"))) {
		size_t got = fread(m->flash, 1, m->size, f);
		(void)got;
		fclose(f);
	}
	if (journal)
		m->journal = fopen(journal, "a");
	m->stuck = getenv("STP_MEMDEV_STUCK")
	                   ? (long long)strtoul(getenv("STP_MEMDEV_STUCK"), NULL, 16)
	                   : -1;
	note(m, "open %s", spec->port);
	*out = m;
	return STP_OK;
}

static void md_close(void *s)
{
	memdev *m = s;
	FILE *f;

	if (m->flash_file && (f = fopen(m->flash_file, "wb"))) {
		fwrite(m->flash, 1, m->size, f);
		fclose(f);
	}
	note(m, "close");
	if (m->journal)
		fclose(m->journal);
	free(m->flash);
	free(m);
}

static stp_status md_identify(void *s, stp_device_info *info, stp_caps *caps)
{
	memdev *m = s;

	info->pid = m->chip->pid;
	info->bl_version = 0x31;
	snprintf(info->description, sizeof(info->description), "memdev");
	caps->max_read = 256;
	caps->max_write = 256;
	caps->write_align = 4;
	caps->flags = STP_CAP_MASS_ERASE;
	if (getenv("STP_MEMDEV_CRC") && !strcmp(getenv("STP_MEMDEV_CRC"), "1"))
		caps->flags |= STP_CAP_CRC;
	return STP_OK;
}

static bool in_flash(memdev *m, uint32_t addr, uint32_t len)
{
	return addr >= m->chip->flash_base &&
	       (uint64_t)addr + len <= (uint64_t)m->chip->flash_base + m->size;
}

static stp_status md_read(void *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	memdev *m = s;

	note(m, "read 0x%08X %u", addr, len);
	if (!in_flash(m, addr, len))
		return stp_fail(m->ctx, STP_ERR_NACK, NULL,
		                "memdev: read at 0x%08X refused", addr);
	memcpy(buf, m->flash + (addr - m->chip->flash_base), len);
	return STP_OK;
}

static stp_status md_write(void *s, uint32_t addr, const uint8_t *buf,
                           uint32_t len)
{
	memdev *m = s;

	note(m, "write 0x%08X %u", addr, len);
	if (!in_flash(m, addr, len))
		return stp_fail(m->ctx, STP_ERR_NACK, NULL,
		                "memdev: write at 0x%08X refused", addr);
	for (uint32_t i = 0; i < len; i++)
		if ((long long)(addr + i) != m->stuck)
			m->flash[addr - m->chip->flash_base + i] = buf[i];
	return STP_OK;
}

static stp_status md_erase(void *s, const stp_erase_req *req)
{
	memdev *m = s;

	if (req->kind == STP_ERASE_MASS) {
		note(m, "erase mass");
		memset(m->flash, m->chip->erased_value, m->size);
		return STP_OK;
	}
	for (size_t i = 0; i < req->nunits; i++) {
		const stp_erase_unit *u = &req->units[i];
		note(m, "erase unit %u 0x%08X %u", u->index, u->addr, u->size);
		if (!in_flash(m, u->addr, u->size))
			return stp_fail(m->ctx, STP_ERR_NACK, NULL,
			                "memdev: erase of unit %u refused", u->index);
		memset(m->flash + (u->addr - m->chip->flash_base),
		       m->chip->erased_value, u->size);
	}
	return STP_OK;
}

static stp_status md_crc(void *s, uint32_t addr, uint32_t len, uint32_t *crc)
{
	memdev *m = s;

	note(m, "crc 0x%08X %u", addr, len);
	if (!in_flash(m, addr, len) || len % 4)
		return stp_fail(m->ctx, STP_ERR_NACK, NULL,
		                "memdev: checksum at 0x%08X refused", addr);
	*crc = stp_crc32_stm32(0xFFFFFFFFu, m->flash + (addr - m->chip->flash_base),
	                       len);
	return STP_OK;
}

static stp_status md_go(void *s, uint32_t addr)
{
	memdev *m = s;

	note(m, "go 0x%08X", addr);
	return STP_OK;
}

static const stp_backend_ops ops = {
	.open = md_open,
	.close = md_close,
	.identify = md_identify,
	.read = md_read,
	.write = md_write,
	.erase = md_erase,
	.crc = md_crc,
	.go = md_go,
};

static const char *const prefixes[] = {"/stp-test/", NULL};

#ifdef STMPROG_TEST_OLD_PORTSPEC
/* The same module as if built against the headers before ABI 1.3 added
 * stp_portspec.usb_path (its last field, after the 16-bit chip_pid): the
 * loader must refuse it by that struct's size. */
#include <stddef.h>

#define OLD_PORTSPEC_SIZE                                                \
	((offsetof(stp_portspec, chip_pid) + sizeof(uint16_t) +          \
	  _Alignof(stp_portspec) - 1) /                                  \
	 _Alignof(stp_portspec) * _Alignof(stp_portspec))

const stp_backend_desc stp_backend_descriptor = {
	.abi_major = STP_BACKEND_ABI_MAJOR,
	.abi_minor = STP_BACKEND_ABI_MINOR,
	.struct_size = sizeof(stp_backend_desc),
	.ops_size = sizeof(stp_backend_ops),
	.name = "memdev-old-portspec",
	.description = "memdev built with the stp_portspec before usb_path "
	               "(tests only)",
	.transport = STP_TRANSPORT_UART,
	.port_prefixes = prefixes,
	.ops = &ops,
	.sizes = {
		.portspec = OLD_PORTSPEC_SIZE,
		.device_info = sizeof(stp_device_info),
		.caps = sizeof(stp_caps),
		.erase_req = sizeof(stp_erase_req),
		.erase_unit = sizeof(stp_erase_unit),
		.port_info = sizeof(stp_port_info),
		.chip = sizeof(stp_chip),
		.geometry = sizeof(stp_geometry),
		.dfuse_layout = sizeof(stp_dfuse_layout),
		.dfuse_group = sizeof(stp_dfuse_group),
	},
};
_Static_assert(OLD_PORTSPEC_SIZE < sizeof(stp_portspec),
               "usb_path is no longer stp_portspec's last field");
#else
STP_BACKEND_DEFINE("memdev", "in-memory test device (tests only)",
                   STP_TRANSPORT_UART, prefixes, &ops);
#endif

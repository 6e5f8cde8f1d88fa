/* stmprog-sim: memories, protection and persistence of the simulated chip.
 *
 * What is modelled is what a programmer can observe through a bootloader:
 * which addresses answer, what an erase and a write leave behind, what
 * protection refuses.  Peripherals, clocks and the option bytes' meaning
 * beyond the RDP byte are not modelled (docs/simulator.md lists it all). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_chip.h"
#include "sim_faults.h"
#include "sim_time.h"
#include "sim_trace.h"

/* ---- option bytes per family ----------------------------------------- */

/* How a family lays its option bytes out, as far as the simulator cares:
 * where the RDP byte is, its level-0 value, and how the other bytes carry
 * their complements, so the default image looks like a factory-fresh one. */
typedef enum ob_shape {
	OB_PLAIN,       /* bytes as they are, no complements */
	OB_BYTE_PAIRS,  /* F0/F1/F3: value byte, complement byte, ... */
	OB_HALF_WORDS,  /* L0/L1: 16-bit value, 16-bit complement per word */
	OB_WORD_PAIRS   /* L4-like: 32-bit value, 32-bit complement */
} ob_shape;

struct sim_ob_family {
	const char *families;   /* space-separated, as chip->family spells them */
	ob_shape shape;
	unsigned rdp_off;
	uint8_t level0;         /* RDP value of level 0 */
	uint8_t level1;         /* what READOUT PROTECT leaves there */
	uint8_t first;          /* default of byte 0 when it is not the RDP byte */
};

/* Level 2 is 0xCC everywhere; any other value is level 1. */
#define RDP_LEVEL2 0xCC

static const sim_ob_family ob_families[] = {
	/* F1 erases its option bytes and leaves RDP 0xFF = level 1; level 0
	 * is the key 0xA5 (PM0075). */
	{"F1", OB_BYTE_PAIRS, 0, 0xA5, 0xFF, 0},
	/* F0 and F3 use the later scheme: 0xAA level 0, 0xCC level 2
	 * (RM0091, RM0316). */
	{"F0 F3", OB_BYTE_PAIRS, 0, 0xAA, 0xBB, 0},
	/* Byte 0 is the USER byte (BOR off, software watchdog, no reset in
	 * stop/standby), byte 1 RDP; nWRP bits all 1 = nothing protected. */
	{"F2 F4 F7", OB_PLAIN, 1, 0xAA, 0xBB, 0xEC},
	{"L0 L1", OB_HALF_WORDS, 0, 0xAA, 0xBB, 0},
	{"L4 L4+ G0 G4 WB WL C0 U0", OB_WORD_PAIRS, 0, 0xAA, 0xBB, 0},
	/* H7's window starts at FLASH_OPTSR_CUR, RDP in bits 15:8; byte 0
	 * as BOR off, software watchdogs, no reset in Stop/Standby (assumed
	 * factory value, not confirmed).  H5 has no RDP: its PRODUCT_STATE
	 * sits there, 0xED = open, read as level 0 (RM0481). */
	{"H7", OB_PLAIN, 1, 0xAA, 0xBB, 0xF0},
	{"H5", OB_PLAIN, 1, 0xED, 0xBB, 0xF8},
	/* Everything else (L5, U3, U5, WBA: FLASH_OPTR first, RDP byte 0). */
	{NULL, OB_PLAIN, 0, 0xAA, 0xBB, 0},
};

static bool family_in(const char *list, const char *family)
{
	size_t n = strlen(family);

	for (const char *p = list; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, family, n))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static const sim_ob_family *ob_family_of(const stp_chip *chip)
{
	const sim_ob_family *f = ob_families;

	while (f->families && !family_in(f->families, chip->family))
		f++;
	return f;
}

/* Where the complement of byte off lives, or -1. */
static long complement_of(const sim_ob_family *f, uint32_t off)
{
	switch (f->shape) {
	case OB_BYTE_PAIRS:
		return off % 2 == 0 ? (long)off + 1 : -1;
	case OB_HALF_WORDS:
		return off % 4 < 2 ? (long)off + 2 : -1;
	case OB_WORD_PAIRS:
		return off % 8 < 4 ? (long)off + 4 : -1;
	case OB_PLAIN:
		break;
	}
	return -1;
}

static void ob_set(sim_chip *c, uint32_t off, uint8_t v)
{
	long k = complement_of(c->obf, off);

	if (off >= c->chip->ob_size)
		return;
	c->ob[off] = v;
	if (k >= 0 && (uint32_t)k < c->chip->ob_size)
		c->ob[k] = (uint8_t)~v;
}

static void ob_defaults(sim_chip *c)
{
	const sim_ob_family *f = c->obf;
	uint32_t n = c->chip->ob_size;

	/* Value bytes erased-looking except where a family is known to
	 * differ (L0/L1 keep 0x0000 = no write protection there). */
	for (uint32_t i = 0; i < n; i++)
		c->ob[i] = f->shape == OB_HALF_WORDS ? 0x00 : 0xFF;
	for (uint32_t i = 0; i < n; i++)
		if (complement_of(f, i) >= 0)
			ob_set(c, i, c->ob[i]);
	if (f->rdp_off != 0)
		ob_set(c, 0, f->first);
	ob_set(c, f->rdp_off, f->level0);
}

static int rdp_level_of(const sim_chip *c)
{
	uint8_t v;

	if (c->obf->rdp_off >= c->chip->ob_size)
		return 0;
	v = c->ob[c->obf->rdp_off];
	return v == c->obf->level0 ? 0 : v == RDP_LEVEL2 ? 2 : 1;
}

static void set_rdp(sim_chip *c, int level)
{
	ob_set(c, c->obf->rdp_off, level == 0 ? c->obf->level0 :
	                           level == 2 ? RDP_LEVEL2 : c->obf->level1);
	c->rdp = rdp_level_of(c);
}

/* ---- address map ------------------------------------------------------- */

typedef enum region {
	R_NONE = 0, R_FLASH, R_RAM, R_SYS, R_OB, R_OTP, R_EEPROM, R_UID, R_FSIZE,
	R_IDCODE
} region;

static bool in(uint32_t a, uint32_t start, uint32_t size)
{
	return size && a >= start && a - start < size;
}

/* L0 and L1 keep the UID's third word at +0x14, after three reserved
 * words of the same factory area (RM0367, RM0038); every other family
 * keeps the three words together. */
static bool uid_split(const stp_chip *k)
{
	return !strcmp(k->family, "L0") || !strcmp(k->family, "L1");
}

static uint32_t uid_span(const stp_chip *k)
{
	return uid_split(k) ? 0x18u : 12u;
}

/* The UID byte at off from uid_addr: the reserved words of L0/L1 read as
 * 0xFF here (their factory contents are not documented). */
static uint8_t uid_byte(const sim_chip *c, uint32_t off)
{
	if (!uid_split(c->chip))
		return c->uid[off];
	if (off < 8)
		return c->uid[off];
	if (off >= 0x14)
		return c->uid[8 + off - 0x14];
	return 0xFF;
}

/* The UID and flash-size registers sit inside system memory on some
 * parts (F1), so they are looked at first. */
static region region_of(const sim_chip *c, uint32_t a, uint32_t *off)
{
	const stp_chip *k = c->chip;

	if (in(a, k->uid_addr, k->uid_addr ? uid_span(k) : 0)) {
		*off = a - k->uid_addr;
		return R_UID;
	}
	if (in(a, k->flash_size_reg, k->flash_size_reg ? 2 : 0)) {
		*off = a - k->flash_size_reg;
		return R_FSIZE;
	}
	/* DBGMCU_IDCODE: readable here so a host can tell parts with the
	 * same memory map apart; whether ST's ROMs let their READ or UPLOAD
	 * reach it is not confirmed (docs/simulator.md). */
	if (in(a, stp_chip_idcode_addr(k), stp_chip_idcode_addr(k) ? 4 : 0)) {
		*off = a - stp_chip_idcode_addr(k);
		return R_IDCODE;
	}
	if (in(a, c->geo.flash_base, c->geo.flash_size)) {
		*off = a - c->geo.flash_base;
		return R_FLASH;
	}
	if (k->ram_end > k->ram_start && in(a, k->ram_start, k->ram_end - k->ram_start)) {
		*off = a - k->ram_start;
		return R_RAM;
	}
	if (in(a, k->ob_start, k->ob_size)) {
		*off = a - k->ob_start;
		return R_OB;
	}
	if (in(a, k->otp_start, k->otp_start ? k->otp_size : 0)) {
		*off = a - k->otp_start;
		return R_OTP;
	}
	if (in(a, k->eeprom_start, k->eeprom_start ? k->eeprom_size : 0)) {
		*off = a - k->eeprom_start;
		return R_EEPROM;
	}
	if (k->sysmem_end > k->sysmem_start &&
	    in(a, k->sysmem_start, k->sysmem_end - k->sysmem_start)) {
		*off = a - k->sysmem_start;
		return R_SYS;
	}
	return R_NONE;
}

/* Same region for the whole range, and no wrap-around. */
static region range_region(const sim_chip *c, uint32_t addr, uint32_t len,
                           uint32_t *off)
{
	uint32_t o;
	region r;

	if (len == 0 || addr + (uint64_t)len - 1 > UINT32_MAX)
		return R_NONE;
	r = region_of(c, addr, off);
	for (uint32_t i = 1; r != R_NONE && i < len; i++)
		if (region_of(c, addr + i, &o) != r)
			return R_NONE;
	return r;
}

/* Deterministic bytes for the ROM area: the simulator has no ROM image,
 * and a reader only needs the same bytes every time. */
static uint8_t sysmem_byte(const sim_chip *c, uint32_t a)
{
	sim_rng r;

	sim_rng_seed(&r, ((uint64_t)c->chip->pid << 40) ^ (a & ~7u) ^
	             UINT64_C(0x5359534D454D0000));
	return (uint8_t)(sim_rng_next(&r) >> (8 * (a & 7)));
}

bool sim_chip_readable(const sim_chip *c, uint32_t addr, uint32_t len)
{
	uint32_t off;

	if (len == 0 || addr + (uint64_t)len - 1 > UINT32_MAX)
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (region_of(c, addr + i, &off) == R_NONE)
			return false;
	return true;
}

void sim_chip_read(const sim_chip *c, uint32_t addr, uint8_t *buf,
                   uint32_t len)
{
	uint32_t off;
	/* What the part has, which --flash-kb may make less than the PID's
	 * largest. */
	uint32_t kib = c->geo.flash_size / 1024;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t v = 0;
		switch (region_of(c, addr + i, &off)) {
		case R_FLASH: v = c->flash[off]; break;
		case R_RAM: v = c->ram[off]; break;
		case R_OB: v = c->ob[off]; break;
		case R_OTP: v = c->otp[off]; break;
		case R_EEPROM: v = c->eeprom[off]; break;
		case R_UID: v = uid_byte(c, off); break;
		case R_FSIZE: v = (uint8_t)(kib >> (8 * off)); break;
		/* PID in bits 11:0, revision 0x1000 ("A") in 31:16. */
		case R_IDCODE: v = (uint8_t)((c->chip->pid | 0x10000000u) >> (8 * off)); break;
		case R_SYS: v = sysmem_byte(c, addr + i); break;
		case R_NONE: break;
		}
		buf[i] = v;
	}
}

bool sim_chip_writable_start(const sim_chip *c, uint32_t addr)
{
	uint32_t off;
	region r = region_of(c, addr, &off);

	return r == R_FLASH || r == R_RAM || r == R_OB || r == R_OTP ||
	       r == R_EEPROM;
}

bool sim_chip_in_flash(const sim_chip *c, uint32_t addr)
{
	uint32_t off;

	return region_of(c, addr, &off) == R_FLASH;
}

bool sim_chip_in_ram(const sim_chip *c, uint32_t addr)
{
	uint32_t off;

	return region_of(c, addr, &off) == R_RAM;
}

bool sim_chip_in_eeprom(const sim_chip *c, uint32_t addr)
{
	uint32_t off;

	return region_of(c, addr, &off) == R_EEPROM;
}

/* ---- files ------------------------------------------------------------- */

static int read_whole(const char *path, uint8_t *buf, size_t len,
                      bool *exists, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	*exists = false;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	*exists = true;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != len) {
		snprintf(err, errlen, "%s is %lld bytes, the chip needs %zu "
		         "(delete it to start afresh)", path,
		         (long long)st.st_size, len);
		close(fd);
		return -1;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			         n ? strerror(errno) : "short file");
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

/* Written beside and renamed over, so a crash never leaves half a file. */
static int write_whole(const char *path, const void *buf, size_t len)
{
	size_t plen = strlen(path) + 5;
	char *tmp = malloc(plen);
	int fd, rc = -1;
	size_t done = 0;

	if (!tmp)
		return -1;
	snprintf(tmp, plen, "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		while (done < len) {
			ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		if (close(fd) == 0 && done == len && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc != 0) {
		sim_say("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Writes changed flash bytes through at once, so a killed simulator
 * still leaves the file as the chip was. */
static void flash_sync(sim_chip *c, uint32_t off, uint32_t len)
{
	size_t done = 0;

	if (c->flash_fd < 0)
		return;
	while (done < len) {
		ssize_t n = pwrite(c->flash_fd, c->flash + off + done, len - done,
		                   (off_t)(off + done));
		if (n <= 0) {
			sim_say("cannot write %s: %s", c->path, strerror(errno));
			return;
		}
		done += (size_t)n;
	}
}

static int open_flash_file(sim_chip *c, char *err, size_t errlen)
{
	struct stat st;
	uint32_t size = c->geo.flash_size;
	size_t got = 0;

	c->flash_fd = open(c->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->flash_fd < 0 || fstat(c->flash_fd, &st) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", c->path, strerror(errno));
		return -1;
	}
	if (st.st_size == 0) {
		/* New (or empty) file: a chip fresh from the factory. */
		flash_sync(c, 0, size);
		return 0;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(err, errlen, "%s is %lld bytes, but the %s flash is %u "
		         "bytes (the file holds the whole flash, raw)", c->path,
		         (long long)st.st_size, c->chip->name, size);
		return -1;
	}
	while (got < size) {
		ssize_t n = pread(c->flash_fd, c->flash + got, size - got, (off_t)got);
		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", c->path,
			         n ? strerror(errno) : "short file");
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int parse_wrp(sim_chip *c, const char *v)
{
	const char *p = v;

	memset(c->wrp, 0, c->geo.nunits * sizeof(*c->wrp));
	while (*p) {
		char *end;
		unsigned long idx;
		if (*p < '0' || *p > '9')
			return -1;
		idx = strtoul(p, &end, 10);
		if (idx >= c->nindex || !c->unit_by_index[idx])
			return -1;
		c->wrp[c->unit_by_index[idx] - c->geo.units] = true;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

/* FILE.state: written by us, but people edit it to set a test up, so a
 * mistake is reported with its line. */
static int load_state(sim_chip *c, char *err, size_t errlen)
{
	FILE *f = fopen(c->state_path, "re");
	char line[8192];
	int lineno = 0, rc = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", c->state_path,
		         strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *v, *end;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		v = strchr(line, '=');
		if (!v) {
			rc = -1;
			break;
		}
		*v++ = '\0';
		if (!strcmp(line, "rdp")) {
			if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "2"))
				rc = -1;
			else if (rdp_level_of(c) != v[0] - '0')
				/* The state file wins: that is how a test says
				 * "start protected". */
				set_rdp(c, v[0] - '0');
		} else if (!strcmp(line, "wrp")) {
			rc = parse_wrp(c, v);
		} else if (!strcmp(line, "go")) {
			if (!strcmp(v, "none") || !*v) {
				c->go_set = false;
			} else {
				unsigned long a;
				errno = 0;
				a = strtoul(v, &end, 0);
				if (errno || *end || end == v || a > UINT32_MAX)
					rc = -1;
				c->go_set = true;
				c->go_addr = (uint32_t)a;
			}
		} else if (!strcmp(line, "app")) {
			/* What ran last time; this start is a power-on into the
			 * bootloader anyway (BOOT0 high), so it is only checked. */
			if (strcmp(v, "running") && strcmp(v, "bootloader") &&
			    strcmp(v, "none"))
				rc = -1;
		} else {
			rc = -1;
		}
	}
	fclose(f);
	if (rc != 0)
		snprintf(err, errlen, "%s:%d: expected rdp=0|1|2, wrp=N,N,..., "
		         "go=0xADDR or app=running|bootloader|none",
		         c->state_path, lineno);
	return rc;
}

const char *sim_chip_wrp_str(const sim_chip *c, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->geo.nunits; i++) {
		if (!c->wrp[i])
			continue;
		int n = snprintf(buf + used, len - used, "%s%u", used ? "," : "",
		                 (unsigned)c->geo.units[i].index);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

int sim_chip_save(sim_chip *c)
{
	static const char *apps[] = {"bootloader", "running", "none"};
	/* Up to 5 digits and a comma per unit. */
	size_t wlen = c->geo.nunits * 6 + 1, tlen = wlen + 96;
	char *text, *wrp, go[16] = "none";
	int rc = 0;

	if (!c->path || !c->loaded)
		return 0;
	text = malloc(tlen);
	wrp = malloc(wlen);
	if (!text || !wrp) {
		free(text);
		free(wrp);
		return -1;
	}
	sim_chip_wrp_str(c, wrp, wlen);
	if (c->go_set)
		snprintf(go, sizeof(go), "0x%08X", (unsigned)c->go_addr);
	snprintf(text, tlen, "rdp=%d\nwrp=%s\ngo=%s\napp=%s\n", c->rdp, wrp,
	         go, apps[c->app]);
	if (c->chip->ob_size && write_whole(c->ob_path, c->ob, c->chip->ob_size))
		rc = -1;
	if (c->otp && write_whole(c->otp_path, c->otp, c->chip->otp_size))
		rc = -1;
	if (c->eeprom &&
	    write_whole(c->eeprom_path, c->eeprom, c->chip->eeprom_size))
		rc = -1;
	if (write_whole(c->state_path, text, strlen(text)))
		rc = -1;
	free(text);
	free(wrp);
	return rc;
}

/* ---- open / close ------------------------------------------------------ */

static char *path_with(const char *path, const char *suffix)
{
	size_t n = strlen(path) + strlen(suffix) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s", path, suffix);
	return p;
}

static bool first_word_erased(const sim_chip *c)
{
	uint32_t n = c->geo.flash_size < 4 ? c->geo.flash_size : 4;

	for (uint32_t i = 0; i < n; i++)
		if (c->flash[i] != c->chip->erased_value)
			return false;
	return true;
}

int sim_chip_open(sim_chip *c, const stp_chip *chip, uint32_t flash_size,
                  const char *path, uint64_t seed, char *err, size_t errlen)
{
	stp_ctx *ctx = stp_ctx_new();
	uint32_t ramsize = chip->ram_end > chip->ram_start ?
	                   chip->ram_end - chip->ram_start : 0;
	size_t maxidx = 0;
	sim_rng r;
	bool exists;

	memset(c, 0, sizeof(*c));
	c->flash_fd = -1;
	c->chip = chip;
	c->seed = seed;
	c->obf = ob_family_of(chip);
	if (!ctx || stp_chip_geometry(ctx, chip, flash_size, &c->geo) != STP_OK) {
		snprintf(err, errlen, "chip 0x%03X: %s", (unsigned)chip->pid,
		         ctx ? stp_last_detail(ctx) : "out of memory");
		stp_ctx_free(ctx);
		return -1;
	}
	stp_ctx_free(ctx);
	for (size_t i = 0; i < c->geo.nunits; i++)
		if (c->geo.units[i].index + 1u > maxidx)
			maxidx = c->geo.units[i].index + 1u;
	c->nindex = maxidx;
	c->unit_by_index = calloc(maxidx ? maxidx : 1, sizeof(*c->unit_by_index));
	c->flash = malloc(c->geo.flash_size);
	c->ob = malloc(chip->ob_size ? chip->ob_size : 1);
	c->ram = calloc(ramsize ? ramsize : 1, 1);
	c->wrp = calloc(c->geo.nunits ? c->geo.nunits : 1, sizeof(*c->wrp));
	if (chip->otp_start && chip->otp_size)
		c->otp = malloc(chip->otp_size);
	if (chip->eeprom_start && chip->eeprom_size)
		c->eeprom = malloc(chip->eeprom_size);
	if (chip->program_unit >= 8)
		c->ecc_written = calloc(c->geo.flash_size / chip->program_unit, 1);
	if (!c->unit_by_index || !c->flash || !c->ob || !c->ram || !c->wrp ||
	    (chip->otp_start && chip->otp_size && !c->otp) ||
	    (chip->eeprom_start && chip->eeprom_size && !c->eeprom) ||
	    (chip->program_unit >= 8 && !c->ecc_written)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->geo.nunits; i++)
		c->unit_by_index[c->geo.units[i].index] = &c->geo.units[i];
	memset(c->flash, chip->erased_value, c->geo.flash_size);
	if (c->otp)
		memset(c->otp, 0xFF, chip->otp_size);
	/* A new part's data EEPROM reads erased, 0x00. */
	if (c->eeprom)
		memset(c->eeprom, STP_EEPROM_ERASED, chip->eeprom_size);
	ob_defaults(c);
	/* 96 bits of ID that depend on --seed and the PID only. */
	sim_rng_seed(&r, seed * UINT64_C(0x9E3779B97F4A7C15) ^ chip->pid);
	for (int i = 0; i < 12; i++)
		c->uid[i] = (uint8_t)sim_rng_next(&r);

	if (path) {
		c->path = strdup(path);
		c->ob_path = path_with(path, ".ob");
		c->otp_path = path_with(path, ".otp");
		c->eeprom_path = path_with(path, ".eeprom");
		c->state_path = path_with(path, ".state");
		if (!c->path || !c->ob_path || !c->otp_path || !c->eeprom_path ||
		    !c->state_path) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (open_flash_file(c, err, errlen) != 0)
			goto fail;
		if (chip->ob_size &&
		    read_whole(c->ob_path, c->ob, chip->ob_size, &exists, err, errlen))
			goto fail;
		if (c->otp &&
		    read_whole(c->otp_path, c->otp, chip->otp_size, &exists, err, errlen))
			goto fail;
		if (c->eeprom &&
		    read_whole(c->eeprom_path, c->eeprom, chip->eeprom_size, &exists,
		               err, errlen))
			goto fail;
		c->rdp = rdp_level_of(c);
		if (load_state(c, err, errlen) != 0)
			goto fail;
		/* Whatever the flash holds, ECC words that are not erased were
		 * written; erased ones are taken as never written (the file
		 * cannot tell). */
		if (c->ecc_written)
			for (uint32_t u = 0; u < c->geo.flash_size / chip->program_unit; u++)
				for (uint32_t i = 0; i < chip->program_unit; i++)
					if (c->flash[u * chip->program_unit + i] != chip->erased_value) {
						c->ecc_written[u] = 1;
						break;
					}
	}
	c->rdp = rdp_level_of(c);
	c->empty_latched = first_word_erased(c);
	c->app = c->rdp == 2 ? SIM_APP_NONE : SIM_APP_BOOTLOADER;
	c->loaded = true;
	if (sim_chip_save(c) != 0) {
		snprintf(err, errlen, "cannot write the state beside %s", path);
		goto fail;
	}
	return 0;
fail:
	sim_chip_close(c);
	return -1;
}

void sim_chip_close(sim_chip *c)
{
	if (c->loaded)
		sim_chip_save(c);
	if (c->flash_fd >= 0)
		close(c->flash_fd);
	c->flash_fd = -1;
	stp_geometry_release(&c->geo);
	free(c->unit_by_index);
	free(c->flash);
	free(c->ecc_written);
	free(c->ob);
	free(c->otp);
	free(c->eeprom);
	free(c->ram);
	free(c->wrp);
	free(c->path);
	free(c->ob_path);
	free(c->otp_path);
	free(c->eeprom_path);
	free(c->state_path);
	memset(c, 0, sizeof(*c));
	c->flash_fd = -1;
}

/* ---- write ------------------------------------------------------------- */

bool sim_chip_unit_protected(const sim_chip *c, uint32_t addr)
{
	const stp_erase_unit *u = stp_geometry_unit_at(&c->geo, addr);

	return u && c->wrp[u - c->geo.units];
}

static bool all_erased(const uint8_t *p, size_t n, uint8_t erased)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != erased)
			return false;
	return true;
}

/* Flash (or OTP) programming: the controller writes whole program units;
 * a unit only partly covered is not written, a unit that is not erased
 * keeps its bytes unless they are what was asked for anyway. */
static void program(sim_chip *c, uint8_t *mem, uint32_t base, bool is_flash,
                    uint32_t addr, const uint8_t *data, uint32_t len,
                    sim_write_result *res)
{
	uint32_t pu = c->chip->program_unit ? c->chip->program_unit : 1;
	uint8_t erased = is_flash ? c->chip->erased_value : 0xFF;
	uint32_t off = (addr - base) / pu * pu, end = addr - base + len;

	for (; off < end; off += pu) {
		uint32_t ustart = base + off;
		const uint8_t *d = data + (ustart - addr);
		uint8_t *m = mem + off;
		uint8_t *ecc = is_flash && c->ecc_written ?
		               &c->ecc_written[off / pu] : NULL;

		if (ustart < addr || off + pu > end ||
		    (is_flash && sim_chip_unit_protected(c, ustart))) {
			res->left++;
			continue;
		}
		if (!memcmp(m, d, pu)) {
			if (ecc)
				*ecc = 1;
			res->programmed++;
			continue;
		}
		if (!all_erased(m, pu, erased) || (ecc && *ecc)) {
			res->left++;
			continue;
		}
		memcpy(m, d, pu);
		if (ecc)
			*ecc = 1;
		res->programmed++;
	}
}

sim_mem sim_chip_write(sim_chip *c, uint32_t addr, const uint8_t *data,
                       uint32_t len, sim_write_result *res)
{
	uint32_t off;
	int old_rdp;

	memset(res, 0, sizeof(*res));
	switch (range_region(c, addr, len, &off)) {
	case R_FLASH:
		if (c->rdp)
			return SIM_MEM_PROTECTED;
		program(c, c->flash, c->geo.flash_base, true, addr, data, len, res);
		flash_sync(c, off, len);
		c->worked_on = true;
		return SIM_MEM_OK;
	case R_OTP:
		if (c->rdp)
			return SIM_MEM_PROTECTED;
		program(c, c->otp, c->chip->otp_start, false, addr, data, len, res);
		sim_chip_save(c);
		c->worked_on = true;
		return SIM_MEM_OK;
	case R_EEPROM:
		/* Assumed, not confirmed on silicon here: the L0/L1 ROMs take
		 * Write Memory (and a DfuSe download, where their layout names
		 * the EEPROM) at these addresses, as ST's tools use them.  The
		 * memory interface erases a word before writing it, so any
		 * bytes may replace any others; each word touched costs one
		 * program time. */
		if (c->rdp)
			return SIM_MEM_PROTECTED;
		memcpy(c->eeprom + off, data, len);
		res->programmed = (off % STP_EEPROM_UNIT + len + STP_EEPROM_UNIT - 1) /
		                  STP_EEPROM_UNIT;
		sim_chip_save(c);
		c->worked_on = true;
		return SIM_MEM_OK;
	case R_RAM:
		memcpy(c->ram + off, data, len);
		return SIM_MEM_OK;
	case R_OB:
		/* The ROM erases all option bytes, programs what it was given
		 * and launches the reload; leaving RDP to level 0 from level 1
		 * mass-erases the flash on the way. */
		old_rdp = c->rdp;
		memset(c->ob, 0xFF, c->chip->ob_size);
		memcpy(c->ob + off, data, len);
		c->rdp = rdp_level_of(c);
		if (old_rdp == 1 && c->rdp == 0) {
			int64_t ns;
			sim_chip_readout_unprotect(c, &ns);
		}
		res->option_bytes = true;
		c->worked_on = true;
		res->programmed = (len + 3) / 4;
		sim_chip_ob_reload(c);
		sim_chip_save(c);
		return SIM_MEM_OK;
	default:
		return SIM_MEM_UNMAPPED;
	}
}

/* ---- erase ------------------------------------------------------------- */

int64_t sim_chip_program_ns(const sim_chip *c)
{
	return (int64_t)c->chip->program_us * 1000;
}

int64_t sim_chip_ob_program_ns(const sim_chip *c)
{
	uint32_t ms = c->chip->ob_program_ms ? c->chip->ob_program_ms
	                                     : c->chip->page_erase_ms;

	return (int64_t)ms * SIM_NS_PER_MS;
}

static void erase_unit(sim_chip *c, const stp_erase_unit *u)
{
	uint32_t off = u->addr - c->geo.flash_base;
	uint32_t pu = c->chip->program_unit;

	memset(c->flash + off, c->chip->erased_value, u->size);
	if (c->ecc_written)
		memset(c->ecc_written + off / pu, 0, u->size / pu);
	flash_sync(c, off, u->size);
}

sim_mem sim_chip_erase(sim_chip *c, const uint16_t *idx, size_t n,
                       uint16_t *bad, int64_t *ns)
{
	*ns = 0;
	if (c->rdp)
		return SIM_MEM_PROTECTED;
	for (size_t i = 0; i < n; i++) {
		const stp_erase_unit *u = idx[i] < c->nindex ?
		                          c->unit_by_index[idx[i]] : NULL;
		*bad = idx[i];
		if (!u)
			return SIM_MEM_BAD_INDEX;
		if (c->wrp[u - c->geo.units])
			return SIM_MEM_PROTECTED;
	}
	for (size_t i = 0; i < n; i++) {
		const stp_erase_unit *u = c->unit_by_index[idx[i]];

		erase_unit(c, u);
		/* Each unit its own time: an F4's 128 KiB sector takes about
		 * four times its 16 KiB one. */
		*ns += (int64_t)stp_geometry_unit_erase_ms(&c->geo, u) *
		       SIM_NS_PER_MS;
	}
	return SIM_MEM_OK;
}

uint32_t sim_chip_mass_erase_ms(const sim_chip *c, int bank)
{
	uint32_t ms = c->chip->mass_erase_ms;

	if (ms && bank && c->geo.nbanks > 1)
		return ms / c->geo.nbanks;
	if (ms)
		return ms;
	/* No figure for the whole flash: the units one by one. */
	for (size_t i = 0; i < c->geo.nunits; i++)
		if (!bank || c->geo.units[i].bank == bank - 1)
			ms += stp_geometry_unit_erase_ms(&c->geo, &c->geo.units[i]);
	return ms;
}

sim_mem sim_chip_mass_erase(sim_chip *c, int bank, int64_t *ns)
{
	*ns = 0;
	if (c->chip->quirks & STP_QUIRK_NO_MASS_ERASE)
		return SIM_MEM_UNSUPPORTED;
	if (bank && (c->geo.nbanks < 2 || (unsigned)bank > c->geo.nbanks))
		return SIM_MEM_UNSUPPORTED;
	if (c->rdp)
		return SIM_MEM_PROTECTED;
	for (size_t i = 0; i < c->geo.nunits; i++) {
		if (bank && c->geo.units[i].bank != bank - 1)
			continue;
		if (c->wrp[i])
			return SIM_MEM_PROTECTED;
	}
	for (size_t i = 0; i < c->geo.nunits; i++)
		if (!bank || c->geo.units[i].bank == bank - 1)
			erase_unit(c, &c->geo.units[i]);
	*ns = (int64_t)sim_chip_mass_erase_ms(c, bank) * SIM_NS_PER_MS;
	return SIM_MEM_OK;
}

/* ---- protection, reset, GO --------------------------------------------- */

void sim_chip_write_protect(sim_chip *c, const uint16_t *idx, size_t n)
{
	memset(c->wrp, 0, c->geo.nunits * sizeof(*c->wrp));
	for (size_t i = 0; i < n; i++)
		if (idx[i] < c->nindex && c->unit_by_index[idx[i]])
			c->wrp[c->unit_by_index[idx[i]] - c->geo.units] = true;
	sim_chip_ob_reload(c);
	sim_chip_save(c);
}

void sim_chip_write_unprotect(sim_chip *c)
{
	memset(c->wrp, 0, c->geo.nunits * sizeof(*c->wrp));
	sim_chip_ob_reload(c);
	sim_chip_save(c);
}

void sim_chip_readout_protect(sim_chip *c)
{
	set_rdp(c, 1);
	sim_chip_ob_reload(c);
	sim_chip_save(c);
}

void sim_chip_readout_unprotect(sim_chip *c, int64_t *ns)
{
	for (size_t i = 0; i < c->geo.nunits; i++)
		erase_unit(c, &c->geo.units[i]);
	/* Leaving level 1 erases the data EEPROM with the flash (RM0377,
	 * RM0038: the regression to level 0 mass-erases both). */
	if (c->eeprom)
		memset(c->eeprom, STP_EEPROM_ERASED, c->chip->eeprom_size);
	*ns = (int64_t)sim_chip_mass_erase_ms(c, 0) * SIM_NS_PER_MS;
	set_rdp(c, 0);
	sim_chip_ob_reload(c);
	sim_chip_save(c);
}

void sim_chip_ob_reload(sim_chip *c)
{
	c->rdp = rdp_level_of(c);
	c->empty_latched = first_word_erased(c);
	if (c->rdp == 2)
		c->app = SIM_APP_NONE;
}

void sim_chip_reset(sim_chip *c)
{
	if (c->rdp != 2)
		c->app = SIM_APP_BOOTLOADER;
	sim_chip_save(c);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

sim_go sim_chip_go(sim_chip *c, uint32_t addr, uint32_t *sp, uint32_t *pc)
{
	uint8_t vec[8];
	/* The whole SRAM, including what the bootloader reserves: an
	 * application's stack may start anywhere in it. */
	uint32_t ram_lo = c->chip->ram_start & 0xFFFF0000u;
	bool ok;

	c->go_set = true;
	c->worked_on = true;
	c->go_addr = addr;
	*sp = *pc = 0;
	if ((c->chip->quirks & STP_QUIRK_EMPTY_CHECK) && c->empty_latched) {
		/* The core jumps, but the boot logic still says "empty":
		 * the next reset lands in the bootloader, and the ROM's jump
		 * goes through one (stm32flash ticket 180). */
		c->app = SIM_APP_BOOTLOADER;
		sim_chip_save(c);
		return SIM_GO_EMPTY_CHECK;
	}
	ok = sim_chip_readable(c, addr, 8);
	if (ok) {
		sim_chip_read(c, addr, vec, 8);
		*sp = le32(vec);
		*pc = le32(vec + 4);
		ok = *sp > ram_lo && *sp <= c->chip->ram_end && (*pc & 1) &&
		     (sim_chip_in_flash(c, *pc & ~1u) ||
		      ((*pc & ~1u) >= ram_lo && (*pc & ~1u) < c->chip->ram_end));
	}
	c->app = ok ? SIM_APP_RUNNING : SIM_APP_NONE;
	sim_chip_save(c);
	return ok ? SIM_GO_APP : SIM_GO_BAD_VECTOR;
}

const char *sim_mem_why(sim_mem m)
{
	switch (m) {
	case SIM_MEM_PROTECTED: return "write-protected";
	case SIM_MEM_BAD_INDEX: return "no such unit";
	case SIM_MEM_UNSUPPORTED: return "not supported by this chip";
	case SIM_MEM_UNMAPPED: return "not mapped";
	case SIM_MEM_OK: break;
	}
	return "ok";
}

/* The bad-input table: malformed and hostile files of every format stmprog
 * reads, bad port specifications, erase lists, -u ranges, option bytes,
 * irreversible requests without confirmation, jumps to no application
 * and images that do not fit.  Every row runs stmprog under stmprog-sim on
 * a flash pre-filled with a known pattern, and afterwards the flash, the
 * option bytes, the OTP area and the protection state must be what they
 * were, and the trace must hold no command that changes the chip: bad
 * input is refused before the device is touched.  A row whose check needs
 * the chip (a sector number, an address against the flash map, a vector
 * table) may connect and read, nothing more.
 *
 * The rows are one static table; each row (on each transport it names)
 * is its own parameterized test, and every assertion names the row.  The
 * last line says "bad-input table: N rows, P passed"; BAD_INPUT_SHOW=1
 * prints what stmprog said for every row, to read the messages. */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

/* ---- fixtures: made at test time in the row's own directory ------------ */

static void put(const char *name, const void *buf, size_t len)
{
	e2e_spit(th_dir_path(name), buf, len);
}

static void put_text(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

/* One Intel HEX record with its checksum (plus fix, to spoil it). */
static size_t hexrec(char *dst, unsigned type, unsigned addr, const uint8_t *d,
                     unsigned n, unsigned fix)
{
	unsigned sum = n + (addr >> 8) + (addr & 0xFF) + type;
	size_t k = (size_t)sprintf(dst, ":%02X%04X%02X", n, addr & 0xFFFF, type);

	for (unsigned i = 0; i < n; i++) {
		k += (size_t)sprintf(dst + k, "%02X", d[i]);
		sum += d[i];
	}
	return k + (size_t)sprintf(dst + k, "%02X\n", (unsigned)((-sum + fix) & 0xFF));
}

static const uint8_t pat16[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE,
                                  0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};

/* ELA 0x0800, one data record at 0x08000000, then the record of kind
 * `type` cut in the middle as the file's end. */
static void hex_cut(unsigned type)
{
	static const uint8_t hi[2] = {0x08, 0x00}, seg[2] = {0x00, 0x00},
	                     start[4] = {0x08, 0x00, 0x01, 0x01};
	char text[512], rec[128];
	size_t k = 0, n;

	k += hexrec(text + k, 4, 0, hi, 2, 0);
	k += hexrec(text + k, 0, 0, pat16, 16, 0);
	switch (type) {
	case 0: n = hexrec(rec, 0, 0x10, pat16, 16, 0); break;
	case 1: n = hexrec(rec, 1, 0, NULL, 0, 0); break;
	case 2: n = hexrec(rec, 2, 0, seg, 2, 0); break;
	case 3: n = hexrec(rec, 3, 0, start, 4, 0); break;
	case 4: n = hexrec(rec, 4, 0, hi, 2, 0); break;
	default: n = hexrec(rec, 5, 0, start, 4, 0); break;
	}
	memcpy(text + k, rec, n / 2);
	k += n / 2;
	text[k] = '\0';
	put_text("bad.hex", text);
}

static void hex_cut_data(void) { hex_cut(0); }
static void hex_cut_eof(void) { hex_cut(1); }
static void hex_cut_esa(void) { hex_cut(2); }
static void hex_cut_ssa(void) { hex_cut(3); }
static void hex_cut_ela(void) { hex_cut(4); }
static void hex_cut_sla(void) { hex_cut(5); }

static void hex_checksum(void)
{
	put_text("bad.hex", ":020000040800F2\n"
	                    ":10000000000102030405060708090A0B0C0D0E0FFF\n"
	                    ":00000001FF\n");
}

/* A file that stops after a whole data record: the EOF record is missing. */
static void hex_no_eof(void)
{
	char text[256];
	size_t k = 0;
	static const uint8_t hi[2] = {0x08, 0x00};

	k += hexrec(text + k, 4, 0, hi, 2, 0);
	k += hexrec(text + k, 0, 0, pat16, 16, 0);
	text[k] = '\0';
	put_text("bad.hex", text);
}

static void hex_after_eof(void)
{
	put_text("bad.hex", ":020000040800F2\n"
	                    ":10000000000102030405060708090A0B0C0D0E0F78\n"
	                    ":00000001FF\n"
	                    ":10001000000102030405060708090A0B0C0D0E0F68\n");
}

static void hex_bad_length(void)
{
	/* The count says 16 bytes, the record holds 8 (checksum of the 8). */
	put_text("bad.hex", ":020000040800F2\n:1000000000010203040506071C\n:00000001FF\n");
}

static void hex_not_hex(void)
{
	put_text("bad.hex", ":020000040800F2\n:10000000000102030405060708090A0B0C0D0E0G78\n"
	                    ":00000001FF\n");
}

static void hex_unknown_type(void)
{
	char text[256];
	size_t k = 0;

	k += hexrec(text + k, 4, 0, (const uint8_t[]){0x08, 0x00}, 2, 0);
	k += hexrec(text + k, 6, 0, pat16, 4, 0);
	k += hexrec(text + k, 1, 0, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.hex", text);
}

static void hex_no_colon(void)
{
	put_text("bad.hex", ":020000040800F2\n10000000000102030405060708090A0B0C0D0E0F78\n"
	                    ":00000001FF\n");
}

static void hex_overlap(void)
{
	char text[512];
	uint8_t other[16];
	size_t k = 0;

	memset(other, 0x5A, sizeof(other));
	k += hexrec(text + k, 4, 0, (const uint8_t[]){0x08, 0x00}, 2, 0);
	k += hexrec(text + k, 0, 0x0100, pat16, 16, 0);
	k += hexrec(text + k, 0, 0x0108, other, 16, 0);
	k += hexrec(text + k, 1, 0, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.hex", text);
}

/* A record at 0xFFFFFFF8 with 16 bytes: its end wraps past 4 GiB. */
static void hex_wrap(void)
{
	char text[512];
	size_t k = 0;

	k += hexrec(text + k, 4, 0, (const uint8_t[]){0xFF, 0xFF}, 2, 0);
	k += hexrec(text + k, 0, 0xFFF8, pat16, 16, 0);
	k += hexrec(text + k, 1, 0, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.hex", text);
}

/* Data just past the end of a 1 MiB flash (0x08100000). */
static void hex_past_flash(void)
{
	char text[512];
	size_t k = 0;

	k += hexrec(text + k, 4, 0, (const uint8_t[]){0x08, 0x10}, 2, 0);
	k += hexrec(text + k, 0, 0x0000, pat16, 16, 0);
	k += hexrec(text + k, 1, 0, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.hex", text);
}

/* One S-record; type 0..9, addr of 2, 3 or 4 bytes by type. */
static size_t srec(char *dst, unsigned type, uint32_t addr, const uint8_t *d,
                   unsigned n, unsigned fix)
{
	unsigned alen = (type == 2 || type == 8) ? 3 :
	                (type == 3 || type == 7) ? 4 : 2;
	unsigned count = alen + n + 1, sum = count;
	size_t k = (size_t)sprintf(dst, "S%u%02X", type, count);

	for (unsigned i = alen; i-- > 0;) {
		unsigned b = (addr >> (8 * i)) & 0xFF;
		k += (size_t)sprintf(dst + k, "%02X", b);
		sum += b;
	}
	for (unsigned i = 0; i < n; i++) {
		k += (size_t)sprintf(dst + k, "%02X", d[i]);
		sum += d[i];
	}
	return k + (size_t)sprintf(dst + k, "%02X\n", (unsigned)((~sum + fix) & 0xFF));
}

/* S0, one S3 data record, then a record of kind `type` cut in half. */
static void srec_cut(unsigned type)
{
	char text[512], rec[128];
	size_t k = 0, n;

	if (type != 0)
		k += srec(text + k, 0, 0, (const uint8_t *)"hdr", 3, 0);
	if (type != 1 && type != 2)
		k += srec(text + k, 3, 0x08000000, pat16, 16, 0);
	switch (type) {
	case 0: n = srec(rec, 0, 0, (const uint8_t *)"header", 6, 0); break;
	case 1: n = srec(rec, 1, 0x0000, pat16, 16, 0); break;
	case 2: n = srec(rec, 2, 0x080000, pat16, 16, 0); break;
	case 3: n = srec(rec, 3, 0x08000010, pat16, 16, 0); break;
	case 5: n = srec(rec, 5, 1, NULL, 0, 0); break;
	case 7: n = srec(rec, 7, 0x08000000, NULL, 0, 0); break;
	case 8: n = srec(rec, 8, 0x080000, NULL, 0, 0); break;
	default: n = srec(rec, 9, 0x0000, NULL, 0, 0); break;
	}
	memcpy(text + k, rec, n / 2);
	k += n / 2;
	text[k] = '\0';
	put_text("bad.srec", text);
}

static void srec_cut_s0(void) { srec_cut(0); }
static void srec_cut_s1(void) { srec_cut(1); }
static void srec_cut_s2(void) { srec_cut(2); }
static void srec_cut_s3(void) { srec_cut(3); }
static void srec_cut_s5(void) { srec_cut(5); }
static void srec_cut_s7(void) { srec_cut(7); }
static void srec_cut_s8(void) { srec_cut(8); }
static void srec_cut_s9(void) { srec_cut(9); }

static void srec_checksum(void)
{
	char text[512];
	size_t k = 0;

	k += srec(text + k, 0, 0, (const uint8_t *)"hdr", 3, 0);
	k += srec(text + k, 3, 0x08000000, pat16, 16, 0);
	k += srec(text + k, 3, 0x08000010, pat16, 16, 1);
	k += srec(text + k, 7, 0x08000000, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.srec", text);
}

static void srec_bad_type(void)
{
	char text[512];
	size_t k = 0;

	k += srec(text + k, 0, 0, (const uint8_t *)"hdr", 3, 0);
	k += srec(text + k, 3, 0x08000000, pat16, 16, 0);
	k += srec(text + k, 4, 0x0800, pat16, 4, 0); /* S4 is reserved */
	k += srec(text + k, 7, 0x08000000, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.srec", text);
}

static void srec_overlap(void)
{
	char text[512];
	uint8_t other[16];
	size_t k = 0;

	memset(other, 0x5A, sizeof(other));
	k += srec(text + k, 3, 0x08000100, pat16, 16, 0);
	k += srec(text + k, 3, 0x08000104, other, 16, 0);
	k += srec(text + k, 7, 0x08000000, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.srec", text);
}

static void srec_wrap(void)
{
	char text[512];
	size_t k = 0;

	k += srec(text + k, 3, 0xFFFFFFF8, pat16, 16, 0);
	k += srec(text + k, 7, 0x08000000, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.srec", text);
}

static void srec_count(void)
{
	char text[512];
	size_t k = 0;

	k += srec(text + k, 3, 0x08000000, pat16, 16, 0);
	k += srec(text + k, 5, 7, NULL, 0, 0); /* one data record, not seven */
	k += srec(text + k, 7, 0x08000000, NULL, 0, 0);
	text[k] = '\0';
	put_text("bad.srec", text);
}

/* ---- ELF32 -------------------------------------------------------------- */

static void le16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct elfseg {
	uint32_t offset, paddr, filesz, memsz;
} elfseg;

/* An ARM ELF32 executable: header, phnum program headers at 52, data. */
static void elf_make(const char *name, unsigned phnum, const elfseg *s, unsigned ns,
                     uint32_t phoff, unsigned phentsize, size_t total)
{
	uint8_t *b = calloc(total, 1);

	cr_assert(b);
	memcpy(b, "\177ELF\1\1\1", 7);
	le16(b + 16, 2);          /* ET_EXEC */
	le16(b + 18, 40);         /* EM_ARM */
	le32(b + 20, 1);
	le32(b + 24, 0x08000101); /* entry */
	le32(b + 28, phoff);
	le16(b + 40, 52);
	le16(b + 42, phentsize);
	le16(b + 44, phnum);
	le16(b + 46, 40);
	for (unsigned i = 0; i < ns && 52 + 32 * (i + 1) <= total; i++) {
		uint8_t *ph = b + 52 + 32 * i;

		le32(ph, 1); /* PT_LOAD */
		le32(ph + 4, s[i].offset);
		le32(ph + 8, s[i].paddr);
		le32(ph + 12, s[i].paddr);
		le32(ph + 16, s[i].filesz);
		le32(ph + 20, s[i].memsz);
		le32(ph + 24, 5);
		le32(ph + 28, 4);
	}
	for (size_t i = 256; i < total; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	put(name, b, total);
	free(b);
}

static void elf_truncated(void)
{
	elfseg s = {256, 0x08000000, 256, 256};

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
	/* Keep 30 bytes: the header stops before e_phoff. */
	size_t n;
	unsigned char *b = e2e_slurp(th_dir_path("bad.elf"), &n);
	put("bad.elf", b, 30);
	free(b);
}

static void elf_huge_phoff(void)
{
	elfseg s = {256, 0x08000000, 256, 256};

	elf_make("bad.elf", 1, &s, 1, 0xFFFFFFF0u, 32, 512);
}

static void elf_huge_phnum(void)
{
	elfseg s = {256, 0x08000000, 256, 256};

	elf_make("bad.elf", 0xFFFF, &s, 1, 52, 32, 512);
}

static void elf_bad_phentsize(void)
{
	elfseg s = {256, 0x08000000, 256, 256};

	elf_make("bad.elf", 1, &s, 1, 52, 7, 512);
}

static void elf_huge_filesz(void)
{
	elfseg s = {256, 0x08000000, 0x7FFFFFF0u, 0x7FFFFFF0u};

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
}

static void elf_offset_past_end(void)
{
	elfseg s = {0xFFFFFF00u, 0x08000000, 0x200, 0x200};

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
}

static void elf_wrap(void)
{
	elfseg s = {256, 0xFFFFFF80u, 256, 256};

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
}

static void elf_overlap(void)
{
	elfseg s[2] = {{256, 0x08000000, 128, 128}, {384, 0x08000040, 128, 128}};

	elf_make("bad.elf", 2, s, 2, 52, 32, 512);
}

static void elf_64bit(void)
{
	elfseg s = {256, 0x08000000, 256, 256};
	size_t n;
	unsigned char *b;

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
	b = e2e_slurp(th_dir_path("bad.elf"), &n);
	b[4] = 2; /* ELFCLASS64 */
	put("bad.elf", b, n);
	free(b);
}

static void elf_patch(unsigned at, uint8_t v)
{
	elfseg s = {256, 0x08000000, 256, 256};
	size_t n;
	unsigned char *b;

	elf_make("bad.elf", 1, &s, 1, 52, 32, 512);
	b = e2e_slurp(th_dir_path("bad.elf"), &n);
	b[at] = v;
	put("bad.elf", b, n);
	free(b);
}

static void elf_x86(void) { elf_patch(18, 3); /* EM_386 */ }
static void elf_big_endian(void) { elf_patch(5, 2); /* ELFDATA2MSB */ }

static void elf_no_load(void)
{
	elf_make("bad.elf", 0, NULL, 0, 0, 32, 512);
}

/* ---- DfuSe and the DFU suffix ------------------------------------------ */

static uint32_t dfu_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
	}
	return c;
}

/* The 16-byte DFU suffix over b[0..n), at b + n; spoil changes the CRC. */
static size_t dfu_suffix(uint8_t *b, size_t n, unsigned bcd, unsigned blen, uint32_t spoil)
{
	uint8_t *s = b + n;

	le16(s, 0xFFFF);
	le16(s + 2, 0xDF11);
	le16(s + 4, 0x0483);
	le16(s + 6, bcd);
	memcpy(s + 8, "UFD", 3);
	s[11] = (uint8_t)blen;
	le32(s + 12, dfu_crc(b, n + 12) ^ spoil);
	return n + 16;
}

typedef struct dfuse_elem {
	uint8_t alt;
	uint32_t addr, size;   /* size as stated */
	size_t have;           /* bytes actually present */
	const uint8_t *data;   /* NULL: a pattern */
} dfuse_elem;

/* A DfuSe file with one target per element; image_size 0 means the right
 * one, tsize_delta spoils the first target's size. */
static void dfuse_make(const char *name, const dfuse_elem *e, unsigned ne,
                       uint32_t image_size, int32_t tsize_delta, uint32_t spoil)
{
	size_t cap = 64 + 16, n = 11;
	uint8_t *b;

	for (unsigned i = 0; i < ne; i++)
		cap += 274 + 8 + e[i].have;
	b = calloc(cap, 1);
	cr_assert(b);
	memcpy(b, "DfuSe\1", 6);
	b[10] = (uint8_t)ne;
	for (unsigned i = 0; i < ne; i++) {
		uint8_t *t = b + n;

		memcpy(t, "Target", 6);
		t[6] = e[i].alt;
		le32(t + 7, 1);
		strcpy((char *)t + 11, "ST...");
		le32(t + 266, (uint32_t)(8 + e[i].size + (i == 0 ? tsize_delta : 0)));
		le32(t + 270, 1);
		n += 274;
		le32(b + n, e[i].addr);
		le32(b + n + 4, e[i].size);
		n += 8;
		for (size_t k = 0; k < e[i].have; k++)
			b[n + k] = e[i].data ? e[i].data[k] : (uint8_t)(k * 13 + 5);
		n += e[i].have;
	}
	le32(b + 6, image_size ? image_size : (uint32_t)n);
	n = dfu_suffix(b, n, 0x011A, 16, spoil);
	put(name, b, n);
	free(b);
}

static void dfuse_past_end(void)
{
	dfuse_elem e = {0, 0x08000000, 0x10000, 256, NULL};

	dfuse_make("bad.dfu", &e, 1, 0, 0, 0);
}

static void dfuse_bad_crc(void)
{
	dfuse_elem e = {0, 0x08000000, 256, 256, NULL};

	dfuse_make("bad.dfu", &e, 1, 0, 0, 0x1);
}

static void dfuse_image_size(void)
{
	dfuse_elem e = {0, 0x08000000, 256, 256, NULL};

	dfuse_make("bad.dfu", &e, 1, 0x7FFFFFFF, 0, 0);
}

static void dfuse_target_size(void)
{
	dfuse_elem e = {0, 0x08000000, 256, 256, NULL};

	dfuse_make("bad.dfu", &e, 1, 0, 0x1000, 0);
}

static void dfuse_wrap(void)
{
	dfuse_elem e = {0, 0xFFFFFF80u, 256, 256, NULL};

	dfuse_make("bad.dfu", &e, 1, 0, 0, 0);
}

static void dfuse_truncated(void)
{
	put("bad.dfu", "DfuSe\1\0\0", 8);
}

static void dfuse_bad_signature(void)
{
	dfuse_elem e = {0, 0x08000000, 256, 256, NULL};
	size_t n;
	unsigned char *b;

	dfuse_make("bad.dfu", &e, 1, 0, 0, 0);
	b = e2e_slurp(th_dir_path("bad.dfu"), &n);
	memcpy(b + 11, "Tarxet", 6);
	le32(b + n - 4, dfu_crc(b, n - 4));
	put("bad.dfu", b, n);
	free(b);
}

static void dfuse_no_targets(void)
{
	dfuse_make("bad.dfu", NULL, 0, 0, 0, 0);
}

static void dfuse_version2(void)
{
	dfuse_elem e = {0, 0x08000000, 256, 256, NULL};
	size_t n;
	unsigned char *b;

	dfuse_make("bad.dfu", &e, 1, 0, 0, 0);
	b = e2e_slurp(th_dir_path("bad.dfu"), &n);
	b[5] = 2;
	le32(b + n - 4, dfu_crc(b, n - 4));
	put("bad.dfu", b, n);
	free(b);
}

/* The F405's option bytes with RDP = 0xCC (level 2) as alt 1's image. */
static void dfuse_rdp2(void)
{
	static const uint8_t ob[16] = {0xEC, 0xCC, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF,
	                               0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	dfuse_elem e[2] = {{0, 0x08000000, 256, 256, NULL}, {1, 0x1FFFC000, 16, 16, ob}};

	dfuse_make("bad.dfu", e, 2, 0, 0, 0);
}

static void dfuse_otp(void)
{
	dfuse_elem e[2] = {{0, 0x08000000, 256, 256, NULL}, {2, 0x1FFF7800, 32, 32, NULL}};

	dfuse_make("bad.dfu", e, 2, 0, 0, 0);
}

/* A plain DFU 1.1 file: a binary and its suffix. */
static void suffix_make(size_t n, unsigned bcd, unsigned blen, uint32_t spoil)
{
	uint8_t *b = calloc(n + 16, 1);

	cr_assert(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 3 + 1);
	put("bad.dfu", b, dfu_suffix(b, n, bcd, blen, spoil));
	free(b);
}

static void suffix_bad_crc(void) { suffix_make(1024, 0x0100, 16, 0x80); }
static void suffix_long(void) { suffix_make(8, 0x0100, 0xF0, 0); }
static void suffix_only(void) { suffix_make(0, 0x0100, 16, 0); }
static void suffix_short_length(void) { suffix_make(1024, 0x0100, 4, 0); }

/* ---- binaries and special files ---------------------------------------- */

static void bin_sized(const char *name, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	cr_assert(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 5 + 3);
	put(name, b, n);
	free(b);
}

static void bin_empty(void) { bin_sized("empty.bin", 0); }
static void bin_small(void) { bin_sized("small.bin", 512); }
/* One byte more than the F405's 1 MiB. */
static void bin_big(void) { bin_sized("big.bin", 1024 * 1024 + 4); }
/* 512 KiB for a part whose size register says 256 KiB. */
static void bin_half_mib(void) { bin_sized("big.bin", 512 * 1024); }

static void bin_sparse(void)
{
	int fd = open(th_dir_path("sparse.bin"), O_CREAT | O_WRONLY | O_TRUNC, 0600);

	cr_assert(fd >= 0);
	cr_assert_eq(ftruncate(fd, (off_t)3 << 30), 0);
	close(fd);
}

static void a_directory(void)
{
	cr_assert_eq(mkdir(th_dir_path("dir.hex"), 0700), 0);
}

/* A FIFO with a writer that never stops (an endless stream, like
 * /dev/zero through a pipe); the writer is ended after the row. */
static pid_t fifo_writer;

static void a_fifo(void)
{
	const char *path = th_dir_path("stream.bin");

	cr_assert_eq(mkfifo(path, 0600), 0);
	fifo_writer = fork();
	cr_assert(fifo_writer >= 0);
	if (fifo_writer == 0) {
		static char zero[65536];
		int fd = open(th_dir_path("stream.bin"), O_WRONLY);

		signal(SIGPIPE, SIG_DFL);
		while (fd >= 0 && write(fd, zero, sizeof(zero)) > 0)
			;
		_exit(0);
	}
}

static void fifo_end(void)
{
	int fd;

	if (fifo_writer <= 0)
		return;
	/* A writer still waiting for a reader is let through, then stopped. */
	fd = open(th_dir_path("stream.bin"), O_RDONLY | O_NONBLOCK);
	kill(fifo_writer, SIGKILL);
	waitpid(fifo_writer, NULL, 0);
	if (fd >= 0)
		close(fd);
	fifo_writer = 0;
}

static void bin_two(void)
{
	bin_sized("a.bin", 512);
	bin_sized("b.bin", 512);
}

static void hex_garbage(void)
{
	uint8_t b[300];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 97 + 13);
	b[0] = ':';
	put("bad.hex", b, sizeof(b));
}

/* A log name that is a link to a file elsewhere (where a log could be
 * made to overwrite something). */
static void a_symlink(void)
{
	char target[4096];

	snprintf(target, sizeof(target), "%s", th_dir_path("target.log"));
	cr_assert_eq(symlink(target, th_dir_path("link.log")), 0);
}

static void app_and_otp(void)
{
	bin_sized("otp.bin", 32);
}

/* ---- the table ---------------------------------------------------------- */

enum { UART = 1, USB = 2, CAN = 4 };

/* Where the row may fail: PRE before any connection (the trace stays
 * empty); DEV after connecting and reading (the chip is needed to know),
 * but nothing that changes it. */
enum { PRE = 0, DEV = 1 };

typedef struct row {
	const char *name;
	const char *category;
	void (*make)(void);
	const char *args;   /* after "-c port={port} <transport keys>" ("!": without
	                     * them); {d}: the row's directory */
	int exit;
	const char *msg[3]; /* all must be in the output */
	unsigned on;        /* transports */
	int where;
	const char *chip;   /* NULL: 0x413 (F405, 1 MiB) */
	const char *simopts;
	const char *skip;   /* a known defect: the row is skipped, naming it */
} row;

/* Rows leave the trailing fields (chip, simopts, skip) out when unused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const row rows[] = {
	/* -- raw binaries and what is not a regular file -- */
	{"bin_empty", "bin", bin_empty, "-e all -d {d}/empty.bin -v", 4,
	 {"empty.bin", "empty"}, UART | USB | CAN, PRE},
	{"bin_larger_than_chip", "bin", bin_big, "-d {d}/big.bin -v", 4,
	 {"big.bin", "0x08100000"}, UART | USB | CAN, DEV},
	{"bin_larger_than_size_register", "bin", bin_half_mib, "-d {d}/big.bin -v", 4,
	 {"big.bin", "0x08040000"}, UART, DEV, NULL, "--flash-kb 256"},
	{"bin_past_flash_end", "bin", bin_small, "-d {d}/small.bin 0x080FFF00", 4,
	 {"small.bin", "0x08100000"}, UART, DEV},
	{"bin_outside_flash", "bin", bin_small, "-d {d}/small.bin 0x30000000", 4,
	 {"small.bin", "0x30000000"}, UART, DEV},
	{"bin_straddles_flash_start", "bin", bin_small, "-d {d}/small.bin 0x07FFFF00", 4,
	 {"small.bin", "0x07FFFF00"}, UART, DEV},
	{"bin_wraps_4gib", "bin", bin_small, "-d {d}/small.bin 0xFFFFFF00", 4,
	 {"small.bin", "0xFFFFFF00"}, UART, PRE},
	{"bin_address_not_a_number", "bin", bin_small, "-d {d}/small.bin 0x08zz", 2,
	 {"0x08zz"}, UART, PRE},
	{"bin_sparse_3gib", "special", bin_sparse, "-e all -d {d}/sparse.bin", 4,
	 {"sparse.bin"}, UART, PRE},
	{"dev_zero", "special", NULL, "-e all -d /dev/zero --format bin", 4,
	 {"/dev/zero"}, UART, PRE},
	{"fifo_endless", "special", a_fifo, "-e all -d {d}/stream.bin", 4,
	 {"stream.bin"}, UART, PRE},
	{"a_directory", "special", a_directory, "-e all -d {d}/dir.hex", 4,
	 {"dir.hex", "directory"}, UART, PRE},
	{"missing_file", "special", NULL, "-e all -d {d}/none.hex", 4,
	 {"none.hex"}, UART, PRE},
	{"bin_into_system_memory", "bin", bin_small, "-d {d}/small.bin 0x1FFF0000", 4,
	 {"small.bin", "0x1FFF0000"}, UART, DEV},
	{"two_files_overlap", "bin", bin_two, "-d {d}/a.bin 0x08000000 -d {d}/b.bin 0x08000100",
	 4, {"a.bin", "b.bin"}, UART | USB, PRE},
	{"format_forced_wrong", "bin", bin_small, "--format hex -d {d}/small.bin", 4,
	 {"small.bin line 1"}, UART, PRE},

	/* -- Intel HEX -- */
	{"hex_bad_checksum", "hex", hex_checksum, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2", "checksum"}, UART | USB | CAN, PRE},
	{"hex_cut_in_data_record", "hex", hex_cut_data, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_cut_in_eof_record", "hex", hex_cut_eof, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_cut_in_esa_record", "hex", hex_cut_esa, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_cut_in_ssa_record", "hex", hex_cut_ssa, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_cut_in_ela_record", "hex", hex_cut_ela, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_cut_in_sla_record", "hex", hex_cut_sla, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 3"}, UART, PRE},
	{"hex_no_eof_record", "hex", hex_no_eof, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex", "end-of-file record"}, UART, PRE},
	{"hex_text_after_eof_record", "hex", hex_after_eof, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 4", "line 3"}, UART, PRE},
	{"hex_count_longer_than_record", "hex", hex_bad_length, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2"}, UART, PRE},
	{"hex_not_hex_digit", "hex", hex_not_hex, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2"}, UART, PRE},
	{"hex_unknown_record_type", "hex", hex_unknown_type, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2"}, UART, PRE},
	{"hex_binary_garbage", "hex", hex_garbage, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 1"}, UART, PRE},
	{"hex_line_without_colon", "hex", hex_no_colon, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2"}, UART, PRE},
	{"hex_overlapping_records", "hex", hex_overlap, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex", "0x08000108"}, UART | USB, PRE},
	{"hex_wraps_4gib", "hex", hex_wrap, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex line 2"}, UART, PRE},
	{"hex_past_flash", "hex", hex_past_flash, "-e all -d {d}/bad.hex", 4,
	 {"bad.hex", "0x08100000"}, UART | CAN, DEV},

	/* -- Motorola S-record -- */
	{"srec_bad_checksum", "srec", srec_checksum, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3", "checksum"}, UART | CAN, PRE},
	{"srec_cut_in_s0", "srec", srec_cut_s0, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 2"}, UART, PRE},
	{"srec_cut_in_s1", "srec", srec_cut_s1, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 2"}, UART, PRE},
	{"srec_cut_in_s2", "srec", srec_cut_s2, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 2"}, UART, PRE},
	{"srec_cut_in_s3", "srec", srec_cut_s3, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_cut_in_s5", "srec", srec_cut_s5, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_cut_in_s7", "srec", srec_cut_s7, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_cut_in_s8", "srec", srec_cut_s8, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_cut_in_s9", "srec", srec_cut_s9, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_reserved_s4", "srec", srec_bad_type, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 3"}, UART, PRE},
	{"srec_overlapping_records", "srec", srec_overlap, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec", "0x08000104"}, UART, PRE},
	{"srec_wraps_4gib", "srec", srec_wrap, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 1"}, UART, PRE},
	{"srec_wrong_record_count", "srec", srec_count, "-e all -d {d}/bad.srec", 4,
	 {"bad.srec line 2"}, UART, PRE},

	/* -- ELF -- */
	{"elf_truncated_header", "elf", elf_truncated, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_huge_phoff", "elf", elf_huge_phoff, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_huge_phnum", "elf", elf_huge_phnum, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_bad_phentsize", "elf", elf_bad_phentsize, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_huge_filesz", "elf", elf_huge_filesz, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART | USB, PRE},
	{"elf_offset_past_end", "elf", elf_offset_past_end, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_wraps_4gib", "elf", elf_wrap, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf", "0xFFFFFF80"}, UART, PRE},
	{"elf_overlapping_segments", "elf", elf_overlap, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf", "0x08000040"}, UART, PRE},
	{"elf_64bit", "elf", elf_64bit, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf", "64"}, UART, PRE},
	{"elf_not_arm", "elf", elf_x86, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_big_endian", "elf", elf_big_endian, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},
	{"elf_nothing_to_load", "elf", elf_no_load, "-e all -d {d}/bad.elf", 4,
	 {"bad.elf"}, UART, PRE},

	/* -- DfuSe .dfu and the DFU suffix -- */
	{"dfuse_element_past_end", "dfu", dfuse_past_end, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART | USB, PRE},
	{"dfuse_bad_suffix_crc", "dfu", dfuse_bad_crc, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu", "CRC"}, UART, PRE},
	{"dfuse_image_size_too_big", "dfu", dfuse_image_size, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfuse_target_size_wrong", "dfu", dfuse_target_size, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfuse_element_wraps_4gib", "dfu", dfuse_wrap, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu", "0xFFFFFF80"}, UART, PRE},
	{"dfuse_truncated_prefix", "dfu", dfuse_truncated, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfuse_bad_target_signature", "dfu", dfuse_bad_signature, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfuse_no_targets", "dfu", dfuse_no_targets, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfuse_version_2", "dfu", dfuse_version2, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfu_suffix_bad_crc", "suffix", suffix_bad_crc, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu", "CRC"}, UART, PRE},
	{"dfu_suffix_length_past_start", "suffix", suffix_long, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfu_suffix_only", "suffix", suffix_only, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},
	{"dfu_suffix_length_too_short", "suffix", suffix_short_length, "-e all -d {d}/bad.dfu", 4,
	 {"bad.dfu"}, UART, PRE},

	/* -- port specifications (UART keys after br=115200; CAN after br=125) -- */
	{"port_data_bits_9", "port", NULL, "db=9 -e 0", 2, {"db=9"}, UART, PRE},
	{"port_rate_not_a_number", "port", NULL, "!br=fast -e 0", 2, {"br=fast"}, UART, PRE},
	{"port_rate_twice", "port", NULL, "br=9600 -e 0", 2, {"br"}, UART, PRE},
	{"port_parity_unknown", "port", NULL, "P=maybe -e 0", 2, {"P=maybe"}, UART, PRE},
	{"port_stop_bits_3", "port", NULL, "sb=3 -e 0", 2, {"sb=3"}, UART, PRE},
	{"port_flow_control_unknown", "port", NULL, "fc=sometimes -e 0", 2, {"fc"}, UART, PRE},
	{"port_unknown_key", "port", NULL, "baud=9600 -e 0", 2, {"'baud'", "UART keys"},
	 UART, PRE},
	{"port_can_key_on_uart", "port", NULL, "dbr=2000 -e 0", 2, {"'dbr'", "UART keys"},
	 UART, PRE},
	{"port_can_fd_not_a_flag", "port", NULL, "fd=2 -e 0", 2, {"fd=2"}, CAN, PRE},
	/* Known only to the adapter's driver: the adapter may be opened. */
	{"port_can_rate_unreachable", "port", NULL, "!br=123 -e 0", 2,
	 {"123 kbit/s", "br=10, 20"}, CAN, DEV},
	{"port_usb_serial_empty", "port", NULL, "sn= -e 0", 2, {"sn"}, USB, PRE},
	{"port_usb_vid_not_hex", "port", NULL, "VID=0xZZZZ -e 0", 2, {"VID"}, USB, PRE},

	/* -- erase and write-protect lists -- */
	{"erase_no_such_sector", "erase", NULL, "-e 0 -e 99", 2,
	 {"sector 99 does not exist"}, UART | USB | CAN, DEV},
	{"erase_range_past_end", "erase", NULL, "-e [0 12]", 2, {"12"}, UART, DEV},
	{"erase_range_reversed", "erase", NULL, "-e [5 2]", 2, {"[5 2]"}, UART, PRE},
	{"erase_not_a_number", "erase", NULL, "-e two", 2, {"two"}, UART, PRE},
	{"erase_negative", "erase", NULL, "-e -1", 2, {"-e needs"}, UART, PRE},
	{"write_protect_range_past_end", "erase", NULL, "--write-protect [10 20]", 2,
	 {"sector 20 does not exist"}, UART, DEV},
	{"erase_after_the_plan", "erase", bin_small, "-d {d}/small.bin -e 0", 2,
	 {"sector 0 (0x08000000) holds data this run writes"}, UART, DEV},
	{"erase_huge_list", "erase", NULL, "-e 0 1 2 3 4 5 6 7 8 9 10 11 "
	 "1111111111111111111111111111111111111111111111111111111111111111111111"
	 "1111111111111111111111111111111111111111111111111111111111111111111111"
	 "1111111111111111111111111111111111111111111111111111111111111111111111", 2,
	 {"-e"}, UART, PRE},
	{"write_protect_no_such_sector", "erase", NULL, "--write-protect 40", 2,
	 {"sector 40 does not exist"}, UART, DEV},

	/* -- -u sizes and ranges -- */
	{"upload_size_zero", "upload", NULL, "-u 0x08000000 0 {d}/out.bin", 2,
	 {"0"}, UART, PRE},
	{"upload_size_not_a_number", "upload", NULL, "-u 0x08000000 lots {d}/out.bin", 2,
	 {"lots"}, UART, PRE},
	{"upload_size_past_4gib", "upload", NULL, "-u 0xFFFFFF00 0x200 {d}/out.bin", 2,
	 {"0xFFFFFF00"}, UART, PRE},
	{"upload_size_5gib", "upload", NULL, "-u 0x08000000 0x140000000 {d}/out.bin", 2,
	 {"0x140000000"}, UART, PRE},
	{"upload_past_flash_end", "upload", NULL, "-u 0x080FFF00 0x200 {d}/out.bin", 2,
	 {"0x080FFF00"}, UART, DEV},
	{"upload_missing_file", "upload", NULL, "-u 0x08000000 0x100", 2,
	 {"-u"}, UART, PRE},
	{"upload_into_missing_directory", "upload", NULL,
	 "-u 0x08000000 0x100 {d}/none/out.bin", 4, {"none/out.bin", "No such file"},
	 UART | USB, PRE},
	{"upload_onto_a_directory", "upload", a_directory, "-u 0x08000000 0x100 {d}/dir.hex",
	 4, {"dir.hex: is a directory"}, UART, PRE},
	{"log_through_a_symlink", "special", a_symlink, "-log {d}/link.log -e 0", 2,
	 {"link.log", "symbolic link"}, UART, PRE},

	/* -- option bytes by name -- */
	{"ob_unknown_name", "ob", NULL, "-ob NOSUCH=1", 2, {"NOSUCH"}, UART | USB, DEV},
	{"ob_value_not_a_number", "ob", NULL, "-ob BOR_LEV=high", 2,
	 {"BOR_LEV=high: 'high' is not a number"}, UART, PRE},
	{"ob_value_too_wide", "ob", NULL, "-ob nRST_STOP=2", 2, {"nRST_STOP"}, UART, DEV},
	{"ob_no_value", "ob", NULL, "-ob RDP", 2, {"RDP"}, UART, PRE},
	{"ob_name_twice", "ob", NULL, "-ob RDP=0xBB RDP=0xAA", 2, {"RDP is given twice"},
	 UART, DEV},
	{"ob_rdp_not_a_byte", "ob", NULL, "-ob RDP=0x1CC", 2, {"RDP"}, UART, DEV},

	/* -- irreversible requests without confirmation -- */
	{"rdp2_without_confirmation", "irreversible", NULL, "-ob RDP=0xCC", 2,
	 {"RDP", "--confirm-irreversible rdp2"}, UART | USB | CAN, DEV},
	{"rdp2_confirming_something_else", "irreversible", NULL,
	 "--confirm-irreversible otp -ob RDP=0xCC", 2,
	 {"--confirm-irreversible rdp2"}, UART, DEV},
	{"confirm_unknown_kind", "irreversible", NULL,
	 "--confirm-irreversible rdp3 -ob RDP=0xCC", 2, {"'rdp3'"}, UART, PRE},
	{"dfu_file_rdp2", "irreversible", dfuse_rdp2, "-d {d}/bad.dfu -v", 2,
	 {"bad.dfu", "--confirm-irreversible rdp2"}, USB, DEV},
	/* Without DfuSe alternate settings the option-byte target is not
	 * written at all; the hint must say how it can be. */
	{"dfu_file_rdp2_no_alt_settings", "irreversible", dfuse_rdp2, "-d {d}/bad.dfu -v",
	 4, {"bad.dfu", "0x1FFFC000", "-ob KEY=VALUE"}, UART | CAN, DEV},
	{"l4_bootloader_lock_out", "irreversible", NULL, "-ob nSWBOOT0=0 nBOOT0=1", 2,
	 {"--confirm-irreversible bootloader"}, UART, DEV, "0x435"},
	/* nBOOT0 is 1 from the factory: moving the boot source alone locks. */
	{"l4_boot_source_alone", "irreversible", NULL, "-ob nSWBOOT0=0", 2,
	 {"--confirm-irreversible bootloader"}, UART, DEV, "0x435"},
	{"f0_bootloader_lock_out", "irreversible", NULL, "-ob BOOT_SEL=0", 2,
	 {"--confirm-irreversible bootloader"}, UART, DEV, "0x448"},
	{"g4_bootloader_lock_out", "irreversible", NULL, "-ob nSWBOOT0=0", 2,
	 {"--confirm-irreversible bootloader"}, UART, DEV, "0x468"},
	/* BOOT0 high then starts the SRAM: the bootloader is out of reach. */
	{"l4_nboot1_lock_out", "irreversible", NULL, "-ob nBOOT1=0", 2,
	 {"nBOOT1=0", "--confirm-irreversible bootloader"}, UART, DEV, "0x435"},
	/* OTP is written only when confirmed (test_memories_e2e writes it). */
	{"otp_write", "irreversible", app_and_otp, "-w {d}/otp.bin 0x1FFF7800", 2,
	 {"otp.bin", "0x1FFF7800", "--confirm-irreversible otp"}, UART | USB, DEV},
	{"dfu_file_otp_target", "irreversible", dfuse_otp, "-d {d}/bad.dfu", 2,
	 {"bad.dfu", "0x1FFF7800", "--confirm-irreversible otp"},
	 UART | USB | CAN, DEV},

	/* -- jumps -- */
	{"go_to_no_application", "go", NULL, "-g", 4,
	 {"no application to start at 0x08000000"}, UART | USB | CAN, DEV},
	{"go_to_ram_garbage", "go", NULL, "-g 0x20010000", 4,
	 {"no application to start at 0x20010000"}, UART | CAN, DEV},
	{"go_to_bootloader_ram", "go", NULL, "-g 0x20000000", 2,
	 {"-g 0x20000000", "0x20003000"}, UART | USB, DEV},
	{"go_past_ram", "go", NULL, "-g 0x20020000", 2, {"-g 0x20020000"}, UART, DEV},
	{"go_unaligned", "go", NULL, "-g 0x08000002", 2, {"word boundary"}, UART, DEV},
	{"go_to_all_ones", "go", NULL, "-g 0xFFFFFFFF", 2, {"-g 0xFFFFFFFF"}, UART, DEV},
	{"go_outside_memory", "go", NULL, "-g 0x60000000", 2, {"neither in the flash"},
	 UART, DEV},
	{"go_not_a_number", "go", NULL, "-g start", 2, {"start"}, UART, PRE},
};
#pragma GCC diagnostic pop

#define NROWS (sizeof(rows) / sizeof(rows[0]))

typedef struct transport {
	unsigned bit;
	const char *name;
	const char *simopts;
	const char *connect;
} transport;

static const transport transports[] = {
	{UART, "uart", "", "br=115200"},
	{USB, "usb", "--transport usb", ""},
	{CAN, "slcan", "--transport slcan", "br=125"},
};

/* One test: a row on one transport (indexes only: parameters cross a
 * process boundary). */
typedef struct run {
	unsigned row, tr;
} run;

static char out[65536];

/* s with {d} replaced by the row's directory. */
static void expand(char *dst, size_t len, const char *s)
{
	size_t k = 0;

	while (*s && k + 1 < len) {
		if (!strncmp(s, "{d}", 3)) {
			k += (size_t)snprintf(dst + k, len - k, "%s", th_dir);
			s += 3;
		} else {
			dst[k++] = *s++;
		}
	}
	dst[k < len ? k : len - 1] = '\0';
}

static unsigned char *slurp_or_null(const char *path, size_t *n)
{
	if (access(path, F_OK) != 0) {
		*n = 0;
		return NULL;
	}
	return e2e_slurp(path, n);
}

static bool same_file(const char *path, const unsigned char *before, size_t n)
{
	size_t m;
	unsigned char *now = slurp_or_null(path, &m);
	bool same = (now == NULL) == (before == NULL) && m == n &&
	            (n == 0 || memcmp(now, before, n) == 0);

	free(now);
	return same;
}

/* Trace lines of commands that change the chip: program, erase, option
 * bytes, protection, a start, a reset they cause; also their NACKs (a
 * refused attempt is still an attempt). */
static const char *changing_line(const char *trace)
{
	static const char *const kinds[] = {"WRITE", "OB WRITE", "ERASE", "WP ", "WUNP",
	                                    "RDP", "RDU", "GO ", "LEAVE", "RESET", "START"};
	static char line[512];
	FILE *f = fopen(trace, "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		if (!strncmp(p, "NACK ", 5))
			p += 5;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strncmp(p, kinds[i], strlen(kinds[i]))) {
				fclose(f);
				return line;
			}
	}
	fclose(f);
	return NULL;
}

static void run_row(const row *r, const transport *tr)
{
	const char *chip = r->chip ? r->chip : "0x413";
	char simopts[256], args[8192], all[8192];
	const char *ext[] = {".ob", ".otp", ".state"};
	unsigned char *before[3];
	size_t nbefore[3], flen;
	unsigned char *flash;
	int status;

	snprintf(simopts, sizeof(simopts), "--timing none %s %s", tr->simopts,
	         r->simopts ? r->simopts : "");
	/* A first power-on makes the flash file the part's size (erased) and
	 * the option bytes the defaults; then the flash gets a pattern no
	 * erase or write would leave. */
	cr_assert_eq(e2e_sim(out, sizeof(out), chip, simopts, "true"), 0,
	             "[%s/%s] simulator: %s", r->name, tr->name, out);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	for (size_t i = 0; i < flen; i++)
		flash[i] = (unsigned char)(0xA5 ^ (i * 29) ^ (i >> 8));
	e2e_spit(th_dir_path("flash.bin"), flash, flen);
	for (int i = 0; i < 3; i++) {
		char p[4096];

		snprintf(p, sizeof(p), "%s%s", th_dir_path("flash.bin"), ext[i]);
		before[i] = slurp_or_null(p, &nbefore[i]);
	}
	remove(e2e_trace());
	if (r->make)
		r->make();

	/* "!" leaves the transport's own keys out (a row about them). */
	expand(args, sizeof(args), r->args + (r->args[0] == '!'));
	snprintf(all, sizeof(all), "%s %s", r->args[0] == '!' ? "" : tr->connect, args);
	status = e2e_stmprog(out, sizeof(out), chip, simopts, all);
	fifo_end();
	if (getenv("BAD_INPUT_SHOW")) /* to read every row's messages */
		fprintf(stderr, "== %s/%s: exit %d\n%s", r->name, tr->name, status, out);

	cr_expect_eq(status, r->exit, "[%s/%s] exit %d, expected %d: %s", r->name,
	             tr->name, status, r->exit, out);
	cr_expect(strstr(out, "stmprog: error: "), "[%s/%s] no error line: %s", r->name,
	          tr->name, out);
	cr_expect(strstr(out, "stmprog: hint: ") || r->exit == 2,
	          "[%s/%s] no hint: %s", r->name, tr->name, out);
	for (int i = 0; i < 3 && r->msg[i]; i++)
		cr_expect(strstr(out, r->msg[i]), "[%s/%s] \"%s\" not said: %s", r->name,
		          tr->name, r->msg[i], out);
	cr_expect(!strstr(out, "internal error") && !strstr(out, "AddressSanitizer") &&
	                  !strstr(out, "runtime error"),
	          "[%s/%s] crashed or internal error: %s", r->name, tr->name, out);

	/* Nothing on the device changed. */
	cr_expect(same_file(th_dir_path("flash.bin"), flash, flen),
	          "[%s/%s] the flash changed: %s", r->name, tr->name, out);
	for (int i = 0; i < 3; i++) {
		char p[4096];

		snprintf(p, sizeof(p), "%s%s", th_dir_path("flash.bin"), ext[i]);
		cr_expect(same_file(p, before[i], nbefore[i]), "[%s/%s] flash.bin%s changed: %s",
		          r->name, tr->name, ext[i], out);
		free(before[i]);
	}
	free(flash);
	if (r->where == PRE) {
		size_t n = 0;
		unsigned char *t = slurp_or_null(e2e_trace(), &n);

		if (t)
			t[n] = '\0';
		/* The simulator's own plugging of the USB device is no talk. */
		if (t && !strncmp((char *)t, "ENUMERATE ", 10)) {
			const char *nl = strchr((char *)t, '\n');

			if (!nl || !nl[1])
				n = 0;
		}
		cr_expect(n == 0, "[%s/%s] talked to the device before refusing: %s\n%s",
		          r->name, tr->name, t ? (char *)t : "", out);
		free(t);
	} else {
		const char *l = changing_line(e2e_trace());

		cr_expect(!l, "[%s/%s] the trace shows a change: %s%s", r->name, tr->name,
		          l ? l : "", out);
	}
}

static bool first_of_category(unsigned i)
{
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(rows[k].category, rows[i].category))
			return false;
	return true;
}

ParameterizedTestParameters(bad_input, row)
{
	static run runs[NROWS * 3];
	size_t n = 0;

	for (unsigned i = 0; i < NROWS; i++)
		for (unsigned t = 0; t < 3; t++)
			if (rows[i].on & transports[t].bit)
				runs[n++] = (run){i, t};
	return cr_make_param_array(run, runs, n);
}

ParameterizedTest(run *p, bad_input, row, .init = th_dir_setup, .fini = th_dir_teardown,
                  .timeout = 120)
{
	const row *r = &rows[p->row];
	const transport *tr = &transports[p->tr];

	if (r->skip)
		cr_skip_test("[%s/%s] skipped: %s", r->name, tr->name, r->skip);
	/* Under valgrind (STMPROG_TEST_QUICK) the first UART row of each
	 * category stands for the rest: the ASan pass runs them all. */
	if (getenv("STMPROG_TEST_QUICK") &&
	    (tr->bit != UART || !first_of_category(p->row)))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	run_row(r, tr);
}

/* The count goes out at exit, after Criterion's own synthesis, so it is
 * the log's last line. */
static struct criterion_global_stats totals;

static void say_totals(void)
{
	printf("bad-input table: %zu rows, %zu passed (%zu table rows; %zu skipped, "
	       "%zu failed, %zu crashed)\n",
	       totals.nb_tests, totals.tests_passed, (size_t)NROWS, totals.tests_skipped,
	       totals.tests_failed, totals.tests_crashed);
	fflush(stdout);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	totals = *stats;
	atexit(say_totals);
}

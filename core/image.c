/* The sparse image model every format reads into and writes from, and
 * the dispatch between the formats (detect, parse, load, write, save).
 *
 * The model is an array of segments sorted by (alt, addr).  Adding data
 * that extends the segment the previous add went to is the common case
 * (HEX and S-record files are sequential records), so it is checked first
 * and costs an amortised memcpy: segment buffers grow geometrically.
 *
 * Every segment remembers one origin: the place ("fw.hex line 12") that
 * supplied its lowest byte.  An overlap names the new data's origin and
 * the origin of the segment it runs into, with that segment's range, so
 * the message points at the start of the colliding block rather than at
 * the exact record; keeping one origin per record would cost far more
 * memory than the data itself for a large HEX file.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stmprog/chip.h"
#include "stmprog/image.h"
#include "image_internal.h"

/* What image.c keeps beside the model the other library files share
 * (image_internal.h).  stp_image_new hands out &priv->pub, and the type is
 * opaque outside the library, so every image comes from stp_image_new. */
typedef struct image_priv {
	stp_image pub;
	char **origin;      /* per segment, parallel to pub.segs */
	size_t *dcap;       /* per segment allocated data bytes */
	size_t last;        /* segment the last add went to (fast path) */
} image_priv;

static image_priv *priv_of(stp_image *img)
{
	/* pub is the first member, so the addresses coincide. */
	return (image_priv *)(void *)img;
}

stp_image *stp_image_new(void)
{
	image_priv *p = calloc(1, sizeof(*p));

	return p ? &p->pub : NULL;
}

void stp_image_free(stp_image *img)
{
	image_priv *p;
	size_t i;

	if (!img)
		return;
	p = priv_of(img);
	for (i = 0; i < img->nsegs; i++) {
		free(img->segs[i].data);
		free(p->origin[i]);
	}
	for (i = 0; i < 256; i++)
		free(img->alt_name[i]);
	free(img->segs);
	free(p->origin);
	free(p->dcap);
	free(p);
}

size_t stp_image_segment_count(const stp_image *img)
{
	return img->nsegs;
}

const stp_segment *stp_image_segment(const stp_image *img, size_t i)
{
	return i < img->nsegs ? &img->segs[i] : NULL;
}

bool stp_image_has_entry(const stp_image *img)
{
	return img->has_entry;
}

uint32_t stp_image_entry(const stp_image *img)
{
	return img->entry;
}

void stp_image_set_entry(stp_image *img, bool has, uint32_t entry)
{
	img->has_entry = has;
	img->entry = has ? entry : 0;
}

bool stp_image_has_dfu_suffix(const stp_image *img)
{
	return img->has_dfu_suffix;
}

uint16_t stp_image_dfu_vid(const stp_image *img)
{
	return img->dfu_vid;
}

uint16_t stp_image_dfu_pid(const stp_image *img)
{
	return img->dfu_pid;
}

uint16_t stp_image_dfu_bcd_device(const stp_image *img)
{
	return img->dfu_bcd_device;
}

const char *stp_image_alt_name(const stp_image *img, uint8_t alt)
{
	return img->alt_name[alt];
}

stp_status stp_image_set_alt_name(stp_ctx *ctx, stp_image *img, uint8_t alt,
                                  const char *name)
{
	char *copy = NULL;

	if (name && !(copy = strdup(name)))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL,
		                "out of memory naming alternate setting %u", alt);
	free(img->alt_name[alt]);
	img->alt_name[alt] = copy;
	return STP_OK;
}

static uint64_t seg_end(const stp_segment *s)
{
	return (uint64_t)s->addr + s->len;
}

/* Makes room for need bytes in segment i, doubling so that a long run of
 * appends costs linear time overall. */
static bool seg_reserve(image_priv *p, size_t i, size_t need)
{
	size_t cap = p->dcap[i];
	uint8_t *d;

	if (need <= cap)
		return true;
	if (cap < 256)
		cap = 256;
	while (cap < need)
		cap *= 2;
	d = realloc(p->pub.segs[i].data, cap);
	if (!d)
		return false;
	p->pub.segs[i].data = d;
	p->dcap[i] = cap;
	return true;
}

static bool segs_reserve(image_priv *p, size_t need)
{
	stp_image *img = &p->pub;
	size_t cap = img->cap ? img->cap : 8;
	stp_segment *s;
	char **o;
	size_t *c;

	if (need <= img->cap)
		return true;
	while (cap < need)
		cap *= 2;
	/* Each array is replaced as soon as its realloc succeeds, so a
	 * failure half way leaves consistent (merely larger) arrays. */
	s = realloc(img->segs, cap * sizeof(*s));
	if (!s)
		return false;
	img->segs = s;
	o = realloc(p->origin, cap * sizeof(*o));
	if (!o)
		return false;
	p->origin = o;
	c = realloc(p->dcap, cap * sizeof(*c));
	if (!c)
		return false;
	p->dcap = c;
	img->cap = cap;
	return true;
}

static stp_status nomem(stp_ctx *ctx, const char *origin)
{
	return stp_fail(ctx, STP_ERR_NOMEM, NULL,
	                "%s: out of memory while storing image data", origin);
}

static stp_status overlap(stp_ctx *ctx, const image_priv *p, size_t i,
                          uint32_t addr, const uint8_t *data, uint64_t end,
                          const char *origin)
{
	const stp_segment *s = &p->pub.segs[i];
	uint64_t lo = addr > s->addr ? addr : s->addr;
	uint64_t hi = end < seg_end(s) ? end : seg_end(s);
	bool same = memcmp(data + (lo - addr), s->data + (lo - s->addr),
	                   (size_t)(hi - lo)) == 0;

	return stp_fail(ctx, STP_ERR_IMAGE,
	                "every address may be given only once; check the "
	                "linker script, or the files being combined",
	                "%s: data at 0x%08X..0x%08X overlaps data from %s "
	                "(0x%08X..0x%08X)%s%s",
	                origin, (unsigned)addr, (unsigned)(end - 1),
	                p->origin[i], (unsigned)s->addr,
	                (unsigned)(seg_end(s) - 1),
	                s->alt ? " in the same alternate setting" : "",
	                same ? "; the overlapping bytes are identical, but "
	                       "overlap is refused all the same" : "");
}

/* Appends to segment i, which ends at addr. */
static stp_status seg_append(stp_ctx *ctx, image_priv *p, size_t i,
                             const uint8_t *data, size_t len,
                             const char *origin)
{
	stp_segment *s = &p->pub.segs[i];

	if (!seg_reserve(p, i, (size_t)s->len + len))
		return nomem(ctx, origin);
	memcpy(s->data + s->len, data, len);
	s->len += (uint32_t)len;
	p->last = i;
	return STP_OK;
}

static void seg_remove(image_priv *p, size_t i)
{
	stp_image *img = &p->pub;
	size_t tail = img->nsegs - i - 1;

	free(img->segs[i].data);
	free(p->origin[i]);
	memmove(&img->segs[i], &img->segs[i + 1], tail * sizeof(*img->segs));
	memmove(&p->origin[i], &p->origin[i + 1], tail * sizeof(*p->origin));
	memmove(&p->dcap[i], &p->dcap[i + 1], tail * sizeof(*p->dcap));
	img->nsegs--;
}

stp_status stp_image_add(stp_ctx *ctx, stp_image *img, uint8_t alt,
                         uint32_t addr, const uint8_t *data, size_t len,
                         const char *origin)
{
	image_priv *p;
	uint64_t end = (uint64_t)addr + len;
	size_t lo, hi, i, n;
	bool prev, next;

	if (!img || (!data && len))
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_add: no image or no data");
	if (!origin)
		origin = "data";
	if (len == 0)
		return STP_OK;
	if (len > UINT32_MAX || end > UINT64_C(0x100000000))
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "addresses are 32 bits; check the base address "
		                "or the file's address records",
		                "%s: %zu bytes at 0x%08X run past the end of the "
		                "32-bit address space (0xFFFFFFFF)",
		                origin, len, (unsigned)addr);
	p = priv_of(img);
	n = img->nsegs;

	/* Fast path: the data continues the segment last added to and does
	 * not reach the next one. */
	if (p->last < n) {
		stp_segment *s = &img->segs[p->last];
		const stp_segment *nx = p->last + 1 < n ?
		                        &img->segs[p->last + 1] : NULL;

		if (s->alt == alt && seg_end(s) == addr &&
		    (!nx || nx->alt != alt || nx->addr > end))
			return seg_append(ctx, p, p->last, data, len, origin);
	}

	/* i = the first segment not wholly below addr in this alt. */
	lo = 0;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const stp_segment *s = &img->segs[mid];

		if (s->alt < alt || (s->alt == alt && seg_end(s) <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (i < n && img->segs[i].alt == alt && img->segs[i].addr < end)
		return overlap(ctx, p, i, addr, data, end, origin);

	prev = i > 0 && img->segs[i - 1].alt == alt &&
	       seg_end(&img->segs[i - 1]) == addr;
	next = i < n && img->segs[i].alt == alt && img->segs[i].addr == end;

	if (prev) {
		stp_status st = seg_append(ctx, p, i - 1, data, len, origin);

		if (st != STP_OK || !next)
			return st;
		/* The new data closed the gap: fold segment i into i-1. */
		st = seg_append(ctx, p, i - 1, img->segs[i].data,
		                img->segs[i].len, origin);
		if (st != STP_OK)
			return st;
		seg_remove(p, i);
		p->last = i - 1;
		return STP_OK;
	}
	if (next) {
		/* Rare (records in descending order): prepend. */
		stp_segment *s = &img->segs[i];
		char *o = strdup(origin);

		if (!o || !seg_reserve(p, i, (size_t)s->len + len)) {
			free(o);
			return nomem(ctx, origin);
		}
		memmove(s->data + len, s->data, s->len);
		memcpy(s->data, data, len);
		s->len += (uint32_t)len;
		s->addr = addr;
		/* The origin names the segment's lowest byte. */
		free(p->origin[i]);
		p->origin[i] = o;
		p->last = i;
		return STP_OK;
	}

	/* A new segment at i. */
	{
		uint8_t *d = malloc(len);
		char *o = strdup(origin);

		if (!d || !o || !segs_reserve(p, n + 1)) {
			free(d);
			free(o);
			return nomem(ctx, origin);
		}
		memmove(&img->segs[i + 1], &img->segs[i],
		        (n - i) * sizeof(*img->segs));
		memmove(&p->origin[i + 1], &p->origin[i],
		        (n - i) * sizeof(*p->origin));
		memmove(&p->dcap[i + 1], &p->dcap[i], (n - i) * sizeof(*p->dcap));
		memcpy(d, data, len);
		img->segs[i] = (stp_segment){
			.addr = addr, .len = (uint32_t)len, .data = d, .alt = alt,
		};
		p->origin[i] = o;
		p->dcap[i] = len;
		img->nsegs = n + 1;
		p->last = i;
	}
	return STP_OK;
}

uint64_t stp_image_size(const stp_image *img)
{
	uint64_t total = 0;
	size_t i;

	if (!img)
		return 0;
	for (i = 0; i < img->nsegs; i++)
		total += img->segs[i].len;
	return total;
}

void stp_image_span(const stp_image *img, uint32_t *lo, uint32_t *hi)
{
	uint64_t l = UINT64_MAX, h = 0;
	size_t i;

	for (i = 0; img && i < img->nsegs; i++) {
		if (img->segs[i].addr < l)
			l = img->segs[i].addr;
		if (seg_end(&img->segs[i]) > h)
			h = seg_end(&img->segs[i]);
	}
	if (h == 0)
		l = 0;
	/* Data ending at the very top of the address space would make
	 * highest+1 wrap to 0; 0xFFFFFFFF keeps hi >= lo for callers. */
	if (h > UINT32_MAX)
		h = UINT32_MAX;
	if (lo)
		*lo = (uint32_t)l;
	if (hi)
		*hi = (uint32_t)h;
}

stp_status stp_image_single_alt(stp_ctx *ctx, const stp_image *img,
                                const char *format)
{
	if (img->nsegs > 0 && img->segs[0].alt != img->segs[img->nsegs - 1].alt)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "write a DfuSe file, which keeps alternate "
		                "settings apart",
		                "the image has data for several alternate "
		                "settings, which %s cannot tell apart", format);
	return STP_OK;
}

/* ---- small helpers shared with the formats ---- */

bool stp_text_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

const char *stp_show_byte(char *tmp, size_t sz, uint8_t c)
{
	if (c >= 0x20 && c < 0x7F)
		snprintf(tmp, sz, "'%c'", c);
	else
		snprintf(tmp, sz, "byte 0x%02X", c);
	return tmp;
}

int stp_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool stp_next_line(const uint8_t *buf, size_t len, size_t *pos,
                   const uint8_t **line, size_t *linelen)
{
	size_t s = *pos, e;

	if (s >= len)
		return false;
	e = s;
	while (e < len && buf[e] != '\n' && buf[e] != '\r')
		e++;
	*line = buf + s;
	*linelen = e - s;
	/* CR, LF and CRLF all end a line; a lone CR counts as a line end
	 * (old Mac files) and CRLF is one end, not an empty line. */
	if (e < len && buf[e] == '\r')
		e++;
	if (e < len && buf[e] == '\n')
		e++;
	*pos = e;
	return true;
}

static void obuf_grow(stp_obuf *b, size_t more)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return;
	if (more > SIZE_MAX - b->len) {
		b->oom = true;
		return;
	}
	if (b->len + more <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void stp_obuf_put(stp_obuf *b, const void *data, size_t len)
{
	obuf_grow(b, len);
	if (b->oom || len == 0)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void stp_obuf_putc(stp_obuf *b, uint8_t c)
{
	stp_obuf_put(b, &c, 1);
}

void stp_obuf_le16(stp_obuf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	stp_obuf_put(b, x, 2);
}

void stp_obuf_le32(stp_obuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 24)};

	stp_obuf_put(b, x, 4);
}

void stp_obuf_printf(stp_obuf *b, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* The writers only print short records; longer is a bug. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = true;
		return;
	}
	stp_obuf_put(b, tmp, (size_t)n);
}

/* ---- format names ---- */

static const char *const fmt_names[STP_FMT_COUNT] = {
	[STP_FMT_AUTO] = "auto",
	[STP_FMT_BIN] = "bin",
	[STP_FMT_IHEX] = "ihex",
	[STP_FMT_SREC] = "srec",
	[STP_FMT_ELF] = "elf",
	[STP_FMT_DFUSE] = "dfuse",
	[STP_FMT_DFU] = "dfu-suffix",
};

const char *stp_image_format_name(stp_image_format fmt)
{
	if ((unsigned)fmt >= STP_FMT_COUNT)
		return "unknown";
	return fmt_names[fmt];
}

static const struct {
	const char *name;
	stp_image_format fmt;
} fmt_aliases[] = {
	{"bin", STP_FMT_BIN}, {"binary", STP_FMT_BIN}, {"raw", STP_FMT_BIN},
	{"hex", STP_FMT_IHEX}, {"ihex", STP_FMT_IHEX}, {"ihx", STP_FMT_IHEX},
	{"intel", STP_FMT_IHEX},
	{"srec", STP_FMT_SREC}, {"s19", STP_FMT_SREC}, {"s28", STP_FMT_SREC},
	{"s37", STP_FMT_SREC}, {"mot", STP_FMT_SREC}, {"motorola", STP_FMT_SREC},
	{"elf", STP_FMT_ELF}, {"axf", STP_FMT_ELF},
	/* A .dfu file from ST tools is DfuSe; the plain suffix format is
	 * asked for by its own name (and detected by content anyway). */
	{"dfu", STP_FMT_DFUSE}, {"dfuse", STP_FMT_DFUSE},
	{"dfu-suffix", STP_FMT_DFU}, {"dfusuffix", STP_FMT_DFU},
};

stp_image_format stp_image_format_from_name(const char *s)
{
	size_t i;

	if (!s)
		return STP_FMT_AUTO;
	for (i = 0; i < sizeof(fmt_aliases) / sizeof(fmt_aliases[0]); i++)
		if (strcasecmp(s, fmt_aliases[i].name) == 0)
			return fmt_aliases[i].fmt;
	return STP_FMT_AUTO;
}

stp_image_format stp_image_format_from_path(const char *path)
{
	const char *slash, *dot;

	if (!path)
		return STP_FMT_AUTO;
	slash = strrchr(path, '/');
	dot = strrchr(slash ? slash + 1 : path, '.');
	if (!dot || dot[1] == '\0')
		return STP_FMT_AUTO;
	return stp_image_format_from_name(dot + 1);
}

/* ---- detection and dispatch ---- */

stp_image_format stp_image_detect(const uint8_t *buf, size_t len,
                                  const char *name)
{
	stp_image_format f;

	if (buf && len >= 4 && memcmp(buf, "\x7f" "ELF", 4) == 0)
		return STP_FMT_ELF;
	if (buf && len >= 5 && memcmp(buf, "DfuSe", 5) == 0)
		return STP_FMT_DFUSE;
	if (buf && stp_has_dfu_suffix(buf, len))
		return STP_FMT_DFU;
	if (buf && stp_looks_ihex(buf, len))
		return STP_FMT_IHEX;
	if (buf && stp_looks_srec(buf, len))
		return STP_FMT_SREC;
	f = stp_image_format_from_path(name);
	/* Anything else is taken as raw bytes. */
	return f == STP_FMT_AUTO ? STP_FMT_BIN : f;
}

stp_status stp_image_parse(stp_ctx *ctx, const uint8_t *buf, size_t len,
                           stp_image_format fmt, const char *name,
                           uint32_t base, stp_image **out)
{
	stp_image *img;
	stp_status st;

	if (!out)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_parse: no output pointer");
	*out = NULL;
	if (!buf && len)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_parse: no buffer");
	if (!name)
		name = "image";
	if ((unsigned)fmt >= STP_FMT_COUNT)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "%s: unknown image format %d", name, (int)fmt);
	if (fmt == STP_FMT_AUTO)
		fmt = stp_image_detect(buf, len, name);
	if (len == 0)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "check the file name, or the build step that "
		                "should have written it",
		                "%s: the file is empty", name);
	img = stp_image_new();
	if (!img)
		return nomem(ctx, name);

	switch (fmt) {
	case STP_FMT_BIN:
		st = stp_read_bin(ctx, buf, len, name, base, img);
		break;
	case STP_FMT_IHEX:
		st = stp_read_ihex(ctx, buf, len, name, img);
		break;
	case STP_FMT_SREC:
		st = stp_read_srec(ctx, buf, len, name, img);
		break;
	case STP_FMT_ELF:
		st = stp_read_elf(ctx, buf, len, name, img);
		break;
	case STP_FMT_DFUSE:
		st = stp_read_dfuse(ctx, buf, len, name, img);
		break;
	case STP_FMT_DFU:
		st = stp_read_dfu(ctx, buf, len, name, base, img);
		break;
	default:
		st = stp_fail(ctx, STP_ERR_INTERNAL, NULL,
		              "%s: no reader for format %d", name, (int)fmt);
		break;
	}
	/* A file without a single data byte is surely not what the user
	 * meant to program. */
	if (st == STP_OK && img->nsegs == 0)
		st = stp_fail(ctx, STP_ERR_IMAGE,
		              "a file that programs nothing is almost always the "
		              "wrong file; check its name, or how it was made",
		              "%s: the %s file holds no data", name,
		              stp_image_format_name(fmt));
	if (st != STP_OK) {
		stp_image_free(img);
		return st;
	}
	*out = img;
	return STP_OK;
}

/* ---- reading files ---- */

/* A HEX, S-record, ELF or DfuSe file bigger than this is no firmware
 * image: it carries at most a few MiB of data, and even an ELF with full
 * debug information stays far below it.  These formats spend file bytes
 * on text and headers, so only this coarse bound applies before parsing;
 * the planner checks what their data covers. */
#define STRUCTURED_FILE_MAX (256u * 1024 * 1024)
/* What is read before the format is known, to tell a raw binary (whose
 * every byte is data, so the data limit bounds the file) from the rest. */
#define HEAD_BYTES 65536u
/* A plain DFU suffix after raw bytes. */
#define DFU_SUFFIX_BYTES 16u

/* Computed on every call (a hundred rows): a cached copy would be a
 * global written by whichever thread came first. */
uint64_t stp_image_default_limit(void)
{
	uint64_t limit = 0;
	size_t n, i;
	const stp_chip *t;

	t = stp_chip_table(&n);
	for (i = 0; i < n; i++) {
		uint64_t ram = t[i].ram_end > t[i].ram_start
		                       ? t[i].ram_end - t[i].ram_start : 0;

		if (t[i].flash_size > limit)
			limit = t[i].flash_size;
		if (ram > limit)
			limit = ram;
	}
	return limit;
}

static bool raw_format(stp_image_format fmt)
{
	return fmt == STP_FMT_BIN || fmt == STP_FMT_DFU;
}

/* "2 MiB", "528 KiB", "1000 bytes" for messages. */
static const char *show_size(char *buf, size_t len, uint64_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

/* The most file bytes a file of format fmt may have: a raw binary holds
 * its data byte for byte, so no more than the limit and no more than the
 * address space above base; the other formats get the coarse bound. */
static uint64_t file_cap(stp_image_format fmt, uint32_t base, uint64_t limit)
{
	uint64_t room = ((uint64_t)1 << 32) - base;

	if (!raw_format(fmt))
		return STRUCTURED_FILE_MAX;
	if (room < limit)
		limit = room;
	return limit + (fmt == STP_FMT_DFU ? DFU_SUFFIX_BYTES : 0);
}

static stp_status too_big(stp_ctx *ctx, const char *path, bool regular,
                          uint64_t size, stp_image_format fmt, uint32_t base,
                          uint64_t limit, const char *limit_what)
{
	char a[32];
	uint64_t room = ((uint64_t)1 << 32) - base;
	const char *hint = "check the file name: a raw binary is programmed "
	                   "byte for byte";
	char head[160];

	if (regular)
		snprintf(head, sizeof(head), "%s is %llu bytes", path,
		         (unsigned long long)size);
	else
		snprintf(head, sizeof(head), "%s is not a regular file; reading "
		         "stopped after %llu bytes", path,
		         (unsigned long long)size);
	if (!raw_format(fmt))
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "an image file this large is not firmware; check "
		                "the file name",
		                "%s; an image in %s format can be at most %s", head,
		                stp_image_format_name(fmt),
		                show_size(a, sizeof(a), STRUCTURED_FILE_MAX));
	if (room < limit)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s; a raw binary at 0x%08X can be at most %s "
		                "(up to the end of the 4 GiB address space)", head,
		                (unsigned)base, show_size(a, sizeof(a), room));
	return stp_fail(ctx, STP_ERR_IMAGE, hint,
	                "%s; a raw binary can be at most %s, %s", head,
	                show_size(a, sizeof(a), limit),
	                limit_what ? limit_what
	                           : "the largest memory of any chip stmprog "
	                             "knows");
}

/* Reads up to want bytes more into buf (capacity cap); false on error. */
static bool read_more(int fd, uint8_t *buf, size_t *len, size_t want)
{
	while (want > 0) {
		ssize_t n = read(fd, buf + *len, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		*len += (size_t)n;
		want -= (size_t)n;
	}
	return true;
}

stp_status stp_image_load_max(stp_ctx *ctx, const char *path,
                              stp_image_format fmt, uint32_t base,
                              uint64_t limit, const char *limit_what,
                              stp_image **out)
{
	uint8_t *buf = NULL, *nb;
	size_t len = 0;
	uint64_t cap, size = 0;
	stp_image_format guess, shown;
	struct stat sb;
	bool regular;
	stp_status st;
	int fd;

	if (!out)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_load: no output pointer");
	*out = NULL;
	if (!path)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_load: no path");
	if (limit == 0)
		limit = stp_image_default_limit();
	/* A FIFO blocks here until its writer opens it, as with any reader. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return stp_fail(ctx, STP_ERR_FILE,
		                "check the file name and the directory stmprog "
		                "runs in, and that the file may be read",
		                "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		int e = errno;

		close(fd);
		return stp_fail(ctx, STP_ERR_FILE, NULL, "%s: cannot open: %s",
		                path, strerror(e));
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return stp_fail(ctx, STP_ERR_FILE, "name an image file in it",
		                "%s is a directory, not an image file", path);
	}
	/* Pipes and devices (/dev/stdin, <(objcopy ...)) are read too, but
	 * never further than a file of the same format could be long:
	 * /dev/zero must not fill the memory. */
	regular = S_ISREG(sb.st_mode);
	if (regular)
		size = (uint64_t)sb.st_size;
	buf = malloc(HEAD_BYTES);
	if (!buf) {
		close(fd);
		return nomem(ctx, path);
	}
	if (!read_more(fd, buf, &len, HEAD_BYTES))
		goto read_error;
	guess = fmt != STP_FMT_AUTO ? fmt : stp_image_detect(buf, len, path);
	/* A raw binary may end in a DFU suffix the head cannot show. */
	if (guess == STP_FMT_BIN && fmt == STP_FMT_AUTO)
		guess = STP_FMT_DFU;
	cap = file_cap(guess, base, limit);
	shown = guess == STP_FMT_DFU && fmt == STP_FMT_AUTO ? STP_FMT_BIN
	                                                   : guess;
	if (regular && size > cap) {
		st = too_big(ctx, path, true, size, shown, base, limit,
		             limit_what);
		goto fail;
	}
	if (len == HEAD_BYTES) {
		/* The rest, up to the cap and one byte more to see the end
		 * (a regular file: its size, unless it grew meanwhile). */
		uint64_t target = (regular && size < cap ? size : cap) + 1;

		if (target <= len)
			target = len + 1;
		nb = realloc(buf, (size_t)target);
		if (!nb) {
			st = nomem(ctx, path);
			goto fail;
		}
		buf = nb;
		if (!read_more(fd, buf, &len, (size_t)(target - len)))
			goto read_error;
	}
	if (len > cap) {
		st = too_big(ctx, path, regular, regular ? len : cap, shown,
		             base, limit, limit_what);
		goto fail;
	}
	close(fd);
	fd = -1;
	/* The guess allowed a DFU suffix; a file without one is data only. */
	if (fmt == STP_FMT_AUTO &&
	    stp_image_detect(buf, len, path) == STP_FMT_BIN &&
	    len > file_cap(STP_FMT_BIN, base, limit)) {
		st = too_big(ctx, path, regular, len, STP_FMT_BIN, base, limit,
		             limit_what);
		goto fail;
	}
	st = stp_image_parse(ctx, buf, len, fmt, path, base, out);
	free(buf);
	return st;

read_error:
	st = stp_fail(ctx, STP_ERR_FILE, NULL, "%s: read error: %s", path,
	              strerror(errno));
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return st;
}

stp_status stp_image_load(stp_ctx *ctx, const char *path,
                          stp_image_format fmt, uint32_t base,
                          stp_image **out)
{
	return stp_image_load_max(ctx, path, fmt, base, 0, NULL, out);
}

stp_status stp_image_write(stp_ctx *ctx, const stp_image *img,
                           stp_image_format fmt, const stp_write_opts *opts,
                           uint8_t **out, size_t *outlen)
{
	static const stp_write_opts defaults = {.fill = 0xFF};
	stp_obuf b = {0};
	stp_status st;

	if (!out || !outlen || !img)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_write: missing argument");
	*out = NULL;
	*outlen = 0;
	if (!opts)
		opts = &defaults;
	if (img->nsegs == 0)
		return stp_fail(ctx, STP_ERR_IMAGE, NULL,
		                "the image holds no data to write");
	switch (fmt) {
	case STP_FMT_BIN:
		st = stp_write_bin(ctx, img, opts, &b);
		break;
	case STP_FMT_IHEX:
		st = stp_write_ihex(ctx, img, opts, &b);
		break;
	case STP_FMT_SREC:
		st = stp_write_srec(ctx, img, opts, &b);
		break;
	case STP_FMT_DFUSE:
		st = stp_write_dfuse(ctx, img, opts, &b);
		break;
	case STP_FMT_DFU:
		st = stp_write_dfu(ctx, img, opts, &b);
		break;
	case STP_FMT_ELF:
		st = stp_fail(ctx, STP_ERR_UNSUPPORTED,
		              "write bin, ihex, srec or dfuse instead",
		              "writing ELF files is not supported");
		break;
	default:
		st = stp_fail(ctx, STP_ERR_ARG,
		              "name the output format (bin, ihex, srec, dfuse)",
		              "no output format given");
		break;
	}
	if (st == STP_OK && b.oom)
		st = stp_fail(ctx, STP_ERR_NOMEM, NULL,
		              "out of memory while writing a %s image",
		              stp_image_format_name(fmt));
	if (st != STP_OK) {
		free(b.p);
		return st;
	}
	*out = b.p;
	*outlen = b.len;
	return STP_OK;
}

stp_status stp_image_save(stp_ctx *ctx, const stp_image *img,
                          const char *path, stp_image_format fmt,
                          const stp_write_opts *opts)
{
	uint8_t *buf;
	size_t len;
	stp_status st;
	FILE *f;

	if (!path)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_image_save: no path");
	if (fmt == STP_FMT_AUTO) {
		fmt = stp_image_format_from_path(path);
		if (fmt == STP_FMT_AUTO)
			return stp_fail(ctx, STP_ERR_ARG,
			                "name the format, or use an extension "
			                "such as .bin, .hex, .srec or .dfu",
			                "%s: cannot tell the output format from "
			                "the file name", path);
	}
	st = stp_image_write(ctx, img, fmt, opts, &buf, &len);
	if (st != STP_OK)
		return st;
	f = fopen(path, "wb");
	if (!f) {
		st = stp_fail(ctx, STP_ERR_FILE, NULL, "%s: cannot create: %s",
		              path, strerror(errno));
		free(buf);
		return st;
	}
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0) {
		int e = errno;

		fclose(f);
		remove(path);
		free(buf);
		return stp_fail(ctx, STP_ERR_FILE, NULL, "%s: write error: %s",
		                path, strerror(e));
	}
	free(buf);
	if (fclose(f) != 0) {
		int e = errno;

		remove(path);
		return stp_fail(ctx, STP_ERR_FILE, NULL, "%s: write error: %s",
		                path, strerror(e));
	}
	return STP_OK;
}

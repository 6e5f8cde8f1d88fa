/* The shared input, context and byte link of the backend harnesses; see
 * fuzz_fake_input.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fake_input.h"

/* Plenty for the operations a harness runs; a host that makes more link
 * calls than this on one input is spinning. */
#define FZ_MAX_CALLS 2000000ul

void fz_init(fz_in *in, const uint8_t *d, size_t n)
{
	/* The last byte counts the control bytes just before it. */
	size_t ctl = n ? d[n - 1] : 0;
	uint8_t f;

	if (ctl > (n ? n - 1 : 0))
		ctl = n ? n - 1 : 0;
	memset(in, 0, sizeof(*in));
	in->d = d;
	in->ctl = n ? n - 1 : 0;
	in->ctl_end = in->ctl - ctl;
	in->dev_end = in->ctl_end;
	/* Most inputs lose no write; one in eight loses one of the first 32. */
	f = fz_ctl(in);
	in->fail_write = (f & 7) == 7 ? (f >> 3) + 1u : 0;
}

uint8_t fz_ctl(fz_in *in)
{
	return in->ctl > in->ctl_end ? in->d[--in->ctl] : 0;
}

uint32_t fz_ctl_u32(fz_in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | fz_ctl(in);
	return v;
}

bool fz_ctl_left(const fz_in *in)
{
	return in->ctl > in->ctl_end;
}

size_t fz_take(fz_in *in, uint8_t *buf, size_t n)
{
	size_t have = in->dev_end - in->head;

	if (n > have)
		n = have;
	if (n)
		memcpy(buf, in->d + in->head, n);
	in->head += n;
	return n;
}

size_t fz_device_left(const fz_in *in)
{
	return in->dev_end - in->head;
}

void fz_tick(fz_in *in)
{
	if (++in->calls > FZ_MAX_CALLS) {
		fprintf(stderr, "fuzz: the host made %lu link calls on one input "
		        "and is still going\n", in->calls);
		abort();
	}
}

bool fz_write_fails(fz_in *in)
{
	if (++in->writes != in->fail_write)
		return false;
	snprintf(in->err, sizeof(in->err), "write %u failed (fuzz)", in->writes);
	return true;
}

/* ---- the context ---------------------------------------------------- */

void fz_check_text(const char *what, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* Tabs and newlines are the library's own layout. */
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F) {
			fprintf(stderr, "fuzz: %s carries byte 0x%02X at %zu: \"%s\"\n",
			        what, *p, (size_t)((const char *)p - s), s);
			abort();
		}
	}
}

static void on_log(void *user, stp_log_level level, const char *msg)
{
	(void)level;
	fz_check_text("a log message", msg);
	if (user)
		fprintf(stderr, "%s\n", msg);
}

stp_ctx *fz_ctx_new(void)
{
	stp_ctx *ctx = stp_ctx_new();

	if (!ctx)
		abort();
	/* STMPROG_FUZZ_VERBOSE=1 prints the session, to see how far a seed
	 * gets. */
	stp_ctx_set_log(ctx, on_log, getenv("STMPROG_FUZZ_VERBOSE") ? ctx : NULL,
	                STP_LOG_TRACE);
	return ctx;
}

void fz_check_failure(stp_ctx *ctx)
{
	if (getenv("STMPROG_FUZZ_VERBOSE"))
		fprintf(stderr, "failed: %s\n", stp_last_detail(ctx));
	fz_check_text("a failure's detail", stp_last_detail(ctx));
	fz_check_text("a failure's hint", stp_last_hint(ctx));
}

/* ---- the byte link -------------------------------------------------- */

static int bl_write(void *user, const uint8_t *buf, size_t len)
{
	fz_in *in = user;

	(void)buf;
	(void)len;
	fz_tick(in);
	return fz_write_fails(in) ? -1 : 0;
}

static int bl_read(void *user, uint8_t *buf, size_t len, unsigned ms)
{
	fz_in *in = user;
	size_t got = 0;

	fz_tick(in);
	while (got < len && fz_device_left(in)) {
		uint8_t b = in->d[in->head];
		if (b == FZ_GAP) {
			if (fz_device_left(in) < 2 || in->d[in->head + 1] != 0) {
				in->head++; /* a pause: this read times out */
				break;
			}
			in->head++; /* FZ_GAP 0x00 is the byte itself */
		}
		buf[got++] = b;
		in->head++;
	}
	if (got < len)
		in->clock += ms;
	return (int)got;
}

/* Nothing is pending that a flush could drop: the device's bytes are
 * the input's, in order. */
static void bl_flush(void *user)
{
	fz_tick(user);
}

static uint64_t bl_now(void *user)
{
	return ((fz_in *)user)->clock;
}

static void bl_sleep(void *user, unsigned ms)
{
	fz_in *in = user;

	fz_tick(in);
	in->clock += ms;
}

static const char *bl_error(void *user)
{
	return ((fz_in *)user)->err;
}

void fz_byte_link(fz_in *in, byte_link *bl)
{
	*bl = (byte_link){.user = in, .write = bl_write, .read = bl_read,
	                  .flush = bl_flush, .now_ms = bl_now,
	                  .sleep_ms = bl_sleep, .error = bl_error};
}

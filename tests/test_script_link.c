/* The scripted byte link of the protocol tests; see test_script_link.h. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_script_link.h"

static void next_byte(script_link *sl)
{
	if (++sl->pos == sl->steps[sl->at].n) {
		sl->at++;
		sl->pos = 0;
	}
}

static int l_write(void *user, const uint8_t *buf, size_t len)
{
	script_link *sl = user;

	for (size_t i = 0; i < len; i++) {
		sl_step *s = sl->at < sl->nsteps ? &sl->steps[sl->at] : NULL;
		if (!s || s->who != 'H') {
			snprintf(sl->err, sizeof(sl->err),
			         "host sent 0x%02X ('%c') at step %zu, where the "
			         "script %s",
			         buf[i], buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.',
			         sl->at, s ? "has the device send" : "has ended");
			return -1;
		}
		if (s->b[sl->pos] != buf[i]) {
			snprintf(sl->err, sizeof(sl->err),
			         "step %zu byte %zu: expected 0x%02X, host sent 0x%02X",
			         sl->at, sl->pos, s->b[sl->pos], buf[i]);
			return -1;
		}
		next_byte(sl);
	}
	return 0;
}

static int l_read(void *user, uint8_t *buf, size_t len, unsigned ms)
{
	script_link *sl = user;
	size_t got = 0;

	while (got < len && sl->at < sl->nsteps && sl->steps[sl->at].who == 'D') {
		buf[got++] = sl->steps[sl->at].b[sl->pos];
		next_byte(sl);
	}
	if (got < len)
		sl->clock += ms;
	return (int)got;
}

/* Drops what the device has sent and the host not read: the device
 * bytes up to the host's next step. */
static void l_flush(void *user)
{
	script_link *sl = user;

	while (sl->at < sl->nsteps && sl->steps[sl->at].who == 'D') {
		sl->flushed += sl->steps[sl->at].n - sl->pos;
		sl->at++;
		sl->pos = 0;
	}
}

static uint64_t l_now(void *user)
{
	return ((script_link *)user)->clock;
}

static void l_sleep(void *user, unsigned ms)
{
	script_link *sl = user;

	sl->clock += ms;
	sl->slept += ms;
}

static const char *l_error(void *user)
{
	return ((script_link *)user)->err;
}

script_link *sl_new(void)
{
	script_link *sl = calloc(1, sizeof(*sl));

	cr_assert_not_null(sl);
	sl->link = (byte_link){.user = sl, .write = l_write, .read = l_read,
	                       .flush = l_flush, .now_ms = l_now,
	                       .sleep_ms = l_sleep, .error = l_error};
	return sl;
}

void sl_free(script_link *sl)
{
	free(sl);
}

void sl_bytes(script_link *sl, char who, const uint8_t *b, size_t n)
{
	sl_step *s;

	cr_assert_lt(sl->nsteps, SL_MAX_STEPS, "the script is full");
	cr_assert_leq(n, SL_MAX_BYTES);
	s = &sl->steps[sl->nsteps++];
	s->who = who;
	s->n = n;
	memcpy(s->b, b, n);
}

void sl_text(script_link *sl, char who, const char *text)
{
	sl_bytes(sl, who, (const uint8_t *)text, strlen(text));
}

/* The fuzz input as a CAN bus; see fuzz_fake_can.h. */
#include "config.h"

#include <string.h>

#include "fuzz_fake_can.h"

typedef struct fz_can {
	fz_in *in;
	bool fd;
} fz_can;

/* One per process: the harness runs one input at a time. */
static fz_can fc;

int fz_can_frame(fz_in *in, cl_frame *f)
{
	uint8_t h, id[4] = {0};
	unsigned dlc;

	if (!fz_take(in, &h, 1) || h == 0xFE)
		return 0;
	if (h == 0xFF)
		return -1;
	memset(f, 0, sizeof(*f));
	f->ext = h & 1;
	f->fd = h >> 1 & 1;
	f->brs = f->fd && (h >> 2 & 1);
	dlc = h >> 4;
	f->len = f->fd ? cl_dlc_len[dlc] : (uint8_t)(dlc > 8 ? 8 : dlc);
	if (f->ext) {
		fz_take(in, id, 4);
		f->id = ((uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
		         (uint32_t)id[2] << 8 | id[3]) & 0x1FFFFFFFu;
	} else {
		fz_take(in, id, 2);
		f->id = ((uint32_t)id[0] << 8 | id[1]) & 0x7FFu;
	}
	fz_take(in, f->data, f->len);
	return 1;
}

static int c_send(void *user, const cl_frame *f)
{
	fz_can *c = user;

	fz_tick(c->in);
	/* What a real adapter would refuse to put on the bus. */
	if (f->len > (f->fd ? 64 : 8) || (f->fd && cl_len_dlc(f->len) < 0) ||
	    f->id > (f->ext ? 0x1FFFFFFFu : 0x7FFu)) {
		strcpy(c->in->err, "an illegal frame");
		return -1;
	}
	return fz_write_fails(c->in) ? -1 : 0;
}

static int c_recv(void *user, cl_frame *f, unsigned ms)
{
	fz_can *c = user;
	int r;

	fz_tick(c->in);
	r = fz_can_frame(c->in, f);
	if (r == 0)
		c->in->clock += ms;
	else if (r < 0)
		strcpy(c->in->err, "receive error (fuzz)");
	return r;
}

static int c_set_bitrate(void *user, unsigned kbps)
{
	fz_can *c = user;

	(void)kbps;
	fz_tick(c->in);
	return fz_write_fails(c->in) ? -1 : 0;
}

static bool c_can_fd(void *user)
{
	return ((fz_can *)user)->fd;
}

static uint64_t c_now(void *user)
{
	return ((fz_can *)user)->in->clock;
}

static void c_sleep(void *user, unsigned ms)
{
	fz_can *c = user;

	fz_tick(c->in);
	c->in->clock += ms;
}

static const char *c_error(void *user)
{
	return ((fz_can *)user)->in->err;
}

void fz_can_link(fz_in *in, can_link *cl, bool fd)
{
	fc.in = in;
	fc.fd = fd;
	*cl = (can_link){.user = &fc, .send = c_send, .recv = c_recv,
	                 .set_bitrate = c_set_bitrate, .can_fd = c_can_fd,
	                 .now_ms = c_now, .sleep_ms = c_sleep, .error = c_error};
}

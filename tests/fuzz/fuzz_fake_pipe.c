/* The fuzz input as a DFU device's control pipe; see fuzz_fake_pipe.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fake_pipe.h"

static int p_control(void *user, uint8_t type, uint8_t request,
                     uint16_t value, uint16_t index, uint8_t *data,
                     uint16_t length, unsigned timeout_ms)
{
	fz_in *in = user;
	uint8_t h;

	(void)request;
	(void)value;
	(void)index;
	fz_tick(in);
	if (length && !data) {
		fprintf(stderr, "fuzz: a %u-byte control transfer without a "
		        "buffer\n", length);
		abort();
	}
	if (!(type & 0x80) && fz_write_fails(in))
		return DFU_IO_ERROR;
	if (!fz_take(in, &h, 1) || h == 0xFD) {
		in->clock += timeout_ms;
		return DFU_IO_TIMEOUT;
	}
	switch (h) {
	case 0xFF: return DFU_IO_STALL;
	case 0xFE: return DFU_IO_GONE;
	case 0xFC:
		strcpy(in->err, "LIBUSB_ERROR_IO (fuzz)");
		return DFU_IO_ERROR;
	default: break;
	}
	if (type & 0x80) {
		uint16_t n = h < length ? h : length;

		return (int)fz_take(in, data, n);
	}
	return h == 0xFB ? length / 2 : length;
}

static uint64_t p_now(void *user)
{
	return ((fz_in *)user)->clock;
}

static void p_sleep(void *user, unsigned ms)
{
	fz_in *in = user;

	fz_tick(in);
	in->clock += ms;
}

static const char *p_error(void *user)
{
	return ((fz_in *)user)->err;
}

void fz_dfu_io(fz_in *in, dfu_io *io)
{
	*io = (dfu_io){.user = in, .control = p_control, .now_ms = p_now,
	               .sleep_ms = p_sleep, .error = p_error};
}

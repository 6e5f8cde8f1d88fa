/* Lowering the FTDI latency timer through sysfs (latency.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"

bool latency_path(const char *port, char *buf, size_t len)
{
#ifdef __linux__
	const char *root = getenv(LATENCY_ENV), *name = port, *base;
	char real[PATH_MAX];
	int n;

	/* /dev/serial/by-id/... links name the same ttyUSBn. */
	if (realpath(port, real))
		name = real;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strncmp(base, "tty", 3) != 0)
		return false;
	if (!root || !*root)
		root = "/sys";
	n = snprintf(buf, len, "%s/bus/usb-serial/devices/%s/latency_timer", root,
	             base);
	return n > 0 && (size_t)n < len;
#else
	(void)port;
	(void)buf;
	(void)len;
	return false;
#endif
}

int latency_read(const char *port)
{
	char path[PATH_MAX];
	FILE *f;
	int ms = -1;

	if (!latency_path(port, path, sizeof(path)) || !(f = fopen(path, "r")))
		return -1;
	if (fscanf(f, "%d", &ms) != 1)
		ms = -1;
	fclose(f);
	return ms;
}

latency_result latency_lower(stp_ctx *ctx, const char *port)
{
	char path[PATH_MAX];
	int before = latency_read(port), err = 0;
	FILE *f;

	if (before < 0 || !latency_path(port, path, sizeof(path)))
		return LATENCY_NONE;
	if (before <= 1)
		return LATENCY_ALREADY;
	f = fopen(path, "w");
	if (!f) {
		err = errno;
	} else {
		if (fputs("1\n", f) < 0)
			err = errno;
		if (fclose(f) != 0 && !err)
			err = errno;
	}
	if (!err && latency_read(port) == 1) {
		stp_log(ctx, STP_LOG_INFO,
		        "%s: FTDI latency timer lowered from %d ms to 1 ms", port,
		        before);
		return LATENCY_SET;
	}
	stp_log(ctx, STP_LOG_WARN,
	        "note: the FTDI latency timer of %s is %d ms and %s cannot be "
	        "written (%s): transfers take about 1.7 times as long as at 1 ms. "
	        "Install contrib/udev/50-stmprog.rules (a rule setting "
	        "ATTR{latency_timer}=\"1\" for ftdi_sio ports), or run "
	        "`sudo chmod a+w %s` until the adapter is plugged again",
	        port, before, path,
	        err ? strerror(err) : "the value did not change", path);
	return LATENCY_DENIED;
}

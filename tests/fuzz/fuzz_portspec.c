/* libFuzzer harness: the port specification parser (-c port=... k=v),
 * both as one string (the whole input) and as separate words (the input
 * split at NUL bytes, as argv brings them).  A specification it accepts
 * is formatted for the log and that line must parse again to the same
 * port and settings: the log never shows a connection other than the one
 * made. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/portspec.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond, what)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s\n", what);                \
			abort();                                            \
		}                                                           \
	} while (0)

static void reparse(stp_ctx *ctx, const stp_portspec *a)
{
	char line[2048];
	stp_portspec b;

	check(memchr(a->port, '\0', sizeof(a->port)) &&
	      memchr(a->serial, '\0', sizeof(a->serial)) &&
	      memchr(a->init_seq, '\0', sizeof(a->init_seq)) &&
	      memchr(a->usb_path, '\0', sizeof(a->usb_path)),
	      "a string field is not terminated");
	check(a->transport == stp_port_transport(a->port),
	      "the transport is not the port name's");
	stp_portspec_format(a, line, sizeof(line));
	if (stp_portspec_parse_string(ctx, line, &b) != STP_OK) {
		fprintf(stderr, "fuzz: the log line \"%s\" does not parse: %s\n",
		        line, stp_last_detail(ctx));
		abort();
	}
	check(strcmp(a->port, b.port) == 0 && a->transport == b.transport,
	      "the log line names another port");
	switch (a->transport) {
	case STP_TRANSPORT_USB:
		check(a->usb_index == b.usb_index &&
		      strcmp(a->serial, b.serial) == 0 && a->vid == b.vid &&
		      a->pid == b.pid && strcmp(a->usb_path, b.usb_path) == 0,
		      "the log line selects another USB device");
		break;
	case STP_TRANSPORT_UART:
		check(a->baud == b.baud && a->parity == b.parity &&
		      a->data_bits == b.data_bits &&
		      a->stop_halves == b.stop_halves && a->flow == b.flow &&
		      a->noinit == b.noinit,
		      "the log line shows other serial settings");
		break;
	case STP_TRANSPORT_CAN:
		check(a->can_kbps == b.can_kbps,
		      "the log line shows another CAN bit rate");
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stp_ctx *ctx = stp_ctx_new();
	fuzz_words w;
	stp_portspec spec;

	if (!ctx)
		return 0;
	if (fuzz_split(data, size, 64, NULL, &w)) {
		/* The whole input up to its first NUL as one string... */
		if (stp_portspec_parse_string(ctx, w.buf, &spec) == STP_OK)
			reparse(ctx, &spec);
		/* ...and every NUL-separated piece as its own word. */
		if (stp_portspec_parse(ctx, w.n, (const char *const *)w.word,
		                       &spec) == STP_OK)
			reparse(ctx, &spec);
		fuzz_words_free(&w);
	}
	stp_ctx_free(ctx);
	return 0;
}

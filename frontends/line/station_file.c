/* station_file.c: the station file, which slot is wired to which port
 * and part, and where the production log lives (line_config.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmprog/portspec.h"
#include "line_config.h"
#include "yaml_doc.h"

#define MAX_SLOTS 64
#define NAME_MAX_LEN 32

static const char *const station_keys[] = {
	"station", "log", "poll_interval_ms", "retries", "retry_delay_ms",
	"flag_after", "slots", NULL
};
static const char *const slot_keys[] = {
	"name", "port", "chip", "retries", NULL
};

static bool is_postgres(const char *log)
{
	return !strncmp(log, "postgresql://", 13) ||
	       !strncmp(log, "postgres://", 11) || !strncmp(log, "pg:", 3);
}

/* Two specifications that open the same device: for USB the selectors
 * (the N-th device among those matching path, sn, VID and PID), for
 * serial ports the file they lead to (the name when it does not exist
 * here), for CAN the interface's name. */
static bool same_port(const stp_portspec *a, const stp_portspec *b)
{
	if (a->transport != b->transport)
		return false;
	if (a->transport == STP_TRANSPORT_UART) {
		/* /dev/serial/by-path/... and /dev/ttyUSB0 may be one tty. */
		char *ra = realpath(a->port, NULL), *rb = realpath(b->port, NULL);
		bool same = ra && rb ? !strcmp(ra, rb) : !strcmp(a->port, b->port);

		free(ra);
		free(rb);
		return same;
	}
	if (a->transport != STP_TRANSPORT_USB)
		return !strcmp(a->port, b->port);
	return a->usb_index == b->usb_index &&
	       !strcmp(a->usb_path, b->usb_path) &&
	       !strcmp(a->serial, b->serial) && a->vid == b->vid &&
	       a->pid == b->pid;
}

static int read_port(ydoc *d, const ymap *m, line_slot_cfg *slot,
                     stp_portspec *spec)
{
	yaml_node_t *node = ymap_value(m, "port");
	char kp[128], *value = NULL;
	stp_ctx *ctx;
	size_t len;
	int rc;

	rc = ymap_str(m, "port", true, STP_PORT_MAX + 256,
	              "the port as stmprog -c takes it (\"usb path=1-2\", "
	              "\"/dev/ttyUSB0 br=115200\", \"can0 br=500\")", &value);
	if (rc)
		return -1;
	ydoc_keypath(m->path, "port", kp, sizeof(kp));
	if (!strncasecmp(value, "port=", 5)) {
		slot->port = value;
	} else {
		len = strlen(value) + 6;
		slot->port = malloc(len);
		if (!slot->port) {
			free(value);
			return ydoc_fail(d, node, kp, "out of memory");
		}
		snprintf(slot->port, len, "port=%s", value);
		free(value);
	}
	ctx = stp_ctx_new();
	if (!ctx)
		return ydoc_fail(d, node, kp, "out of memory");
	if (stp_portspec_parse_string(ctx, slot->port, spec) != STP_OK) {
		const char *hint = stp_last_hint(ctx);

		ydoc_fail(d, node, kp, "'%s': %s%s%s", slot->port + 5,
		          stp_last_detail(ctx), hint && *hint ? "; " : "",
		          hint && *hint ? hint : "");
		stp_ctx_free(ctx);
		return -1;
	}
	stp_ctx_free(ctx);
	return 0;
}

static int read_chip(ydoc *d, const ymap *m, line_slot_cfg *slot)
{
	char kp[128], *value = NULL;
	bool ambiguous = false;
	int rc;

	rc = ymap_str(m, "chip", false, 64, "the part wired to the slot "
	              "(a name or PID, as stmprog --chips lists them)", &value);
	if (rc)
		return rc < 0 ? -1 : 0;
	ydoc_keypath(m->path, "chip", kp, sizeof(kp));
	slot->chip = stp_chip_find(value, &ambiguous);
	if (!slot->chip) {
		ydoc_fail(d, ymap_value(m, "chip"), kp, ambiguous ?
		          "'%s' names more than one part; give the PID or a "
		          "longer name (stmprog --chips lists them)" :
		          "'%s' is no part stmprog knows; give a name or PID "
		          "that stmprog --chips lists", value);
		free(value);
		return -1;
	}
	free(value);
	return 0;
}

static int read_slot(ydoc *d, yaml_node_t *node, size_t index,
                     const line_station *st, line_slot_cfg *slot,
                     stp_portspec *spec)
{
	char path[64], buf[24];
	uint64_t v;
	ymap m;
	int rc;

	ydoc_itempath("slots", index, path, sizeof(path));
	slot->line = ydoc_line(node);
	slot->retries = st->retries;
	if (ydoc_map(d, node, path, slot_keys, &m))
		return -1;
	rc = ymap_str(&m, "name", false, NAME_MAX_LEN, "a name for the "
	              "slot, unique in the station", &slot->name);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		snprintf(buf, sizeof(buf), "%zu", index + 1);
		slot->name = strdup(buf);
		if (!slot->name)
			return ydoc_fail(d, node, path, "out of memory");
	}
	if (read_port(d, &m, slot, spec) || read_chip(d, &m, slot))
		return -1;
	rc = ymap_uint(&m, "retries", false, 0, 100, "the attempts after a "
	               "failure", &v);
	if (rc < 0)
		return -1;
	if (rc == 0)
		slot->retries = (unsigned)v;
	return 0;
}

/* The node of a slot's key, for the line of an error about it. */
static yaml_node_t *slot_value(ydoc *d, yaml_node_t *slots, size_t i,
                               const char *key)
{
	ymap m = {.d = d, .node = ydoc_item(d, slots, i)};
	yaml_node_t *v = ymap_value(&m, key);

	return v ? v : m.node;
}

static int check_unique(ydoc *d, const line_station *st, size_t i,
                        const stp_portspec *specs, yaml_node_t *slots)
{
	char kp[64];

	for (size_t j = 0; j < i; j++) {
		const line_slot_cfg *a = &st->slots[j], *b = &st->slots[i];

		if (!strcmp(a->name, b->name)) {
			ydoc_itempath("slots", i, kp, sizeof(kp));
			strncat(kp, ".name", sizeof(kp) - strlen(kp) - 1);
			return ydoc_fail(d, slot_value(d, slots, i, "name"), kp,
			                 "'%s' is also the name of slots[%zu] "
			                 "(line %u); give each slot its own name",
			                 b->name, j + 1, a->line);
		}
		if (same_port(&specs[j], &specs[i])) {
			ydoc_itempath("slots", i, kp, sizeof(kp));
			strncat(kp, ".port", sizeof(kp) - strlen(kp) - 1);
			return ydoc_fail(d, slot_value(d, slots, i, "port"), kp,
			                 "'%s' opens the same device as "
			                 "slots[%zu] (line %u); wire each slot "
			                 "to its own port", b->port + 5, j + 1,
			                 a->line);
		}
	}
	return 0;
}

static int read_station(ydoc *d, line_station *st)
{
	yaml_node_t *slots = NULL;
	stp_portspec *specs = NULL;
	char *log = NULL;
	uint64_t v;
	ymap m;
	int rc = -1;

	if (ydoc_map(d, ydoc_root(d), "", station_keys, &m))
		return -1;
	if (ymap_str(&m, "station", true, 64, "the station's name, as the "
	             "log records it", &st->name))
		return -1;
	if (ymap_str(&m, "log", true, 4096, "the production log: an SQLite "
	             "file name or a postgresql:// connection string", &log))
		return -1;
	st->log = is_postgres(log) ? strdup(log) : ydoc_resolve(d, log);
	free(log);
	if (!st->log)
		return ydoc_fail(d, NULL, "log", "out of memory");
	st->poll_ms = 500;
	st->retries = 1;
	st->retry_delay_ms = 200;
	st->flag_after = 3;
	if ((rc = ymap_uint(&m, "poll_interval_ms", false, 10, 600000,
	                    "the time between connection attempts", &v)) < 0)
		return -1;
	if (!rc)
		st->poll_ms = (unsigned)v;
	if ((rc = ymap_uint(&m, "retries", false, 0, 100, "the attempts "
	                    "after a failure", &v)) < 0)
		return -1;
	if (!rc)
		st->retries = (unsigned)v;
	if ((rc = ymap_uint(&m, "retry_delay_ms", false, 0, 600000,
	                    "the pause before a retry", &v)) < 0)
		return -1;
	if (!rc)
		st->retry_delay_ms = (unsigned)v;
	if ((rc = ymap_uint(&m, "flag_after", false, 1, 10000, "the failed "
	                    "boards in a row that flag a slot", &v)) < 0)
		return -1;
	if (!rc)
		st->flag_after = (unsigned)v;

	if (ymap_seq(&m, "slots", true, "the slots, one '- port: ...' each",
	             &slots))
		return -1;
	st->nslots = ydoc_seq_len(slots);
	if (st->nslots == 0 || st->nslots > MAX_SLOTS)
		return ydoc_fail(d, slots, "slots", "%zu slots; a station has "
		                 "1 to %d", st->nslots, MAX_SLOTS);
	st->slots = calloc(st->nslots, sizeof(*st->slots));
	specs = calloc(st->nslots, sizeof(*specs));
	if (!st->slots || !specs) {
		free(specs);
		return ydoc_fail(d, slots, "slots", "out of memory");
	}
	rc = 0;
	for (size_t i = 0; i < st->nslots && !rc; i++) {
		rc = read_slot(d, ydoc_item(d, slots, i), i, st, &st->slots[i],
		               &specs[i]);
		if (!rc)
			rc = check_unique(d, st, i, specs, slots);
	}
	free(specs);
	return rc;
}

int line_station_load(const char *path, line_station *st, char *err,
                      size_t errlen)
{
	ydoc d;
	int rc;

	memset(st, 0, sizeof(*st));
	st->path = strdup(path);
	if (!st->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (ydoc_load(&d, st->path, err, errlen)) {
		line_station_free(st);
		return -1;
	}
	rc = read_station(&d, st);
	ydoc_free(&d);
	if (rc)
		line_station_free(st);
	return rc;
}

void line_station_free(line_station *st)
{
	if (!st)
		return;
	for (size_t i = 0; st->slots && i < st->nslots; i++) {
		free(st->slots[i].name);
		free(st->slots[i].port);
	}
	free(st->slots);
	free(st->log);
	free(st->name);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

/* stmprog-sim: the station file (sim_station.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_station.h"

/* What stmprog -c takes for d: "port=/dev/pts/5 br=115200",
 * "port=usb path=1-2", "port=slcan:/dev/pts/7 br=125". */
static void port_spec(const sim_device *d, char *out, size_t len)
{
	const char *port = d->ops->port(d->t);

	if (!strcmp(d->ops->name, "usb")) {
		/* port is "usb:1-I" or "usbI"; the path is the same in both. */
		snprintf(out, len, "port=usb path=1-%u", d->number);
	} else if (!strcmp(d->ops->name, "slcan")) {
		bool fd = (d->opts->chip->interfaces & STP_IF_FDCAN) != 0;
		unsigned kbps = d->cfg.can_kbps ? d->cfg.can_kbps : fd ? 500 : 125;

		snprintf(out, len, "port=%s br=%u", port, kbps);
	} else {
		snprintf(out, len, "port=%s br=%u", port,
		         d->cfg.baud ? d->cfg.baud : 115200u);
	}
}

#ifdef SIM_HAVE_YAML
#include <yaml.h>

static int scalar(yaml_emitter_t *e, const char *s, bool quoted)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
	                             (int)strlen(s), 1, 1, quoted ?
	                             YAML_DOUBLE_QUOTED_SCALAR_STYLE :
	                             YAML_ANY_SCALAR_STYLE);
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int begin(yaml_emitter_t *e, bool map)
{
	yaml_event_t ev;

	if (map)
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		                                    YAML_BLOCK_MAPPING_STYLE);
	else
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		                                     YAML_BLOCK_SEQUENCE_STYLE);
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int end(yaml_emitter_t *e, bool map)
{
	yaml_event_t ev;

	if (map)
		yaml_mapping_end_event_initialize(&ev);
	else
		yaml_sequence_end_event_initialize(&ev);
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_station(yaml_emitter_t *e, const sim_device *dev, unsigned n)
{
	yaml_event_t ev;
	int rc = 0;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(e, &ev))
		return -1;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(e, &ev))
		return -1;
	rc |= begin(e, true);
	rc |= scalar(e, "station", false) | scalar(e, "sim", false);
	rc |= scalar(e, "log", false) | scalar(e, "sim-line.db", false);
	rc |= scalar(e, "slots", false) | begin(e, false);
	for (unsigned i = 0; i < n && !rc; i++) {
		char name[16], port[256];

		snprintf(name, sizeof(name), "%u", dev[i].number);
		port_spec(&dev[i], port, sizeof(port));
		rc |= begin(e, true);
		rc |= scalar(e, "name", false) | scalar(e, name, true);
		rc |= scalar(e, "port", false) | scalar(e, port, true);
		rc |= scalar(e, "chip", false) |
		      scalar(e, dev[i].opts->chip->name, true);
		rc |= end(e, true);
	}
	rc |= end(e, false) | end(e, true);
	if (rc)
		return -1;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(e, &ev))
		return -1;
	yaml_stream_end_event_initialize(&ev);
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

int sim_station_write(const char *path, const sim_device *dev, unsigned n,
                      char *err, size_t errlen)
{
	yaml_emitter_t e;
	FILE *f = fopen(path, "we");
	int rc;

	if (!f) {
		snprintf(err, errlen, "--station %s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_emitter_initialize(&e)) {
		fclose(f);
		snprintf(err, errlen, "--station: out of memory");
		return -1;
	}
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_unicode(&e, 1);
	rc = emit_station(&e, dev, n);
	if (rc)
		snprintf(err, errlen, "--station %s: %s", path,
		         e.problem ? e.problem : "cannot write it");
	yaml_emitter_delete(&e);
	if (fclose(f) != 0 && !rc) {
		snprintf(err, errlen, "--station %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}
#else
int sim_station_write(const char *path, const sim_device *dev, unsigned n,
                      char *err, size_t errlen)
{
	char port[256];

	(void)path;
	(void)n;
	port_spec(dev, port, sizeof(port)); /* keeps one port rule for both */
	snprintf(err, errlen, "--station: this stmprog-sim was built without "
	         "libyaml (install libyaml-dev and rebuild)");
	return -1;
}
#endif

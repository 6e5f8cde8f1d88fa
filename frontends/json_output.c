/* JSON lines for --json (see json_output.h and docs/json.md). */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_output.h"
#include "stmprog/chip.h"
#include "stmprog/target.h"

static const char *const level_names[] = {"error", "warning", "info", "debug",
                                          "trace"};
static const char *const phase_names[] = {"erase", "write", "verify", "read"};
static const char *const type_names[] = {
	[STP_EVENT_LOG] = "log",
	[STP_EVENT_PHASE_BEGIN] = "phase_begin",
	[STP_EVENT_PROGRESS] = "progress",
	[STP_EVENT_PHASE_END] = "phase_end",
	[STP_EVENT_PHASE_FAILED] = "phase_failed",
	[STP_EVENT_IDENTIFIED] = "identified",
	[STP_EVENT_UNIT_REPAIRED] = "unit_repaired",
	[STP_EVENT_RESULT] = "result",
};

static const char *name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "unknown";
}
#define NAME_OF(names, i) name_of(names, sizeof(names) / sizeof(names[0]), (i))

/* A copy of s that is valid UTF-8: what a USB descriptor, a port name or a
 * file name holds is bytes, and a JSON reader refuses a line that is not
 * UTF-8.  glibc's converter decides what is valid (it refuses overlong
 * forms and surrogates); each byte it refuses becomes U+FFFD. */
static char *utf8_copy(const char *s)
{
	static iconv_t cd = (iconv_t)-1;
	size_t in_left = strlen(s), out_left = 3 * in_left;
	char *out = malloc(out_left + 1), *ip = (char *)s, *op = out;
	bool ascii = true;

	if (!out)
		return NULL;
	for (const char *p = s; *p && ascii; p++)
		ascii = !((unsigned char)*p & 0x80);
	if (ascii) {
		memcpy(out, s, in_left + 1);
		return out;
	}
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "UTF-8");
	while (in_left) {
		if (cd != (iconv_t)-1 &&
		    iconv(cd, &ip, &in_left, &op, &out_left) != (size_t)-1)
			break;
		if (cd != (iconv_t)-1 && errno != EILSEQ && errno != EINVAL)
			break;
		/* Without a converter every byte above ASCII is replaced. */
		if (cd == (iconv_t)-1 && !((unsigned char)*ip & 0x80)) {
			*op++ = *ip;
			out_left--;
		} else {
			memcpy(op, "\xEF\xBF\xBD", 3);
			op += 3;
			out_left -= 3;
		}
		ip++;
		in_left--;
		if (cd != (iconv_t)-1)
			iconv(cd, NULL, NULL, NULL, NULL);
	}
	*op = '\0';
	return out;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	char *v = utf8_copy(s ? s : "");

	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
	free(v);
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *line_new(const char *type)
{
	json_object *o = json_object_new_object();

	if (o) {
		json_object_object_add(o, "schema",
		                       json_object_new_int(STMPROG_JSON_SCHEMA));
		json_object_object_add(o, "type", json_object_new_string(type));
	}
	return o;
}

/* One object, one line, flushed: a reader sees each event as it happens. */
static void line_put(FILE *f, json_object *o)
{
	if (!o)
		return;
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	fflush(f);
	json_object_put(o);
}

/* The ID as the reference manuals print it (words at +8, +4, +0, each
 * most significant digit first), as the terminal's connection line. */
static void add_uid(json_object *o, const stp_device_info *info)
{
	static const char *const status[] = {"unread", "read", "protected",
	                                     "no_address", "unreadable"};
	char hex[25];

	json_object_object_add(o, "uid_status",
	                       json_object_new_string(NAME_OF(status, info->uid_status)));
	if (info->uid_status != STP_UID_READ) {
		json_object_object_add(o, "uid", NULL);
		return;
	}
	for (int w = 2; w >= 0; w--) {
		const uint8_t *b = info->uid + 4 * w;
		snprintf(hex + 8 * (2 - w), 9, "%02X%02X%02X%02X", b[3], b[2], b[1],
		         b[0]);
	}
	add_str(o, "uid", hex);
}

static void add_identified(json_object *o, const stp_event *ev)
{
	const stp_device_info *info = ev->info;
	json_object *cands, *usb;
	char ver[8];

	add_str(o, "backend", ev->backend);
	add_str(o, "port", ev->target);
	if (!info)
		return;
	json_object_object_add(o, "pid", json_object_new_int(info->pid));
	add_str(o, "chip", info->chip ? info->chip->name : "");
	add_str(o, "family", info->chip ? info->chip->family : "");
	add_str(o, "identity", info->identity);
	add_str(o, "description", info->description);
	if (info->bl_version) {
		snprintf(ver, sizeof(ver), "%u.%u", info->bl_version >> 4,
		         info->bl_version & 15);
		add_str(o, "bootloader_version", ver);
	} else {
		json_object_object_add(o, "bootloader_version", NULL);
	}
	add_u64(o, "flash_size", info->flash_size);
	cands = json_object_new_array();
	for (unsigned i = 0; cands && i < info->ncandidates &&
	     i < sizeof(info->candidates) / sizeof(info->candidates[0]); i++)
		json_object_array_add(cands, json_object_new_int(info->candidates[i]));
	json_object_object_add(o, "candidates", cands);
	add_uid(o, info);
	if (!info->usb_location[0] && !info->usb_vid) {
		json_object_object_add(o, "usb", NULL);
		return;
	}
	usb = json_object_new_object();
	if (!usb)
		return;
	json_object_object_add(usb, "vid", json_object_new_int(info->usb_vid));
	json_object_object_add(usb, "pid", json_object_new_int(info->usb_pid));
	add_str(usb, "location", info->usb_location);
	add_str(usb, "serial", info->serial);
	json_object_object_add(o, "usb", usb);
}

static void add_phase(json_object *o, const stp_event *ev)
{
	json_object_object_add(o, "phase",
	                       json_object_new_string(NAME_OF(phase_names, ev->phase)));
	json_object_object_add(o, "unit", json_object_new_string(
		ev->phase == STP_PHASE_ERASE ? "units" : "bytes"));
	add_u64(o, "done", ev->kind == STP_EVENT_PHASE_BEGIN ? 0
	                   : ev->kind == STP_EVENT_PHASE_END ? ev->total
	                   : ev->done);
	add_u64(o, "total", ev->total);
}

void json_event(FILE *f, const stp_event *ev)
{
	json_object *o = line_new(NAME_OF(type_names, ev->kind));

	if (!o)
		return;
	add_u64(o, "time_ns", ev->time_ns);
	add_str(o, "target", ev->target);
	switch (ev->kind) {
	case STP_EVENT_LOG:
		json_object_object_add(o, "level", json_object_new_string(
			NAME_OF(level_names, ev->level)));
		add_str(o, "message", ev->message);
		break;
	case STP_EVENT_PHASE_BEGIN:
	case STP_EVENT_PROGRESS:
	case STP_EVENT_PHASE_END:
		add_phase(o, ev);
		break;
	case STP_EVENT_PHASE_FAILED:
		add_phase(o, ev);
		json_object_object_add(o, "status", json_object_new_string(
			stp_status_name(ev->status)));
		add_str(o, "message", ev->message);
		break;
	case STP_EVENT_IDENTIFIED:
		add_identified(o, ev);
		break;
	case STP_EVENT_UNIT_REPAIRED:
		add_u64(o, "addr", ev->addr);
		add_u64(o, "len", ev->len);
		add_str(o, "message", ev->message);
		break;
	case STP_EVENT_RESULT:
		add_str(o, "message", ev->message);
		break;
	}
	line_put(f, o);
}

void json_output_text(FILE *f, const char *text)
{
	json_object *o = line_new("output");

	if (!o)
		return;
	add_str(o, "text", text);
	line_put(f, o);
}

void json_exit(FILE *f, int code, const char *code_name, const char *status,
               const char *detail, const char *hint)
{
	json_object *o = line_new("exit");

	if (!o)
		return;
	json_object_object_add(o, "code", json_object_new_int(code));
	add_str(o, "code_name", code_name);
	add_str(o, "status", status);
	add_str(o, "detail", detail);
	add_str(o, "hint", hint);
	line_put(f, o);
}

void json_version(FILE *f, const char *version)
{
	json_object *o = line_new("version");

	if (!o)
		return;
	add_str(o, "version", version);
	line_put(f, o);
}

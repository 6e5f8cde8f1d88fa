/* stmprog-line: the station file and the job file.
 *
 * Both are YAML, read with libyaml's document API: YAML holds the nested
 * lists both need (slots, images, option bytes), and every node keeps its
 * line, so every error can name the file, the line and the key.  (inih
 * has no lists; json-c and jansson keep no line numbers; a hand-written
 * reader is what the project does not do.)  docs/production.md shows
 * both files.
 *
 * Errors: the load functions return -1 with one sentence in err, of the
 * form "FILE:LINE: KEY: what is wrong; the fix" (for example
 * "station.yaml:7: slots[2].port: 'usb pth=1-2': unknown key 'pth';
 * expected path=, sn= or index (stmprog -l usb shows the paths)"). */
#ifndef STMPROG_LINE_CONFIG_H
#define STMPROG_LINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"
#include "stmprog/job.h"

#include "serial_rule.h"

/* One jig position. */
typedef struct line_slot_cfg {
	char *name;             /* `name:`, unique in the station; default
	                           its position, "1", "2", ... */
	/* `port:`, a port specification as stmprog's -c takes it, with or
	 * without the leading "port=": "usb path=1-2.3",
	 * "/dev/serial/by-path/...-port0 br=115200 P=EVEN init=...",
	 * "can0 br=500", "slcan:/dev/ttyACM0 br=125".  Stored with "port="
	 * in front, checked with stp_portspec_parse_string at load. */
	char *port;
	/* `chip:`, the part wired there (a name or PID the chip database
	 * knows), or NULL: the job is then checked against it before
	 * anything runs. */
	const stp_chip *chip;
	unsigned retries;       /* `retries:` (else the station's) */
	unsigned line;          /* where the slot starts in the file */
} line_slot_cfg;

typedef struct line_station {
	char *path;             /* the file as given */
	char *name;             /* `station:` (required) */
	/* `log:` (required): a file name for SQLite, relative names taken
	 * from the station file's directory and stored resolved; or a
	 * PostgreSQL connection string, kept as written ("postgresql://...",
	 * "postgres://..." or "pg:KEY=VALUE ..." for libpq's key/value
	 * form without the "pg:"). */
	char *log;
	unsigned poll_ms;       /* `poll_interval_ms:` continuous mode's
	                           connection attempts; default 500 */
	unsigned retries;       /* `retries:` default for slots; default 1 */
	unsigned retry_delay_ms;/* `retry_delay_ms:` default 200 */
	unsigned flag_after;    /* `flag_after:` consecutive failed boards
	                           before a slot is flagged; default 3 */
	line_slot_cfg *slots;   /* `slots:` (required, 1..64) */
	size_t nslots;
} line_station;

/* One `images:` entry. */
typedef struct line_image_cfg {
	char *path;             /* `file:`, resolved against the job file's
	                           directory */
	bool has_addr;          /* `address:` given (for .bin: required;
	                           refused for formats that carry their
	                           own addresses: .hex .srec .elf .dfu ...) */
	uint32_t addr;
	unsigned line;
} line_image_cfg;

typedef enum line_end {
	LINE_END_STAY = 0,      /* `end: stay` (default) */
	LINE_END_GO             /* `end: go`: start the application */
} line_end;

typedef struct line_job_cfg {
	char *path;
	char *name;             /* `name:` (required): the job's name in
	                           the log */
	line_image_cfg *images; /* `images:` (required, >= 1) */
	size_t nimages;
	char **option_bytes;    /* `option_bytes:` KEY=VALUE strings, as
	                           stmprog -ob takes them, or NULL */
	size_t noption_bytes;
	/* `confirm_irreversible:` the kinds named, as --confirm-irreversible
	 * takes them (stmprog/guard.h), 0 when absent */
	unsigned confirm;
	bool has_serial;        /* `serial:` given */
	line_serial_rule serial;
	line_end end;
	bool has_go_addr;       /* `go_address:` with end: go */
	uint32_t go_addr;
	/* Where `option_bytes:`, `serial:` and `end:` start (0: absent),
	 * for line_job_build's messages. */
	unsigned option_bytes_line, serial_line, end_line;
	/* `verify:` only "always" is accepted (the default): every byte
	 * written is verified, by CRC where the ROM has it, else by reading
	 * back; anything else is refused with that sentence. */
} line_job_cfg;

int line_station_load(const char *path, line_station *st, char *err,
                      size_t errlen);
void line_station_free(line_station *st);
int line_job_load(const char *path, line_job_cfg *job, char *err,
                  size_t errlen);
void line_job_free(line_job_cfg *job);

/* The job as libstmprog runs it: every image added (in order), option
 * bytes, a verify step, the end action, then validated (with cfg->confirm
 * set on ctx for the guard; the caller sets it on each board's context
 * too, since stp_job_run checks the guard there).  With chip non-NULL, stp_job_set_chip first, so an
 * address or unit the part does not have is refused here, naming the
 * job file and the slot's chip; and the serial's address range must lie
 * in that part's flash.  Without: the serial must not overlap any image
 * byte (checked in every case).  sha256 receives the SHA-256 of the
 * content every board gets (the images in job order, each image's
 * segments in its order, by .dfu alternate setting then address: the
 * 4-byte little-endian address, the 4-byte little-endian length, the
 * bytes; a raw binary is one segment at its address), which the log
 * records; the serial and the option bytes are not part of it.  With
 * chip, option-byte names the part lacks are refused here too (values
 * and the guard are checked on the board).  An error inside an image
 * names its images[N] line.  Returns 0, or -1 with
 * "FILE: ..." (and the line where one is known) in err; ctx's last
 * detail has libstmprog's own words. */
int line_job_build(const line_job_cfg *cfg, stp_ctx *ctx, const stp_chip *chip,
                   stp_job **job, uint8_t sha256[32], char *err, size_t errlen);

#endif

/* stmprog-line's station and job files, its serial rule and the job
 * built from them: every encoding's bytes and text, good files read
 * whole, bad ones refused naming the file, the line and the key, and
 * the job checked against a slot's part, with the content hash compared
 * against Python's hashlib. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line_config.h"
#include "serial_rule.h"
#include "stmprog/context.h"
#include "test_helpers.h"

static char err[1024];

/* ---- the serial rule -------------------------------------------- */

static line_serial_rule rule(line_serial_encoding enc, unsigned digits,
                             const char *prefix)
{
	line_serial_rule r;

	memset(&r, 0, sizeof(r));
	r.encoding = enc;
	r.digits = digits;
	snprintf(r.prefix, sizeof(r.prefix), "%s", prefix);
	r.step = 1;
	return r;
}

static void expect_encoding(line_serial_rule r, uint64_t serial,
                            const uint8_t *bytes, size_t n,
                            const char *text)
{
	uint8_t out[64];
	char txt[LINE_SERIAL_TEXT_MAX];

	memset(out, 0xEE, sizeof(out));
	cr_assert_eq(line_serial_size(&r), n);
	cr_assert_eq(line_serial_encode(&r, serial, out, sizeof(out), txt,
	                                sizeof(txt)), 0);
	cr_assert_arr_eq(out, bytes, n);
	cr_assert_eq(out[n], 0xEE, "nothing written past the serial");
	cr_assert_str_eq(txt, text);
}

Test(serial_rule, binary_encodings)
{
	expect_encoding(rule(LINE_SERIAL_LE32, 0, ""), 0x12345678,
	                (const uint8_t[]){0x78, 0x56, 0x34, 0x12}, 4,
	                "0x12345678");
	expect_encoding(rule(LINE_SERIAL_BE32, 0, ""), 1000,
	                (const uint8_t[]){0x00, 0x00, 0x03, 0xE8}, 4,
	                "0x000003E8");
	expect_encoding(rule(LINE_SERIAL_LE64, 0, ""), 0x0102030405060708,
	                (const uint8_t[]){8, 7, 6, 5, 4, 3, 2, 1}, 8,
	                "0x0102030405060708");
	expect_encoding(rule(LINE_SERIAL_BE64, 0, ""), 0xA1B2,
	                (const uint8_t[]){0, 0, 0, 0, 0, 0, 0xA1, 0xB2}, 8,
	                "0x000000000000A1B2");
}

Test(serial_rule, ascii_encodings)
{
	expect_encoding(rule(LINE_SERIAL_ASCII_DEC, 6, "SN"), 123,
	                (const uint8_t *)"SN000123", 8, "SN000123");
	expect_encoding(rule(LINE_SERIAL_ASCII_DEC, 3, ""), 7,
	                (const uint8_t *)"007", 3, "007");
	expect_encoding(rule(LINE_SERIAL_ASCII_HEX, 8, "B-"), 0xBEEF,
	                (const uint8_t *)"B-0000BEEF", 10, "B-0000BEEF");
	expect_encoding(rule(LINE_SERIAL_ASCII_HEX, 16, ""), UINT64_MAX,
	                (const uint8_t *)"FFFFFFFFFFFFFFFF", 16,
	                "FFFFFFFFFFFFFFFF");
	expect_encoding(rule(LINE_SERIAL_ASCII_DEC, 20, ""), UINT64_MAX,
	                (const uint8_t *)"18446744073709551615", 20,
	                "18446744073709551615");
}

Test(serial_rule, maxima_and_overflow)
{
	struct {
		line_serial_rule r;
		uint64_t max;
	} cases[] = {
		{rule(LINE_SERIAL_LE32, 0, ""), 0xFFFFFFFFu},
		{rule(LINE_SERIAL_BE32, 0, ""), 0xFFFFFFFFu},
		{rule(LINE_SERIAL_LE64, 0, ""), UINT64_MAX},
		{rule(LINE_SERIAL_BE64, 0, ""), UINT64_MAX},
		{rule(LINE_SERIAL_ASCII_DEC, 1, ""), 9},
		{rule(LINE_SERIAL_ASCII_DEC, 6, "SN"), 999999},
		{rule(LINE_SERIAL_ASCII_DEC, 19, ""), 9999999999999999999u},
		{rule(LINE_SERIAL_ASCII_DEC, 20, ""), UINT64_MAX},
		{rule(LINE_SERIAL_ASCII_HEX, 1, ""), 0xF},
		{rule(LINE_SERIAL_ASCII_HEX, 5, "X"), 0xFFFFF},
		{rule(LINE_SERIAL_ASCII_HEX, 16, ""), UINT64_MAX},
	};
	uint8_t out[64];
	char txt[LINE_SERIAL_TEXT_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line_serial_rule *r = &cases[i].r;

		cr_assert_eq(line_serial_max(r), cases[i].max, "case %zu", i);
		cr_assert_eq(line_serial_encode(r, cases[i].max, out,
		                                sizeof(out), txt, sizeof(txt)),
		             0, "case %zu: the maximum fits", i);
		if (cases[i].max != UINT64_MAX)
			cr_assert_eq(line_serial_encode(r, cases[i].max + 1, out,
			                                sizeof(out), txt,
			                                sizeof(txt)), -1,
			             "case %zu: one more does not", i);
	}
	/* A buffer shorter than the serial is refused, not overrun. */
	line_serial_rule r = rule(LINE_SERIAL_LE32, 0, "");
	cr_assert_eq(line_serial_encode(&r, 1, out, 3, txt, sizeof(txt)), -1);
}

/* ---- files -------------------------------------------------------- */

TestSuite(station, .init = th_dir_setup, .fini = th_dir_teardown);
TestSuite(job, .init = th_dir_setup, .fini = th_dir_teardown);

static const char *write_file(const char *name, const char *text)
{
	const char *path = th_dir_path(name);
	static char keep[4][512];
	static int next;
	char *p = keep[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(keep[0]), "%s", path);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void write_bytes(const char *name, const uint8_t *data, size_t n)
{
	FILE *f = fopen(th_dir_path(name), "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* The station in `text` is refused with "PATH:LOCATION" then `rest`
 * somewhere after it. */
static void station_refused(const char *text, const char *location,
                            const char *rest)
{
	const char *path = write_file("station.yaml", text);
	line_station st;
	char head[600];

	cr_assert_eq(line_station_load(path, &st, err, sizeof(err)), -1,
	             "accepted: %s", text);
	snprintf(head, sizeof(head), "%s:%s", path, location);
	cr_assert_eq(strncmp(err, head, strlen(head)), 0,
	             "'%s' does not start with '%s'", err, head);
	cr_assert_not_null(strstr(err + strlen(head), rest),
	                   "'%s' does not say '%s'", err, rest);
	cr_assert_null(st.slots, "nothing left after a refusal");
}

static void job_refused(const char *text, const char *location,
                        const char *rest)
{
	const char *path = write_file("job.yaml", text);
	line_job_cfg job;
	char head[600];

	cr_assert_eq(line_job_load(path, &job, err, sizeof(err)), -1,
	             "accepted: %s", text);
	snprintf(head, sizeof(head), "%s:%s", path, location);
	cr_assert_eq(strncmp(err, head, strlen(head)), 0,
	             "'%s' does not start with '%s'", err, head);
	cr_assert_not_null(strstr(err + strlen(head), rest),
	                   "'%s' does not say '%s'", err, rest);
	cr_assert_null(job.images, "nothing left after a refusal");
}

Test(station, good_file_with_defaults)
{
	const char *path = write_file("station.yaml",
		"station: line-a-1\n"
		"log: production.db\n"
		"retries: 2\n"
		"retry_delay_ms: 0x64\n"
		"slots:\n"
		"  - name: left\n"
		"    port: usb path=1-2.3\n"
		"    chip: STM32F405\n"
		"  - port: port=/dev/ttyUSB0 br=57600 P=EVEN\n"
		"    retries: 0\n"
		"  - port: slcan:/dev/ttyACM0 br=125\n"
		"    chip: 0x413\n");
	line_station st;
	char want[600];

	cr_assert_eq(line_station_load(path, &st, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_str_eq(st.name, "line-a-1");
	snprintf(want, sizeof(want), "%s/production.db", th_dir);
	cr_assert_str_eq(st.log, want, "relative to the station file");
	cr_assert_eq(st.poll_ms, 500);
	cr_assert_eq(st.retries, 2);
	cr_assert_eq(st.retry_delay_ms, 100);
	cr_assert_eq(st.flag_after, 3);
	cr_assert_eq(st.nslots, 3);
	cr_assert_str_eq(st.slots[0].name, "left");
	cr_assert_str_eq(st.slots[0].port, "port=usb path=1-2.3");
	cr_assert_eq(st.slots[0].chip->pid, 0x413);
	cr_assert_eq(st.slots[0].retries, 2, "the station's default");
	cr_assert_eq(st.slots[0].line, 6);
	cr_assert_str_eq(st.slots[1].name, "2", "named by its position");
	cr_assert_str_eq(st.slots[1].port,
	                 "port=/dev/ttyUSB0 br=57600 P=EVEN");
	cr_assert_null(st.slots[1].chip);
	cr_assert_eq(st.slots[1].retries, 0);
	cr_assert_eq(st.slots[1].line, 9);
	cr_assert_str_eq(st.slots[2].name, "3");
	cr_assert_eq(st.slots[2].chip->pid, 0x413);
	line_station_free(&st);
}

Test(station, postgres_log_kept_as_written)
{
	const char *path = write_file("station.yaml",
		"station: s\n"
		"log: pg:host=/tmp dbname=line\n"
		"slots: [ { port: can0 } ]\n");
	line_station st;

	cr_assert_eq(line_station_load(path, &st, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_str_eq(st.log, "pg:host=/tmp dbname=line");
	cr_assert_str_eq(st.slots[0].port, "port=can0");
	line_station_free(&st);
}

#define HEAD "station: s\nlog: l.db\n"

Test(station, unknown_key_names_the_nearest)
{
	station_refused(HEAD "slots:\n  - port: can0\n  - pot: can1\n",
	                "5: slots[2].pot: ", "did you mean 'port'?");
	station_refused(HEAD "retrys: 3\nslots: [ { port: can0 } ]\n",
	                "3: retrys: ", "did you mean 'retries'?");
}

Test(station, duplicate_key)
{
	station_refused(HEAD "slots:\n  - port: can0\n    port: can1\n",
	                "5: slots[1].port: ", "given twice (first on line 4)");
}

Test(station, duplicate_slot_name_and_port)
{
	station_refused(HEAD "slots:\n"
	                "  - name: a\n    port: can0\n"
	                "  - name: a\n    port: can1\n",
	                "6: slots[2].name: ", "also the name of slots[1]");
	/* A default name is a name too. */
	station_refused(HEAD "slots:\n"
	                "  - name: \"2\"\n    port: can0\n"
	                "  - port: can1\n",
	                "6: slots[2].name: ", "'2' is also the name");
	station_refused(HEAD "slots:\n"
	                "  - port: usb path=1-2\n"
	                "  - port: usb:1-2\n",
	                "5: slots[2].port: ", "the same device as slots[1]");
	station_refused(HEAD "slots:\n"
	                "  - port: /dev/ttyUSB0 br=115200\n"
	                "  - port: /dev/ttyUSB0 br=57600\n",
	                "5: slots[2].port: ", "the same device");
	/* Two names of one tty. */
	cr_assert_eq(symlink("/dev/null", th_dir_path("by-path-port0")), 0);
	char text[1024];
	snprintf(text, sizeof(text), HEAD "slots:\n"
	         "  - port: %s\n"
	         "  - port: /dev/null\n", th_dir_path("by-path-port0"));
	station_refused(text, "5: slots[2].port: ", "the same device");
}

Test(station, bad_port_spec_carries_the_core_detail)
{
	station_refused(HEAD "slots:\n  - port: can0\n\n  - port: usb pth=1-2\n",
	                "6: slots[2].port: 'usb pth=1-2': ",
	                "unknown key 'pth' in the port specification; "
	                "USB keys: sn VID PID path");
	station_refused(HEAD "slots:\n  - port: /dev/ttyUSB0 br=abc\n",
	                "4: slots[1].port: '/dev/ttyUSB0 br=abc': ", "br");
}

Test(station, unknown_and_ambiguous_chip)
{
	station_refused(HEAD "slots:\n  - port: can0\n    chip: STM32Z999\n",
	                "5: slots[1].chip: ", "'STM32Z999' is no part");
	station_refused(HEAD "slots:\n  - port: can0\n    chip: F4\n",
	                "5: slots[1].chip: ", "more than one part");
}

Test(station, missing_values_numbers_and_syntax)
{
	station_refused("station: s\nslots: [ { port: can0 } ]\n",
	                "1: log: ", "missing");
	station_refused(HEAD "slots: []\n", "3: slots: ", "0 slots");
	station_refused(HEAD "poll_interval_ms: 5\nslots: [ { port: can0 } ]\n",
	                "3: poll_interval_ms: ", "out of range");
	station_refused(HEAD "flag_after: 0x\nslots: [ { port: can0 } ]\n",
	                "3: flag_after: ", "not a number");
	station_refused(HEAD "retries: -1\nslots: [ { port: can0 } ]\n",
	                "3: retries: ", "not a number");
	station_refused(HEAD "slots:\n  - port: can0\n  - port: [can1\n",
	                "6: YAML syntax: ", "");
	station_refused(HEAD "slots:\n  - port:\n", "4: slots[1].port: ",
	                "no value");
	station_refused("- a\n- b\n", "1: ", "write the file as a mapping");
	station_refused("", "", "no YAML document");
}

/* ---- the job file ---------------------------------------------- */

Test(job, good_file)
{
	const char *path = write_file("job.yaml",
		"name: blink-1.2.0\n"
		"images:\n"
		"  - file: fw.hex\n"
		"  - file: /abs/cal.bin\n"
		"    address: 0x08060000\n"
		"option_bytes: [ \"nBOOT_SEL=0\", \"BOR_LEV=2\" ]\n"
		"confirm_irreversible: [ rdp2, otp ]\n"
		"serial:\n"
		"  address: 0x0800FFF0\n"
		"  encoding: ascii-hex\n"
		"  digits: 8\n"
		"  prefix: \"SN-\"\n"
		"  start: 0x1000\n"
		"  step: 2\n"
		"  on_failure: return\n"
		"verify: always\n"
		"end: go\n"
		"go_address: 0x08000000\n");
	line_job_cfg job;
	char want[600];

	cr_assert_eq(line_job_load(path, &job, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(job.name, "blink-1.2.0");
	cr_assert_eq(job.nimages, 2);
	snprintf(want, sizeof(want), "%s/fw.hex", th_dir);
	cr_assert_str_eq(job.images[0].path, want);
	cr_assert_not(job.images[0].has_addr);
	cr_assert_eq(job.images[0].line, 3);
	cr_assert_str_eq(job.images[1].path, "/abs/cal.bin");
	cr_assert(job.images[1].has_addr);
	cr_assert_eq(job.images[1].addr, 0x08060000);
	cr_assert_eq(job.noption_bytes, 2);
	cr_assert_str_eq(job.option_bytes[1], "BOR_LEV=2");
	cr_assert_eq(job.confirm, 5u, "rdp2 | otp");
	cr_assert(job.has_serial);
	cr_assert_eq(job.serial_line, 8);
	cr_assert_eq(job.serial.address, 0x0800FFF0);
	cr_assert_eq(job.serial.encoding, LINE_SERIAL_ASCII_HEX);
	cr_assert_eq(job.serial.digits, 8);
	cr_assert_str_eq(job.serial.prefix, "SN-");
	cr_assert_eq(job.serial.start, 0x1000);
	cr_assert_eq(job.serial.step, 2);
	cr_assert_str_eq(job.serial.sequence, "blink-1.2.0", "the job's name");
	cr_assert_eq(job.serial.on_failure, LINE_SERIAL_RETURN);
	cr_assert_eq(job.end, LINE_END_GO);
	cr_assert(job.has_go_addr);
	cr_assert_eq(job.go_addr, 0x08000000);
	line_job_free(&job);
}

Test(job, defaults)
{
	const char *path = write_file("job.yaml",
		"name: j\nimages: [ { file: a.hex } ]\n"
		"serial: { address: 0x08004000, encoding: le32 }\n");
	line_job_cfg job;

	cr_assert_eq(line_job_load(path, &job, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(job.end, LINE_END_STAY);
	cr_assert_eq(job.confirm, 0);
	cr_assert_null(job.option_bytes);
	cr_assert_eq(job.serial.start, 1);
	cr_assert_eq(job.serial.step, 1);
	cr_assert_eq(job.serial.on_failure, LINE_SERIAL_VOID);
	line_job_free(&job);

	path = write_file("job.yaml",
		"name: j\nimages: [ { file: a.hex } ]\n"
		"serial: { address: 0x08004000, encoding: ascii-dec, digits: 4,"
		" prefix: \"\", sequence: shared }\n");
	cr_assert_eq(line_job_load(path, &job, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(job.serial.prefix, "");
	cr_assert_str_eq(job.serial.sequence, "shared");
	cr_assert_eq(line_serial_size(&job.serial), 4);
	line_job_free(&job);
}

#define JHEAD "name: j\nimages:\n  - file: a.hex\n"

Test(job, bad_serial_rules)
{
	job_refused(JHEAD "serial:\n  address: 0x08004000\n  encoding: le16\n",
	            "6: serial.encoding: ", "'le16' is not one of le32, be32");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n  encoding: le32\n"
	            "  digits: 8\n", "7: serial.digits: ", "only the ascii");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n"
	            "  encoding: ascii-dec\n", "5: serial.digits: ", "missing");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n"
	            "  encoding: ascii-dec\n  digits: 21\n",
	            "7: serial.digits: ", "from 1 to 20");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n"
	            "  encoding: ascii-dec\n  digits: 3\n  start: 1000\n",
	            "8: serial.start: ", "from 0 to 999");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n"
	            "  encoding: ascii-dec\n  digits: 3\n  start: 990\n"
	            "  step: 10\n",
	            "9: serial.step: ", "no second serial under 999");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n  encoding: le32\n"
	            "  start: 0x100000000\n", "7: serial.start: ",
	            "out of range");
	job_refused(JHEAD "serial:\n  address: 0xFFFFFFFE\n  encoding: le32\n",
	            "5: serial.address: ", "past the end");
	job_refused(JHEAD "serial:\n  encoding: le32\n  adress: 1\n",
	            "6: serial.adress: ", "did you mean 'address'?");
	job_refused(JHEAD "serial:\n  address: 0x08004000\n  encoding: le32\n"
	            "  on_failure: keep\n", "7: serial.on_failure: ",
	            "'keep' is not one of return, void");
}

Test(job, bad_job_keys)
{
	job_refused("name: j\nimages:\n  - file: a.bin\n",
	            "3: images[1].address: ", "missing");
	job_refused("name: j\nimages:\n  - file: a.hex\n    address: 0x100\n",
	            "4: images[1].address: ", "raw binaries");
	job_refused(JHEAD "verify: sometimes\n", "4: verify: ",
	            "only 'always'");
	job_refused(JHEAD "go_address: 0x08000000\n", "4: go_address: ",
	            "without 'end: go'");
	job_refused(JHEAD "end: run\n", "4: end: ", "'run' is not one of stay, go");
	job_refused(JHEAD "confirm_irreversible: rdp2,brick\n",
	            "4: confirm_irreversible: ", "'brick'");
	job_refused(JHEAD "option_bytes:\n  - RDP\n", "5: option_bytes[1]: ",
	            "no KEY=VALUE");
	job_refused(JHEAD "name: k\n", "4: name: ", "given twice");
	job_refused("images:\n  - file: a.hex\n", "1: name: ", "missing");
	job_refused("name: j\nimages: []\n", "2: images: ", "0 images");
}

/* ---- the built job ---------------------------------------------- */

static stp_ctx *ctx;

static void build_setup(void)
{
	th_dir_setup();
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
}

static void build_teardown(void)
{
	stp_ctx_free(ctx);
	th_dir_teardown();
}

TestSuite(build, .init = build_setup, .fini = build_teardown);

static int build(const char *jobtext, const char *chipname, stp_job **job,
                 uint8_t sha[32])
{
	const char *path = write_file("job.yaml", jobtext);
	const stp_chip *chip = NULL;
	line_job_cfg cfg;
	int rc;

	if (chipname) {
		chip = stp_chip_find(chipname, NULL);
		cr_assert_not_null(chip);
	}
	cr_assert_eq(line_job_load(path, &cfg, err, sizeof(err)), 0, "%s", err);
	rc = line_job_build(&cfg, ctx, chip, job, sha, err, sizeof(err));
	line_job_free(&cfg);
	return rc;
}

static void fill(uint8_t *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)((i * 7 + seed) % 251); /* never 0xFF */
}

Test(build, sha256_matches_hashlib)
{
	uint8_t a[300], b[37], sha[32];
	char cmd[1024], out[256], hex[65];
	stp_job *job = NULL;

	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 11);
	write_bytes("a.bin", a, sizeof(a));
	write_bytes("b.bin", b, sizeof(b));
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000000\n"
	                   "  - file: b.bin\n    address: 0x08004000\n"
	                   "serial: { address: 0x08003FF0, encoding: le64 }\n",
	                   "STM32F405", &job, sha), 0, "%s", err);
	cr_assert_not_null(job);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	th_need("python3", "python3");
	snprintf(cmd, sizeof(cmd),
	         "python3 -c 'import hashlib,struct,sys\n"
	         "h=hashlib.sha256()\n"
	         "for name,addr in ((\"a.bin\",0x08000000),(\"b.bin\",0x08004000)):\n"
	         "  d=open(sys.argv[1]+\"/\"+name,\"rb\").read()\n"
	         "  h.update(struct.pack(\"<II\",addr,len(d))+d)\n"
	         "print(h.hexdigest(),end=\"\")' %s", th_dir);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert_str_eq(hex, out);
	stp_job_free(job);
}

Test(build, image_beyond_the_slot_chip_refused)
{
	uint8_t a[64], sha[32];
	stp_job *job = (stp_job *)&job; /* must come back NULL */
	char head[600];

	fill(a, sizeof(a), 1);
	write_bytes("a.bin", a, sizeof(a));
	/* STM32F401xB/C: 256 KiB at most, so 0x08040000 is past its end. */
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08040000\n",
	                   "0x423", &job, sha), -1);
	cr_assert_null(job);
	snprintf(head, sizeof(head), "%s:3: images[1]: ",
	         th_dir_path("job.yaml"));
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	cr_assert_not_null(strstr(err, "outside the flash"), "%s", err);
	cr_assert_not_null(strstr(err, "STM32F401"), "names the part: %s", err);
	/* The same job fits an F405 (1 MiB). */
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08040000\n",
	                   "0x413", &job, sha), 0, "%s", err);
	stp_job_free(job);
}

Test(build, serial_outside_the_chip_flash_refused)
{
	uint8_t a[64], sha[32];
	stp_job *job = NULL;
	char head[600];

	fill(a, sizeof(a), 1);
	write_bytes("a.bin", a, sizeof(a));
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000000\n"
	                   "serial:\n  address: 0x08100000\n  encoding: le32\n",
	                   "0x423", &job, sha), -1);
	snprintf(head, sizeof(head), "%s:5: serial.address: ",
	         th_dir_path("job.yaml"));
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	cr_assert_not_null(strstr(err, "not in the flash of the slot's "
	                           "STM32F401"), "%s", err);
	cr_assert_null(job);
}

Test(build, serial_overlapping_an_image_refused)
{
	uint8_t a[64], sha[32];
	stp_job *job = NULL;
	char head[600];

	fill(a, sizeof(a), 1);
	write_bytes("a.bin", a, sizeof(a));
	/* The last serial byte is the image's first: refused with no chip
	 * named too. */
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000100\n"
	                   "serial:\n  address: 0x080000FD\n  encoding: be32\n",
	                   NULL, &job, sha), -1);
	snprintf(head, sizeof(head), "%s:5: serial.address: ",
	         th_dir_path("job.yaml"));
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	cr_assert_not_null(strstr(err, "0x080000FD..0x08000100 overlap "
	                           "images[1]"), "%s", err);
	cr_assert_null(job);
	/* One byte lower, it fits. */
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000100\n"
	                   "serial:\n  address: 0x080000FC\n  encoding: be32\n",
	                   NULL, &job, sha), 0, "%s", err);
	stp_job_free(job);
}

Test(build, option_byte_unknown_to_the_slot_chip_refused)
{
	uint8_t a[64], sha[32];
	stp_job *job = NULL;
	char head[600];

	fill(a, sizeof(a), 1);
	write_bytes("a.bin", a, sizeof(a));
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000000\n"
	                   "option_bytes: [ \"BOR_LEV=2\", \"nBOOT_SEL=0\" ]\n",
	                   "0x413", &job, sha), -1);
	snprintf(head, sizeof(head), "%s:5: option_bytes[2]: 'nBOOT_SEL' "
	         "is no option-byte field of the slot's STM32F405",
	         th_dir_path("job.yaml"));
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	cr_assert_null(job);
	cr_assert_eq(build("name: j\nimages:\n"
	                   "  - file: a.bin\n    address: 0x08000000\n"
	                   "option_bytes: [ \"BOR_LEV=2\" ]\n",
	                   "0x413", &job, sha), 0, "%s", err);
	stp_job_free(job);
}

Test(build, missing_image_names_its_line)
{
	uint8_t sha[32];
	stp_job *job = NULL;
	char head[600];

	cr_assert_eq(build("name: j\nimages:\n  - file: a.hex\n"
	                   "  - file: nothere.hex\n", NULL, &job, sha), -1);
	snprintf(head, sizeof(head), "%s:3: images[1]: ",
	         th_dir_path("job.yaml"));
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	cr_assert_null(job);
}

Test(build, the_examples_load_and_build)
{
	char station[512], jobfile[512];
	line_station st;
	line_job_cfg cfg;
	stp_job *job = NULL;
	uint8_t sha[32];

	snprintf(station, sizeof(station),
	         "%s/contrib/examples/line/station-sim.yaml", th_srcdir());
	snprintf(jobfile, sizeof(jobfile),
	         "%s/contrib/examples/line/job-blink-f405.yaml", th_srcdir());
	cr_assert_eq(line_station_load(station, &st, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(line_job_load(jobfile, &cfg, err, sizeof(err)), 0,
	             "%s", err);
	for (size_t i = 0; i < st.nslots; i++) {
		cr_assert_eq(line_job_build(&cfg, ctx, st.slots[i].chip, &job,
		                            sha, err, sizeof(err)), 0, "%s", err);
		stp_job_free(job);
	}
	line_job_free(&cfg);
	line_station_free(&st);
}

/* stmprog-sim with --device: usb, uart and slcan devices in one run, each
 * programmed by stmprog through its own port; the --station file names
 * ports stmprog takes; and boards that come and go (--boards, removal
 * after the host went quiet, --control requests), each new board a new
 * chip with its own UID and flash file. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef SIM_TEST_HAVE_YAML
#include <yaml.h>
#endif

#include "stmprog/chip.h"
#include "stmprog/context.h"
#include "stmprog/portspec.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

#define PID "0x413"

static char out[65536];

TestSuite(sim_mixed, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

static const char *named(const char *fmt, unsigned i)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, i);
	return th_dir_path(name);
}

/* appI.bin: its own contents and length, so no flash can pass for
 * another's. */
static unsigned char *make_image(unsigned i, size_t *len)
{
	unsigned char *img;

	*len = 1024 + 512 * i;
	img = e2e_make_app(e2e_chip(PID), *len, 200 + i);
	e2e_spit(named("app%u.bin", i), img, *len);
	return img;
}

/* The flash file holds img and is erased after it. */
static void assert_flash_holds(const char *path, const unsigned char *img,
                               size_t len, const char *who)
{
	const stp_chip *c = e2e_chip(PID);
	size_t flen;
	unsigned char *flash = e2e_slurp(path, &flen);

	cr_assert_eq(flen, c->flash_size, "%s: flash file size", who);
	cr_assert_eq(memcmp(flash, img, len), 0, "%s: flash is not its image",
	             who);
	cr_assert(e2e_all_equal(flash + len, 16384 - len, c->erased_value),
	          "%s: bytes after its image are not erased", who);
	free(flash);
}

/* Writes a shell script with a helper: wait_for TEXT waits (5 s at most)
 * until the trace has a line containing TEXT. */
static void write_script(const char *name, const char *body)
{
	FILE *f = fopen(th_dir_path(name), "w");

	cr_assert(f);
	fprintf(f,
	        "set -e\n"
	        "dir='%s'\n"
	        "stmprog='%s'\n"
	        "wait_for() {\n"
	        "  n=0\n"
	        "  until grep -q \"$1\" \"$dir/trace.txt\"; do\n"
	        "    n=$((n + 1)); [ $n -lt 100 ] || { echo \"no '$1'\"; exit 8; }\n"
	        "    sleep 0.05\n"
	        "  done\n"
	        "}\n"
	        "%s\n",
	        th_dir, th_build_path("frontends/stmprog"), body);
	fclose(f);
}

/* The simulator with simopts running `sh SCRIPT ARGS`. */
static int run_sim(const char *simopts, const char *script, const char *args)
{
	char cmd[8192];
	char trace[4300], path[4300];

	snprintf(trace, sizeof(trace), "%s", th_dir_path("trace.txt"));
	snprintf(path, sizeof(path), "%s", th_dir_path(script));
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; cd '%s' && '%s' --timing none "
	         "--trace '%s' %s -- sh '%s' %s",
	         th_dir, th_build_path("contrib/sim/stmprog-sim"), trace, simopts,
	         path, args);
	return th_run(cmd, out, sizeof(out));
}

/* The UID in stmprog's connection lines ("..., UID 37A6...D5F6"), the
 * n-th (from 0), into uid[25]. */
static void connection_uid(unsigned n, char uid[25])
{
	const char *p = out;

	for (unsigned i = 0;; i++) {
		p = strstr(p, "Connected through");
		cr_assert(p, "no connection line %u in:\n%s", n + 1, out);
		if (i == n)
			break;
		p++;
	}
	p = strstr(p, "UID ");
	cr_assert(p, "no UID in the connection line:\n%s", out);
	memcpy(uid, p + 4, 24);
	uid[24] = '\0';
}

/* The UID the simulator announced for board k of device d. */
static void inserted_uid(unsigned d, unsigned k, char uid[25])
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "device %u: board %u inserted (UID ", d, k);
	p = strstr(out, key);
	cr_assert(p, "no '%s' in:\n%s", key, out);
	memcpy(uid, p + strlen(key), 24);
	uid[24] = '\0';
}

/* uart, usb, slcan and usb again: four devices of three transports, one
 * image each through {port1}..{port4}; the usb ones keep their paths
 * (1-2 and 1-4) among the pty devices. */
Test(sim_mixed, three_transports_one_run)
{
	static const char *const kinds[] = {"uart", "usb", "slcan", "usb"};
	unsigned char *img[4];
	size_t len[4];
	char opts[2048];
	size_t used = 0;

	for (unsigned i = 1; i <= 4; i++)
		img[i - 1] = make_image(i, &len[i - 1]);
	/* Before the first --device: everyone's. */
	snprintf(opts, sizeof(opts), "--chip %s", PID);
	used = strlen(opts);
	for (unsigned i = 1; i <= 4; i++)
		used += (size_t)snprintf(opts + used, sizeof(opts) - used,
		                         " --device %s --flash '%s'", kinds[i - 1],
		                         named("f%u.bin", i));
	write_script("each.sh",
	             "i=0\n"
	             "for port in \"$@\"; do\n"
	             "  i=$((i + 1))\n"
	             "  eval env_port=\\$STMPROG_SIM_PORT$i\n"
	             "  [ \"$port\" = \"$env_port\" ] || { echo \"device $i: $port "
	             "is not $env_port\"; exit 9; }\n"
	             "  echo \"port$i=$port\"\n"
	             "  \"$stmprog\" -c port=\"$port\" -q -d \"$dir/app$i.bin\" "
	             "0x08000000 -v\n"
	             "done\n"
	             "[ \"$i\" = 4 ]\n"
	             "[ -z \"$STMPROG_SIM_TTY2\" ] && [ -n \"$STMPROG_SIM_TTY3\" ]\n");
	cr_assert_eq(run_sim(opts, "each.sh", "{port1} {port2} {port3} {port4}"),
	             0, "%s", out);
	cr_assert(strstr(out, "port1=/dev/pts/"), "%s", out);
	cr_assert(strstr(out, "port2=usb:1-2\n"), "%s", out);
	cr_assert(strstr(out, "port3=slcan:/dev/pts/"), "%s", out);
	cr_assert(strstr(out, "port4=usb:1-4\n"), "%s", out);
	for (unsigned i = 1; i <= 4; i++) {
		char who[32], prefix[16];

		snprintf(who, sizeof(who), "device %u (%s)", i, kinds[i - 1]);
		assert_flash_holds(named("f%u.bin", i), img[i - 1], len[i - 1], who);
		free(img[i - 1]);
		/* Each device's own trace lines, whatever its protocol. */
		snprintf(prefix, sizeof(prefix), "d%u ", i);
		cr_assert_gt(e2e_count_lines(th_dir_path("trace.txt"), prefix), 0,
		             "no trace lines of %s", who);
	}
}

#ifdef SIM_TEST_HAVE_YAML
/* The slots of a station file, read with libyaml: port and chip of each,
 * in order. */
static unsigned read_station(const char *path, char ports[][256],
                             char chips[][64], unsigned max)
{
	FILE *f = fopen(path, "r");
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *slots = NULL;
	unsigned n = 0;

	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_file(&p, f);
	cr_assert(yaml_parser_load(&p, &doc), "%s is not YAML", path);
	root = yaml_document_get_root_node(&doc);
	cr_assert(root && root->type == YAML_MAPPING_NODE);
	for (yaml_node_pair_t *kv = root->data.mapping.pairs.start;
	     kv < root->data.mapping.pairs.top; kv++) {
		yaml_node_t *k = yaml_document_get_node(&doc, kv->key);
		yaml_node_t *v = yaml_document_get_node(&doc, kv->value);

		if (!strcmp((char *)k->data.scalar.value, "slots"))
			slots = v;
		if (!strcmp((char *)k->data.scalar.value, "station"))
			cr_assert_str_eq((char *)v->data.scalar.value, "sim");
	}
	cr_assert(slots && slots->type == YAML_SEQUENCE_NODE);
	for (yaml_node_item_t *it = slots->data.sequence.items.start;
	     it < slots->data.sequence.items.top && n < max; it++, n++) {
		yaml_node_t *slot = yaml_document_get_node(&doc, *it);

		ports[n][0] = chips[n][0] = '\0';
		for (yaml_node_pair_t *kv = slot->data.mapping.pairs.start;
		     kv < slot->data.mapping.pairs.top; kv++) {
			const char *k = (char *)yaml_document_get_node(&doc, kv->key)
			                ->data.scalar.value;
			const char *v = (char *)yaml_document_get_node(&doc, kv->value)
			                ->data.scalar.value;

			if (!strcmp(k, "port"))
				snprintf(ports[n], 256, "%s", v);
			else if (!strcmp(k, "chip"))
				snprintf(chips[n], 64, "%s", v);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	fclose(f);
	return n;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* --station: every slot's port is one stmprog's -c takes, and programs
 * that slot's board; its chip is the device's.  The simulator runs in the
 * background while the test reads the file, then its COMMAND runs the
 * stmprog lines the test wrote from it (only COMMAND sees the usb bus). */
Test(sim_mixed, station_file_ports_work)
{
	static const char *const kinds[] = {"usb", "uart", "slcan"};
	char ports[3][256], chips[3][64], opts[2048], cmd[8192];
	unsigned char *img[3];
	size_t len[3], used;
	pid_t pid;
	int status;
	FILE *f;
	stp_ctx *ctx = stp_ctx_new();

	cr_assert(ctx);
	snprintf(opts, sizeof(opts), "--chip %s --station '%s'", PID,
	         th_dir_path("station.yaml"));
	used = strlen(opts);
	for (unsigned i = 1; i <= 3; i++) {
		img[i - 1] = make_image(i, &len[i - 1]);
		used += (size_t)snprintf(opts + used, sizeof(opts) - used,
		                         " --device %s --flash '%s'", kinds[i - 1],
		                         named("f%u.bin", i));
	}
	write_script("wait.sh",
	             ": > \"$dir/ready\"\n"
	             "n=0\n"
	             "until [ -e \"$dir/go\" ]; do\n"
	             "  n=$((n + 1)); [ $n -lt 600 ] || exit 8\n"
	             "  sleep 0.05\n"
	             "done\n"
	             "sh \"$dir/slots.sh\"\n");
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; exec '%s' --timing none %s -- "
	         "sh '%s' > '%s' 2>&1",
	         th_build_path("contrib/sim/stmprog-sim"), opts,
	         th_dir_path("wait.sh"), th_dir_path("sim.out"));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (unsigned n = 0; !exists(th_dir_path("ready")); n++) {
		if (n > 600 || waitpid(pid, &status, WNOHANG) == pid) {
			kill(pid, SIGTERM);
			cr_assert_fail("the simulator did not start its COMMAND");
		}
		usleep(50000);
	}
	cr_assert_eq(read_station(th_dir_path("station.yaml"), ports, chips, 3),
	             3);
	f = fopen(th_dir_path("slots.sh"), "w");
	cr_assert(f);
	fprintf(f, "set -e\n");
	for (unsigned i = 0; i < 3; i++) {
		stp_portspec spec;
		bool ambiguous = false;

		cr_assert_eq(stp_portspec_parse_string(ctx, ports[i], &spec), STP_OK,
		             "slot %u: '%s' is not a port stmprog takes", i + 1,
		             ports[i]);
		cr_assert_eq(stp_chip_find(chips[i], &ambiguous), e2e_chip(PID),
		             "slot %u: chip '%s'", i + 1, chips[i]);
		/* The port in one word of -c, as the station file has it. */
		fprintf(f, "'%s' -c '%s' -q -d '%s' 0x08000000 -v\n",
		        th_build_path("frontends/stmprog"), ports[i],
		        named("app%u.bin", i + 1));
	}
	fclose(f);
	cr_assert(strstr(ports[0], "usb") && strstr(ports[0], "path=1-1"),
	          "%s", ports[0]);
	cr_assert(strstr(ports[2], "slcan:"), "%s", ports[2]);
	f = fopen(th_dir_path("go"), "w");
	cr_assert(f);
	fclose(f);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	{
		size_t olen;
		unsigned char *simout = e2e_slurp(th_dir_path("sim.out"), &olen);

		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%.*s",
		          (int)olen, simout);
		free(simout);
	}
	for (unsigned i = 1; i <= 3; i++) {
		assert_flash_holds(named("f%u.bin", i), img[i - 1], len[i - 1],
		                   kinds[i - 1]);
		free(img[i - 1]);
	}
	stp_ctx_free(ctx);
}
#else
Test(sim_mixed, station_file_ports_work)
{
	cr_skip_test("built without libyaml: no --station");
}
#endif

/* Board 1 is programmed, goes quiet, is taken out; board 2 comes in with
 * another UID and is programmed into FLASH.b2. */
static void two_boards(const char *transport)
{
	unsigned char *img1, *img2;
	size_t len1, len2;
	char opts[1024], uid1[25], uid2[25], announced[25];

	img1 = make_image(1, &len1);
	img2 = make_image(2, &len2);
	snprintf(opts, sizeof(opts),
	         "--device %s --chip %s --flash '%s' --boards 2 "
	         "--remove-after-idle-ms 1000 --handling-ms 100", transport, PID,
	         th_dir_path("f.bin"));
	write_script("boards.sh",
	             "\"$stmprog\" -c port=\"$1\" -d \"$dir/app1.bin\" "
	             "0x08000000 -v\n"
	             "wait_for 'board 1 removed'\n"
	             "wait_for 'board 2 inserted'\n"
	             "\"$stmprog\" -c port=\"$1\" -d \"$dir/app2.bin\" "
	             "0x08000000 -v\n");
	cr_assert_eq(run_sim(opts, "boards.sh", "{port1}"), 0, "%s", out);
	connection_uid(0, uid1);
	connection_uid(1, uid2);
	cr_assert_str_neq(uid1, uid2, "both boards have UID %s", uid1);
	inserted_uid(1, 2, announced);
	cr_assert_str_eq(uid2, announced, "%s", out);
	assert_flash_holds(th_dir_path("f.bin"), img1, len1, "board 1");
	assert_flash_holds(th_dir_path("f.bin.b2"), img2, len2, "board 2");
	cr_assert(e2e_file_has(th_dir_path("trace.txt"),
	                       "device 1: board 1 removed"));
	free(img1);
	free(img2);
}

Test(sim_mixed, uart_boards_come_and_go)
{
	two_boards("uart");
}

Test(sim_mixed, usb_boards_come_and_go)
{
	two_boards("usb");
}

/* --control: boards come and go on request only (the handling time is an
 * hour); a removed uart board does not answer while the pty stays. */
Test(sim_mixed, control_fifo_requests)
{
	unsigned char *img1, *img2;
	size_t len1, len2;
	char opts[1024];

	img1 = make_image(1, &len1);
	img2 = make_image(2, &len2);
	snprintf(opts, sizeof(opts),
	         "--control '%s' --device uart --chip %s --flash '%s' "
	         "--boards 2 --start-absent --handling-ms 3600000",
	         th_dir_path("ctl"), PID, th_dir_path("f.bin"));
	write_script("ctl.sh",
	             "echo 'insert 1' > \"$dir/ctl\"\n"
	             "wait_for 'board 1 inserted'\n"
	             "\"$stmprog\" -c port=\"$1\" -q -d \"$dir/app1.bin\" "
	             "0x08000000 -v\n"
	             "echo 'remove 1' > \"$dir/ctl\"\n"
	             "wait_for 'board 1 removed'\n"
	             "if \"$stmprog\" -c port=\"$1\" -q -u 0x08000000 4 "
	             "\"$dir/r.bin\"; then echo 'an empty jig answered'; "
	             "exit 9; fi\n"
	             "echo 'insert 1' > \"$dir/ctl\"\n"
	             "wait_for 'board 2 inserted'\n"
	             "\"$stmprog\" -c port=\"$1\" -q -d \"$dir/app2.bin\" "
	             "0x08000000 -v\n");
	cr_assert_eq(run_sim(opts, "ctl.sh", "{port1}"), 0, "%s", out);
	assert_flash_holds(th_dir_path("f.bin"), img1, len1, "board 1");
	assert_flash_holds(th_dir_path("f.bin.b2"), img2, len2, "board 2");
	/* Only what was asked: no board 2 removal, and the FIFO is gone. */
	cr_assert(!strstr(out, "board 2 removed"), "%s", out);
	cr_assert_eq(access(th_dir_path("ctl"), F_OK), -1);
	free(img1);
	free(img2);
}

/* Mistakes are usage errors (exit 2) that name the device. */
Test(sim_mixed, usage_errors)
{
	char cmd[1024];
	const char *sim = th_build_path("contrib/sim/stmprog-sim");

	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --devices 2 --device uart "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "--device and --devices"), "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --device uart --device spi "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "device 2: --device 'spi'"), "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --device uart --usb-start app "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "device 1: --usb-start"), "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --device uart --chip %s --device uart "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "device 2: --chip is required"), "%s", out);
}

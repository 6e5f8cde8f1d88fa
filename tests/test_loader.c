/* The backend loader: a good module is loaded and used through the target
 * layer; modules with the wrong ABI, a short descriptor or no descriptor
 * are refused with a message naming the file; ports nobody claims get a
 * clear error. */
#include "config.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/backend.h"
#include "stmprog/guard.h"
#include "stmprog/target.h"
#include "test_helpers.h"

static stp_ctx *ctx;

static void use_path(const char *dirs)
{
	char path[8192] = "";
	char copy[1024], *d, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", dirs);
	for (d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (path[0])
			strcat(path, ":");
		strcat(path, th_build_path(d));
	}
	setenv(STP_BACKEND_PATH_ENV, path, 1);
	ctx = stp_ctx_new();
}

static void teardown(void)
{
	stp_ctx_free(ctx);
	unsetenv(STP_BACKEND_PATH_ENV);
}

TestSuite(loader, .fini = teardown);

static const stp_backend_info *find(const stp_backend_info *l, size_t n,
                                    const char *file_part)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(l[i].file, file_part))
			return &l[i];
	return NULL;
}

Test(loader, loads_a_good_module)
{
	const stp_backend_info *list, *b;
	size_t n;

	use_path("tests/modules/good");
	cr_assert_eq(stp_backends_list(ctx, &list, &n), STP_OK);
	cr_assert_eq(n, 1);
	b = &list[0];
	cr_assert_null(b->error, "refused: %s", b->error);
	cr_assert_str_eq(b->name, "memdev");
	cr_assert_eq(b->abi_major, STP_BACKEND_ABI_MAJOR);
	cr_assert_eq(b->abi_minor, STP_BACKEND_ABI_MINOR);
	cr_assert_eq(b->transport, STP_TRANSPORT_UART);
	cr_assert_str_eq(b->port_prefixes[0], "/stp-test/");
	cr_assert(strstr(b->file, "tests/modules/good/memdev"), "file %s", b->file);
	cr_assert(strstr(stp_backends_path(ctx), "tests/modules/good"));
}

Test(loader, refuses_bad_modules_naming_the_file)
{
	const stp_backend_info *list, *b;
	size_t n;

	use_path("tests/modules/bad");
	cr_assert_eq(stp_backends_list(ctx, &list, &n), STP_OK);
	cr_assert_eq(n, 3);

	char future[32];

	snprintf(future, sizeof(future), "ABI %d.0", STP_BACKEND_ABI_MAJOR + 1);
	b = find(list, n, "bad_abi");
	cr_assert_not_null(b);
	cr_assert_null(b->name);
	cr_assert_not_null(b->error);
	cr_assert(strstr(b->error, future), "error: %s", b->error);
	cr_assert(strstr(b->error, "rebuild"), "error: %s", b->error);

	b = find(list, n, "small_struct");
	cr_assert_not_null(b);
	cr_assert_not_null(b->error);
	cr_assert(strstr(b->error, "descriptor is 8 bytes"), "error: %s", b->error);

	b = find(list, n, "no_symbol");
	cr_assert_not_null(b);
	cr_assert_not_null(b->error);
	cr_assert(strstr(b->error, "stp_backend_descriptor"), "error: %s", b->error);
}

/* A module built against an older layout of a struct the two sides
 * exchange (stp_portspec before usb_path) would read the wrong offsets:
 * it is refused, naming the struct and both sizes. */
Test(loader, refuses_a_module_built_with_an_older_portspec)
{
	const stp_backend_info *list, *b;
	size_t n;
	char ours[64];

	use_path("tests/modules/old");
	cr_assert_eq(stp_backends_list(ctx, &list, &n), STP_OK);
	cr_assert_eq(n, 1);
	b = find(list, n, "old_portspec");
	cr_assert_not_null(b);
	cr_assert_null(b->name, "loaded as %s", b->name);
	cr_assert_not_null(b->error);
	cr_assert(strstr(b->error, "stp_portspec of "), "error: %s", b->error);
	snprintf(ours, sizeof(ours), "this libstmprog's is %zu bytes",
	         sizeof(stp_portspec));
	cr_assert(strstr(b->error, ours), "error: %s", b->error);
	cr_assert(strstr(b->error, "rebuild"), "error: %s", b->error);
	cr_assert_eq(stp_target_open(ctx, &(stp_portspec){
	                     .port = "/stp-test/memdev",
	                     .transport = STP_TRANSPORT_UART}, &(stp_target *){0}),
	             STP_ERR_BACKEND, "a refused module must not open ports");
}

/* Modules are loaded once per process for each search path: a second
 * context on the same path gets the same list (the same memory), and a
 * context on another path its own. */
Test(loader, contexts_share_the_modules_of_a_path)
{
	const stp_backend_info *first, *second, *other;
	size_t n1, n2, n3;
	stp_ctx *again, *elsewhere;

	use_path("tests/modules/good");
	cr_assert_eq(stp_backends_list(ctx, &first, &n1), STP_OK);
	again = stp_ctx_new();
	cr_assert_eq(stp_backends_list(again, &second, &n2), STP_OK);
	cr_assert_eq(first, second, "the second context loaded the modules again");
	cr_assert_eq(n1, n2);
	stp_ctx_free(again);

	setenv(STP_BACKEND_PATH_ENV, th_build_path("tests/modules/bad"), 1);
	elsewhere = stp_ctx_new();
	cr_assert_eq(stp_backends_list(elsewhere, &other, &n3), STP_OK);
	cr_assert_neq(other, first);
	cr_assert_eq(n3, 3);
	cr_assert(strstr(stp_backends_path(elsewhere), "tests/modules/bad"));
	/* the first context keeps the path it started with */
	cr_assert(strstr(stp_backends_path(ctx), "tests/modules/good"));
	stp_ctx_free(elsewhere);
	/* freeing a context leaves the shared list intact */
	cr_assert_str_eq(first[0].name, "memdev");
}

struct lister {
	const stp_backend_info *list;
	size_t n;
	stp_status st;
};

static void *list_on_own_context(void *arg)
{
	struct lister *l = arg;
	stp_ctx *own = stp_ctx_new();

	l->st = stp_backends_list(own, &l->list, &l->n);
	stp_ctx_free(own);
	return NULL;
}

/* Contexts on several threads asking at once load the modules once:
 * every thread gets the same list. */
Test(loader, threads_load_the_modules_once)
{
	pthread_t threads[4];
	struct lister got[4];

	use_path("tests/modules/bad:tests/modules/good");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, list_on_own_context,
		                            &got[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(got[i].st, STP_OK);
		cr_assert_eq(got[i].n, 4);
		cr_assert_eq(got[i].list, got[0].list, "thread %d loaded again", i);
	}
	cr_assert_not_null(find(got[0].list, got[0].n, "good/memdev"));
}

static void collect_log(void *user, stp_log_level level, const char *msg)
{
	char *buf = user;
	strncat(buf, msg, 4095 - strlen(buf));
	strncat(buf, "\n", 4095 - strlen(buf));
}

Test(loader, refusals_are_logged_with_the_file)
{
	const stp_backend_info *list;
	size_t n;
	static char log[4096];

	use_path("tests/modules/bad");
	log[0] = '\0';
	stp_ctx_set_log(ctx, collect_log, log, STP_LOG_WARN);
	cr_assert_eq(stp_backends_list(ctx, &list, &n), STP_OK);
	cr_assert(strstr(log, "tests/modules/bad/bad_abi refused"), "log: %s", log);
}

Test(loader, good_module_beside_bad_ones_is_used)
{
	stp_portspec spec;
	stp_target *t;
	uint8_t data[512], back[512];
	stp_erase_req mass = {.kind = STP_ERASE_MASS};

	use_path("tests/modules/bad:tests/modules/good");
	setenv("STP_MEMDEV_PID", "413", 1);
	cr_assert_eq(stp_portspec_parse_string(ctx, "port=/stp-test/memdev", &spec), STP_OK);
	cr_assert_eq(stp_target_open(ctx, &spec, &t), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_str_eq(stp_target_backend_name(t), "memdev");
	cr_assert_eq(stp_target_info(t)->pid, 0x413);
	cr_assert_not_null(stp_target_info(t)->chip);
	cr_assert_eq(stp_target_info(t)->flash_size, stp_target_info(t)->chip->flash_size);

	/* 512 bytes: the core splits it into the backend's 256-byte blocks */
	for (int i = 0; i < 512; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(stp_target_erase(t, &mass), STP_OK);
	cr_assert_eq(stp_target_write(t, 0x08000000, data, sizeof(data)), STP_OK);
	cr_assert_eq(stp_target_read(t, 0x08000000, back, sizeof(back)), STP_OK);
	cr_assert_arr_eq(data, back, sizeof(data));

	/* misaligned raw writes are refused before reaching the backend */
	cr_assert_eq(stp_target_write(t, 0x08000001, data, 4), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "0x08000001"));

	/* an op the backend does not have is named clearly */
	uint32_t crc;
	cr_assert_eq(stp_target_crc(t, 0x08000000, 4, &crc), STP_ERR_UNSUPPORTED);
	cr_assert_str_eq(stp_last_detail(ctx),
	                 "the memdev backend cannot compute a CRC on the device");
	cr_assert_eq(stp_target_readout_protect(t), STP_ERR_UNSUPPORTED);
	stp_target_close(t);
}

Test(loader, unclaimed_port_is_a_clear_error)
{
	stp_portspec spec;
	stp_target *t;

	use_path("tests/modules/good");
	cr_assert_eq(stp_portspec_parse_string(ctx, "port=usb1", &spec), STP_OK);
	cr_assert_eq(stp_target_open(ctx, &spec, &t), STP_ERR_BACKEND);
	cr_assert_null(t);
	cr_assert_str_eq(stp_last_detail(ctx), "no loaded backend handles usb port usb1");
	cr_assert(strstr(stp_last_hint(ctx), "--backends"));
}

Test(loader, empty_or_missing_directory_loads_nothing)
{
	const stp_backend_info *list;
	size_t n;

	use_path("tests/modules/does-not-exist");
	cr_assert_eq(stp_backends_list(ctx, &list, &n), STP_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(stp_enumerate(ctx, STP_TRANSPORT_USB, NULL, NULL), STP_ERR_BACKEND);
	cr_assert(strstr(stp_last_detail(ctx), "no loaded backend can list usb ports"));
}

/* The target layer guards OTP itself: a raw write into it is refused as
 * irreversible before the backend sees it, and passes to the backend
 * only once the context confirmed "otp". */
Test(loader, otp_writes_pass_the_guard)
{
	stp_portspec spec;
	stp_target *t;
	uint8_t data[16] = {0};
	uint32_t otp;

	use_path("tests/modules/good");
	setenv("STP_MEMDEV_PID", "413", 1);
	cr_assert_eq(stp_portspec_parse_string(ctx, "port=/stp-test/memdev", &spec), STP_OK);
	cr_assert_eq(stp_target_open(ctx, &spec, &t), STP_OK, "%s", stp_last_detail(ctx));
	otp = stp_target_info(t)->chip->otp_start;
	cr_assert_neq(otp, 0);
	cr_assert_eq(stp_target_write(t, otp, data, sizeof(data)), STP_ERR_REFUSED);
	cr_assert(strstr(stp_last_detail(ctx), "one-time-programmable"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "--confirm-irreversible otp"), "%s",
	          stp_last_hint(ctx));
	/* Confirmed: the backend is asked (memdev, flash only, refuses it
	 * with its own NACK, which proves the guard let it through). */
	stp_ctx_confirm(ctx, STP_IRREV_OTP);
	cr_assert_eq(stp_target_write(t, otp, data, sizeof(data)), STP_ERR_NACK);
	cr_assert(strstr(stp_last_detail(ctx), "memdev: write"), "%s",
	          stp_last_detail(ctx));
	stp_target_close(t);
}

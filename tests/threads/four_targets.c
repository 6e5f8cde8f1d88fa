/* Four targets from four threads through the public API only: one job
 * (an image, validated once), four contexts, four targets, each run with
 * its own serial number patched into the one plan.  Also the example in
 * docs/architecture.md ("Using libstmprog").
 *
 *   four_targets IMAGE.bin SPEC1 SPEC2 SPEC3 SPEC4
 *
 * SPECn is a port specification ("port=/dev/pts/3").  The image goes to
 * 0x08000000; board n (1..4) gets the serial 0x5E000000+n, little-endian, at
 * SERIAL_ADDR.  Exits 0 only when all four succeed. */
#include <pthread.h>
#include <stdio.h>
#include <stmprog/context.h>
#include <stmprog/events.h>
#include <stmprog/job.h>
#include <stmprog/portspec.h>
#include <stmprog/target.h>

#define NTARGETS 4
#define SERIAL_ADDR 0x08003FF0u

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned phases_ended[NTARGETS];  /* under lock */

typedef struct worker {
	const stp_job *job;
	const char *spec;
	unsigned n;
	stp_status st;
	char label[16];
} worker;

static void on_event(void *user, const stp_event *ev)
{
	const worker *w = user;

	if (ev->kind == STP_EVENT_PHASE_END) {
		pthread_mutex_lock(&lock);
		phases_ended[w->n]++;
		pthread_mutex_unlock(&lock);
	} else if (ev->kind == STP_EVENT_LOG || ev->kind == STP_EVENT_RESULT) {
		fprintf(stderr, "%s: %s\n", ev->target, ev->message);
	}
}

static void *program_one(void *arg)
{
	worker *w = arg;
	stp_ctx *ctx = stp_ctx_new();
	stp_portspec spec;
	stp_target *t = NULL;
	uint32_t serial = 0x5E000001u + w->n;
	uint8_t bytes[4] = {serial, serial >> 8, serial >> 16, serial >> 24};
	stp_job_patch patch = {SERIAL_ADDR, bytes, sizeof(bytes), "serial"};
	stp_job_run_opts opts = {&patch, 1};

	if (!ctx) {
		w->st = STP_ERR_NOMEM;
		return NULL;
	}
	stp_ctx_set_label(ctx, w->label);
	stp_ctx_set_events(ctx, on_event, w, STP_LOG_WARN);
	w->st = stp_portspec_parse_string(ctx, w->spec, &spec);
	if (w->st == STP_OK)
		w->st = stp_target_open(ctx, &spec, &t);
	if (w->st == STP_OK)
		w->st = stp_job_run(w->job, ctx, t, &opts, NULL);
	if (w->st != STP_OK)
		fprintf(stderr, "%s: %s (%s)\n", w->label, stp_last_detail(ctx),
		        stp_last_hint(ctx));
	stp_target_close(t);
	stp_ctx_free(ctx);
	return NULL;
}

int main(int argc, char **argv)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_job *job = stp_job_new();
	pthread_t tid[NTARGETS];
	worker w[NTARGETS];
	int failed = 0;

	if (argc != 2 + NTARGETS || !ctx || !job) {
		fprintf(stderr, "usage: four_targets IMAGE SPEC1 SPEC2 SPEC3 SPEC4\n");
		return 2;
	}
	if (stp_job_add_file(job, ctx, argv[1], STP_FMT_AUTO, true,
	                     0x08000000u) != STP_OK ||
	    stp_job_validate(job, ctx) != STP_OK) {
		fprintf(stderr, "%s (%s)\n", stp_last_detail(ctx), stp_last_hint(ctx));
		return 4;
	}
	for (unsigned i = 0; i < NTARGETS; i++) {
		w[i] = (worker){job, argv[2 + i], i, STP_OK, ""};
		snprintf(w[i].label, sizeof(w[i].label), "board %u", i + 1);
		if (pthread_create(&tid[i], NULL, program_one, &w[i]) != 0)
			return 1;
	}
	for (unsigned i = 0; i < NTARGETS; i++) {
		pthread_join(tid[i], NULL);
		printf("%s: %s, %u phase(s) ended\n", w[i].label,
		       stp_status_name(w[i].st), phases_ended[i]);
		failed |= w[i].st != STP_OK || phases_ended[i] == 0;
	}
	stp_job_free(job);
	stp_ctx_free(ctx);
	return failed;
}

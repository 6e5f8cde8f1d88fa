/* stmprog-sim: the --faults grammar and the decisions it drives. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_faults.h"

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t sim_rng_next(sim_rng *r)
{
	uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

double sim_rng_unit(sim_rng *r)
{
	/* 53 random bits: every double in [0, 1) the mantissa can hold. */
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int parse_prob(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0.0 || v > 1.0)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "P" or "P:MS" (MS up to an hour); *ms keeps its default without MS. */
static int parse_prob_ms(const char *val, double *p, unsigned *ms)
{
	char buf[64];
	char *m;
	uint64_t n = 0;

	if (strlen(val) >= sizeof(buf))
		return -1;
	strcpy(buf, val);
	if ((m = strchr(buf, ':')))
		*m++ = '\0';
	if (parse_prob(buf, p) != 0 || (m && parse_uint(m, 3600000, &n) != 0))
		return -1;
	if (m)
		*ms = (unsigned)n;
	return 0;
}

static int bad_prob_ms(const char *item, const char *val, char *err,
                       size_t errlen)
{
	snprintf(err, errlen, "--faults item '%s=%s': expected %s=P or %s=P:MS "
	         "(P between 0 and 1, MS up to 3600000)", item, val, item, item);
	return -1;
}

/* Which kinds each transport knows. */
static const struct {
	const char *transport;
	const char *kinds[8];
	const char *list;        /* for messages */
} known[] = {
	{"uart", {"ber", "drop", "flip", "insert", "nack", "stall", "disconnect",
	          NULL},
	 "ber, drop, flip, insert, nack, stall and disconnect"},
	{"usb", {"stall", "status", "hold", "reenum", "disconnect", NULL},
	 "stall, status, hold, reenum and disconnect"},
	{"slcan", {"lost", "errframe", "hold", "disconnect", "cut", NULL},
	 "lost, errframe, hold, disconnect and cut"},
};

static bool knows(size_t t, const char *key)
{
	for (size_t i = 0; known[t].kinds[i]; i++)
		if (!strcmp(known[t].kinds[i], key))
			return true;
	return false;
}

static size_t transport_index(const sim_faults *f)
{
	return f->usb ? 1 : f->slcan ? 2 : 0;
}

/* The usb kinds: stall=P, status=P, disconnect=N (control transfers). */
static int parse_usb_item(sim_faults *f, const char *item, const char *val,
                          char *err, size_t errlen)
{
	uint64_t n;

	if (!strcmp(item, "hold")) {
		/* Past libusb's 5 s control timeout of the DFU backend. */
		f->hold_ms = 6000;
		if (parse_prob_ms(val, &f->hold, &f->hold_ms) != 0)
			return bad_prob_ms(item, val, err, errlen);
		return 0;
	}
	if (!strcmp(item, "stall") || !strcmp(item, "status") ||
	    !strcmp(item, "reenum")) {
		double *p = !strcmp(item, "stall") ? &f->stall :
		            !strcmp(item, "status") ? &f->status : &f->reenum;
		if (parse_prob(val, p) == 0)
			return 0;
		snprintf(err, errlen, "--faults item '%s=%s': a probability "
		         "between 0 and 1 is expected (usb has no stall time: a "
		         "stalled request fails at once)", item, val);
		return -1;
	}
	if (parse_uint(val, UINT64_MAX, &n) != 0) {
		snprintf(err, errlen, "--faults item 'disconnect=%s': a "
		         "count of control transfers is expected", val);
		return -1;
	}
	f->disconnect = true;
	f->disconnect_after = n;
	return 0;
}

/* The slcan kinds: lost=P, errframe=P, disconnect=N (frames), cut=N
 * (WRITE data frames). */
static int parse_slcan_item(sim_faults *f, const char *item, const char *val,
                            char *err, size_t errlen)
{
	uint64_t n;

	if (!strcmp(item, "hold")) {
		/* Past the CAN backend's 1 s wait for an answer. */
		f->hold_ms = 2000;
		if (parse_prob_ms(val, &f->hold, &f->hold_ms) != 0)
			return bad_prob_ms(item, val, err, errlen);
		return 0;
	}
	if (!strcmp(item, "cut")) {
		if (parse_uint(val, UINT64_MAX, &n) != 0 || n == 0) {
			snprintf(err, errlen, "--faults item 'cut=%s': a count (1 or "
			         "more) of WRITE data frames is expected", val);
			return -1;
		}
		f->cut = true;
		f->cut_after = n;
		return 0;
	}

	if (!strcmp(item, "lost") || !strcmp(item, "errframe")) {
		double *p = !strcmp(item, "lost") ? &f->lost : &f->errframe;
		if (parse_prob(val, p) == 0)
			return 0;
		snprintf(err, errlen, "--faults item '%s=%s': a probability "
		         "between 0 and 1 is expected", item, val);
		return -1;
	}
	if (parse_uint(val, UINT64_MAX, &n) != 0) {
		snprintf(err, errlen, "--faults item 'disconnect=%s': a count "
		         "of CAN frames is expected", val);
		return -1;
	}
	f->disconnect = true;
	f->disconnect_after = n;
	return 0;
}

/* One "key=value" item; item is a writable copy. */
static int parse_item(sim_faults *f, char *item, char *err, size_t errlen)
{
	char *val = strchr(item, '=');
	size_t t = transport_index(f);
	uint64_t n;

	if (!val) {
		snprintf(err, errlen, "--faults item '%s': expected KEY=VALUE", item);
		return -1;
	}
	*val++ = '\0';
	if (!knows(t, item)) {
		for (size_t o = 0; o < sizeof(known) / sizeof(known[0]); o++)
			if (o != t && knows(o, item)) {
				snprintf(err, errlen, "--faults item '%s=%s': %s is a "
				         "%s fault; %s knows %s", item, val, item,
				         known[o].transport, known[t].transport,
				         known[t].list);
				return -1;
			}
		snprintf(err, errlen, "--faults item '%s=%s': unknown fault "
		         "(known for %s: %s)", item, val, known[t].transport,
		         known[t].list);
		return -1;
	}
	if (f->usb)
		return parse_usb_item(f, item, val, err, errlen);
	if (f->slcan)
		return parse_slcan_item(f, item, val, err, errlen);
	if (!strcmp(item, "ber") || !strcmp(item, "drop") ||
	    !strcmp(item, "flip") || !strcmp(item, "nack") ||
	    !strcmp(item, "insert")) {
		double *p = !strcmp(item, "ber") ? &f->ber :
		            !strcmp(item, "drop") ? &f->drop :
		            !strcmp(item, "flip") ? &f->flip :
		            !strcmp(item, "insert") ? &f->insert : &f->nack;
		if (parse_prob(val, p) == 0)
			return 0;
		snprintf(err, errlen, "--faults item '%s=%s': a probability "
		         "between 0 and 1 is expected", item, val);
		return -1;
	}
	if (!strcmp(item, "stall")) {
		f->stall_ms = 2000;
		if (parse_prob_ms(val, &f->stall, &f->stall_ms) != 0)
			return bad_prob_ms(item, val, err, errlen);
		return 0;
	}
	if (parse_uint(val, UINT64_MAX, &n) != 0) {
		snprintf(err, errlen, "--faults item 'disconnect=%s': a "
		         "byte count is expected", val);
		return -1;
	}
	f->disconnect = true;
	f->disconnect_after = n;
	return 0;
}

int sim_faults_parse(sim_faults *f, const char *spec, uint64_t seed,
                     const char *transport, char *err, size_t errlen)
{
	char *copy, *save = NULL, *item;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->usb = !strcmp(transport, "usb");
	f->slcan = !strcmp(transport, "slcan");
	f->stall_ms = 2000;
	/* Separate streams so the host's batching of bytes cannot shift one
	 * direction's decisions onto the other's. */
	sim_rng_seed(&f->rx, seed ^ UINT64_C(0x5258000000000000));
	sim_rng_seed(&f->tx, seed ^ UINT64_C(0x5458000000000000));
	sim_rng_seed(&f->reply, seed ^ UINT64_C(0x5250000000000000));
	sim_rng_seed(&f->ins_rx, seed ^ UINT64_C(0x4952000000000000));
	sim_rng_seed(&f->ins_tx, seed ^ UINT64_C(0x4954000000000000));
	sim_rng_seed(&f->hold_rng, seed ^ UINT64_C(0x484C000000000000));
	sim_rng_seed(&f->reenum_rng, seed ^ UINT64_C(0x5245000000000000));
	if (!spec || !*spec)
		return 0;
	copy = strdup(spec);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save))
		rc = parse_item(f, item, err, errlen);
	free(copy);
	return rc;
}

bool sim_faults_bytes(const sim_faults *f)
{
	return f->ber > 0 || f->drop > 0 || f->flip > 0;
}

sim_byte_fault sim_faults_byte(sim_faults *f, bool to_host, uint8_t *byte,
                               int *bit)
{
	sim_rng *r = to_host ? &f->tx : &f->rx;
	double u_ber, u_drop, u_flip, u_kind;
	uint64_t u_bit;
	sim_byte_fault what = SIM_BYTE_OK;

	if (!sim_faults_bytes(f))
		return SIM_BYTE_OK;
	/* Always draw the same amount per byte: a decision then depends on
	 * the byte's position in its stream only. */
	u_ber = sim_rng_unit(r);
	u_drop = sim_rng_unit(r);
	u_flip = sim_rng_unit(r);
	u_kind = sim_rng_unit(r);
	u_bit = sim_rng_next(r);
	if (u_ber < f->ber)
		what = u_kind < 0.5 ? SIM_BYTE_DROP : SIM_BYTE_FLIP;
	else if (u_drop < f->drop)
		what = SIM_BYTE_DROP;
	else if (u_flip < f->flip)
		what = SIM_BYTE_FLIP;
	if (what == SIM_BYTE_FLIP) {
		*bit = (int)(u_bit % 8);
		*byte ^= (uint8_t)(1u << *bit);
		f->n_flip++;
	} else if (what == SIM_BYTE_DROP) {
		f->n_drop++;
	}
	return what;
}

bool sim_faults_insert(sim_faults *f, bool to_host, uint8_t *byte)
{
	sim_rng *r = to_host ? &f->ins_tx : &f->ins_rx;
	double u;
	uint64_t v;

	if (f->insert <= 0)
		return false;
	/* Two draws a byte whatever they decide, as for sim_faults_byte. */
	u = sim_rng_unit(r);
	v = sim_rng_next(r);
	if (u >= f->insert)
		return false;
	*byte = (uint8_t)(v >> 56);
	f->n_insert++;
	return true;
}

bool sim_faults_nack(sim_faults *f)
{
	if (f->nack <= 0)
		return false;
	if (sim_rng_unit(&f->reply) >= f->nack)
		return false;
	f->n_nack++;
	return true;
}

unsigned sim_faults_stall(sim_faults *f)
{
	if (f->stall <= 0)
		return 0;
	if (sim_rng_unit(&f->reply) >= f->stall)
		return 0;
	f->n_stall++;
	return f->stall_ms;
}

/* usb draws: stalls from the reply stream, download results from the tx
 * stream, so how often the host polls cannot shift which download fails. */
bool sim_faults_usb_stall(sim_faults *f)
{
	if (f->stall <= 0)
		return false;
	if (sim_rng_unit(&f->reply) >= f->stall)
		return false;
	f->n_stall++;
	return true;
}

bool sim_faults_usb_status(sim_faults *f, bool *verify)
{
	double u, kind;

	if (f->status <= 0)
		return false;
	u = sim_rng_unit(&f->tx);
	kind = sim_rng_unit(&f->tx);
	if (u >= f->status)
		return false;
	*verify = kind >= 0.5;
	f->n_status++;
	return true;
}

unsigned sim_faults_hold(sim_faults *f)
{
	if (f->hold <= 0)
		return 0;
	if (sim_rng_unit(&f->hold_rng) >= f->hold)
		return 0;
	f->n_hold++;
	return f->hold_ms;
}

bool sim_faults_reenum(sim_faults *f)
{
	if (f->reenum <= 0)
		return false;
	if (sim_rng_unit(&f->reenum_rng) >= f->reenum)
		return false;
	f->n_reenum++;
	return true;
}

sim_frame_fault sim_faults_frame(sim_faults *f, bool to_host)
{
	sim_rng *r = to_host ? &f->tx : &f->rx;
	double u_lost, u_err;

	if (f->lost <= 0 && f->errframe <= 0)
		return SIM_FRAME_OK;
	/* Two draws a frame whatever they decide: a frame's fate depends on
	 * its position in its direction's stream only. */
	u_lost = sim_rng_unit(r);
	u_err = sim_rng_unit(r);
	if (u_lost < f->lost) {
		f->n_lost++;
		return SIM_FRAME_LOST;
	}
	if (u_err < f->errframe) {
		f->n_errframe++;
		return SIM_FRAME_ERROR;
	}
	return SIM_FRAME_OK;
}

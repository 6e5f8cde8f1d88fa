/* stmprog-sim: boards coming and going (sim_jig.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_jig.h"
#include "sim_time.h"

/* Board 1 keeps the device's seed, so a run without --boards is what it
 * always was; the next boards draw theirs from the seed, the device and
 * the board number (the device's seed already holds the device). */
static uint64_t board_seed(const sim_device *d, unsigned k)
{
	sim_rng r;

	if (k == 1)
		return d->cfg.seed;
	sim_rng_seed(&r, d->cfg.seed ^ ((uint64_t)k << 40) ^
	             UINT64_C(0x424F415244000000));
	return sim_rng_next(&r);
}

/* The UID as stmprog and the reference manuals print it: the word at +8,
 * then +4, then +0. */
static void uid_text(const uint8_t uid[12], char out[25])
{
	for (int w = 2, o = 0; w >= 0; w--)
		for (int b = 3; b >= 0; b--, o += 2)
			snprintf(out + o, 3, "%02X", uid[4 * w + b]);
}

/* A new board's files start afresh: a left-over FLASH.bK of an earlier
 * run is another board. */
static void remove_board_files(const char *flash)
{
	static const char *const ext[] = {"", ".ob", ".otp", ".eeprom", ".state"};
	char name[4096];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", flash, ext[i]);
		if (unlink(name) != 0 && errno != ENOENT)
			sim_say("cannot remove %s: %s", name, strerror(errno));
	}
}

int sim_jig_open_board(sim_device *d, unsigned k, char *err, size_t errlen)
{
	const sim_device_opts *o = d->opts;
	char *path = NULL;
	int rc;

	if (o->flash && k > 1) {
		size_t len = strlen(o->flash) + 24;

		if (!(path = malloc(len))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(path, len, "%s.b%u", o->flash, k);
		remove_board_files(path);
	}
	rc = sim_chip_open(&d->chip, o->chip, o->flash_kb * 1024u,
	                   k > 1 ? path : o->flash, board_seed(d, k), err, errlen);
	free(path);
	if (rc != 0)
		return -1;
	d->chip_open = true;
	d->chip.boot0_low = o->boot0_low;
	if (k == 1 && o->has_uid)
		memcpy(d->chip.uid, o->uid, 12);
	d->board = k;
	return 0;
}

static void say_event(sim_device *d, const char *what)
{
	sim_say("device %u: board %u %s", d->number, d->board, what);
	sim_trace_note(d->trace, "device %u: board %u %s", d->number, d->board,
	               what);
}

/* The board is taken out: the transport stops answering for it, its
 * files are saved, and the next one is due after the handling time. */
static void board_remove(sim_device *d)
{
	if (!d->present)
		return;
	d->present = false;
	if (d->ops->board)
		d->ops->board(d->t, false);
	sim_chip_save(&d->chip);
	say_event(d, "removed");
	d->insert_at = d->board < d->opts->boards ?
	               sim_now_ns() + (int64_t)d->opts->handling_ms * SIM_NS_PER_MS : 0;
}

/* The next board goes in. */
static void board_insert(sim_device *d)
{
	char err[512], uid[25], what[64];
	unsigned k = d->board + 1;

	d->insert_at = 0;
	if (d->present || k > d->opts->boards)
		return;
	/* The chip is replaced in place: the transport keeps its pointer. */
	sim_chip_close(&d->chip);
	d->chip_open = false;
	if (sim_jig_open_board(d, k, err, sizeof(err)) != 0) {
		sim_say("device %u: board %u: %s; the jig stays empty", d->number,
		        k, err);
		d->board = k;
		return;
	}
	d->present = true;
	d->inserted_at = sim_now_ns();
	if (d->ops->board)
		d->ops->board(d->t, true);
	uid_text(d->chip.uid, uid);
	snprintf(what, sizeof(what), "inserted (UID %s)", uid);
	say_event(d, what);
}

void sim_jig_start(sim_device *dev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		sim_device *d = &dev[i];

		d->present = true;
		d->inserted_at = sim_now_ns();
		if (!d->opts->start_absent)
			continue;
		/* Board 1 was opened so the transport had a chip to set up
		 * with; it arrives later, as itself. */
		d->present = false;
		if (d->ops->board)
			d->ops->board(d->t, false);
		d->board = 0;
		d->insert_at = sim_now_ns() +
		               (int64_t)d->opts->handling_ms * SIM_NS_PER_MS;
	}
}

/* When d's board is to be taken out by itself, or 0. */
static int64_t removal_due(const sim_device *d)
{
	int64_t last;

	if (!d->present || !d->opts->remove_idle_ms || !d->chip.worked_on)
		return 0;
	last = sim_trace_last_ns(d->trace);
	if (last < d->inserted_at)
		last = d->inserted_at;
	return last + (int64_t)d->opts->remove_idle_ms * SIM_NS_PER_MS;
}

void sim_jig_deadline(const sim_device *dev, unsigned n, int64_t *deadline)
{
	for (unsigned i = 0; i < n; i++) {
		int64_t due = removal_due(&dev[i]);

		if (due && due < *deadline)
			*deadline = due;
		if (dev[i].insert_at && dev[i].insert_at < *deadline)
			*deadline = dev[i].insert_at;
	}
}

void sim_jig_service(sim_device *dev, unsigned n)
{
	int64_t now = sim_now_ns();

	for (unsigned i = 0; i < n; i++) {
		sim_device *d = &dev[i];
		int64_t due = removal_due(d);

		if (due && now >= due)
			board_remove(d);
		if (d->insert_at && now >= d->insert_at)
			board_insert(d);
	}
}

/* ---- --control ---- */

int sim_control_open(sim_control *c, const char *path, char *err,
                     size_t errlen)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->fd = c->keep_fd = -1;
	if (mkfifo(path, 0600) == 0) {
		c->created = true;
	} else if (errno != EEXIST || stat(path, &st) != 0 ||
	           !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "--control %s: cannot create the FIFO: %s",
		         path, errno == EEXIST ? "a file that is not a FIFO is "
		         "there" : strerror(errno));
		return -1;
	}
	/* Our own writer keeps the FIFO from reading end-of-file whenever a
	 * writer (echo insert 1 > FIFO) closes it. */
	c->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->fd >= 0)
		c->keep_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0 || c->keep_fd < 0) {
		snprintf(err, errlen, "--control %s: cannot open it: %s", path,
		         strerror(errno));
		sim_control_close(c);
		return -1;
	}
	return 0;
}

void sim_control_close(sim_control *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->keep_fd >= 0)
		close(c->keep_fd);
	c->fd = c->keep_fd = -1;
	if (c->created)
		unlink(c->path);
	c->created = false;
}

/* One request: "insert I" or "remove I". */
static void obey(const char *line, sim_device *dev, unsigned n)
{
	char verb[16], extra;
	unsigned i;

	if (sscanf(line, "%15s %u %c", verb, &i, &extra) != 2 || i < 1 || i > n ||
	    (strcmp(verb, "insert") && strcmp(verb, "remove"))) {
		sim_say("--control: '%s' ignored: expected \"insert I\" or "
		        "\"remove I\", I from 1 to %u", line, n);
		return;
	}
	if (!strcmp(verb, "remove")) {
		if (!dev[i - 1].present)
			sim_say("--control: device %u has no board to remove", i);
		board_remove(&dev[i - 1]);
		return;
	}
	if (dev[i - 1].present)
		sim_say("--control: device %u already has board %u", i,
		        dev[i - 1].board);
	else if (dev[i - 1].board >= dev[i - 1].opts->boards)
		sim_say("--control: device %u has no board left (--boards %u)", i,
		        dev[i - 1].opts->boards);
	else
		board_insert(&dev[i - 1]);
}

void sim_control_service(sim_control *c, sim_device *dev, unsigned n)
{
	ssize_t r;

	while (c->fd >= 0 &&
	       (r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len)) > 0) {
		char *nl;

		c->len += (size_t)r;
		c->buf[c->len] = '\0';
		while ((nl = strchr(c->buf, '\n'))) {
			*nl = '\0';
			if (nl > c->buf && nl[-1] == '\r')
				nl[-1] = '\0';
			if (c->buf[0])
				obey(c->buf, dev, n);
			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len + 1);
		}
		if (c->len == sizeof(c->buf) - 1) {
			sim_say("--control: a line too long was ignored");
			c->len = 0;
		}
	}
}

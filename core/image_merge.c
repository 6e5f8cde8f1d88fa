/* One run, one image: every file a run writes is merged here before
 * anything is planned, so data from two files in one erase unit becomes
 * that unit's final contents, and one verify covers all of it.  Planning
 * each file alone would pad the rest of a shared unit with the erased
 * value and erase it again, losing the first file while each plan's own
 * verify still passed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stmprog/plan.h"
#include "image_internal.h"

typedef struct piece {
	uint8_t alt;
	uint32_t lo;
	uint64_t hi;       /* exclusive */
	size_t input;
} piece;

static int by_alt_addr(const void *a, const void *b)
{
	const piece *x = a, *y = b;

	if (x->alt != y->alt)
		return x->alt < y->alt ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

static const char *input_name(const stp_image_input *in, size_t i)
{
	return in[i].name ? in[i].name : "an image";
}

/* Two inputs whose data overlaps is an error naming both and the range:
 * which of them the user meant cannot be guessed. */
static stp_status check_overlaps(stp_ctx *ctx, const stp_image_input *in,
                                 size_t n)
{
	size_t count = 0, k = 0;
	piece *all;
	stp_status st = STP_OK;

	for (size_t i = 0; i < n; i++)
		count += in[i].img ? in[i].img->nsegs : 0;
	if (count < 2)
		return STP_OK;
	if (!(all = malloc(count * sizeof(*all))))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; in[i].img && s < in[i].img->nsegs; s++) {
			const stp_segment *seg = &in[i].img->segs[s];
			all[k++] = (piece){seg->alt, seg->addr,
			                   (uint64_t)seg->addr + seg->len, i};
		}
	qsort(all, count, sizeof(*all), by_alt_addr);
	/* Sorted by start, any overlap shows up against the piece reaching
	 * furthest so far; segments of one image never overlap. */
	for (size_t a = 0, far = 0; a + 1 < count && !st; a++) {
		const piece *b = &all[a + 1];
		if (all[a].hi > all[far].hi || all[a].alt != all[far].alt)
			far = a;
		if (b->alt == all[far].alt && b->lo < all[far].hi &&
		    b->input != all[far].input) {
			uint64_t end = b->hi < all[far].hi ? b->hi : all[far].hi;
			st = stp_fail(ctx, STP_ERR_IMAGE,
			              "give each file its own addresses (check the "
			              "address after each binary and the link "
			              "addresses); nothing was written",
			              "%s and %s both have data at 0x%08X..0x%08X",
			              input_name(in, all[far].input),
			              input_name(in, b->input), b->lo,
			              (uint32_t)(end - 1));
		}
	}
	free(all);
	return st;
}

stp_status stp_images_merge(stp_ctx *ctx, const stp_image_input *in, size_t n,
                            stp_image **out)
{
	stp_image *img;
	stp_status st;

	*out = NULL;
	if ((st = check_overlaps(ctx, in, n)))
		return st;
	if (!(img = stp_image_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < n && !st; i++) {
		const stp_image *src = in[i].img;
		for (size_t s = 0; src && s < src->nsegs && !st; s++)
			st = stp_image_add(ctx, img, src->segs[s].alt, src->segs[s].addr,
			                   src->segs[s].data, src->segs[s].len,
			                   input_name(in, i));
		for (unsigned a = 0; src && a < 256 && !st; a++)
			if (src->alt_name[a] && !img->alt_name[a] &&
			    !(img->alt_name[a] = strdup(src->alt_name[a])))
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		/* The first file with a start address gives the run's. */
		if (src && src->has_entry && !img->has_entry) {
			img->has_entry = true;
			img->entry = src->entry;
		}
	}
	if (st) {
		stp_image_free(img);
		return st;
	}
	*out = img;
	return STP_OK;
}

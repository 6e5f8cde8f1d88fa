/* The one guard in front of irreversible steps (see stmprog/guard.h).
 * Every refusal is worded here, so each path says the same thing and
 * names the same option. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "stmprog/guard.h"

static const struct {
	unsigned kind;
	const char *word;
} kind_words[] = {
	{STP_IRREV_RDP2, "rdp2"},
	{STP_IRREV_BOOTLOADER, "bootloader"},
	{STP_IRREV_OTP, "otp"},
};

#define NKINDS (sizeof(kind_words) / sizeof(kind_words[0]))

stp_status stp_irreversible_parse(stp_ctx *ctx, const char *list,
                                  unsigned *kinds)
{
	const char *p = list;

	*kinds = 0;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		bool known = false;

		if (n == 3 && !strncasecmp(p, "all", 3)) {
			*kinds |= STP_IRREV_ALL;
			known = true;
		}
		for (size_t i = 0; i < NKINDS && !known; i++)
			if (strlen(kind_words[i].word) == n &&
			    !strncasecmp(p, kind_words[i].word, n)) {
				*kinds |= kind_words[i].kind;
				known = true;
			}
		if (!known)
			return stp_fail(ctx, STP_ERR_ARG,
			                "name what you confirm: rdp2, bootloader, otp "
			                "or all, comma-separated",
			                "--confirm-irreversible: '%.*s' is not an "
			                "irreversible step stmprog knows",
			                (int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*kinds)
		return stp_fail(ctx, STP_ERR_ARG,
		                "e.g. --confirm-irreversible rdp2",
		                "--confirm-irreversible needs what it confirms");
	return STP_OK;
}

const char *stp_irreversible_names(unsigned kinds, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < NKINDS; i++) {
		int n;
		if (!(kinds & kind_words[i].kind) || used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
		             kind_words[i].word);
		if (n > 0)
			used += (size_t)n;
	}
	return buf;
}

stp_status stp_guard(stp_ctx *ctx, unsigned kinds, const char *source,
                     const char *consequence)
{
	unsigned missing = kinds & ~stp_ctx_confirmed(ctx);
	char words[64];

	if (!missing)
		return STP_OK;
	stp_irreversible_names(missing, words, sizeof(words));
	stp_fail(ctx, STP_ERR_REFUSED, NULL,
	         "refused: %s %s; nothing was changed on the device", source,
	         consequence);
	stp_set_hint(ctx, "this cannot be undone; to do it on purpose, add "
	             "--confirm-irreversible %s", words);
	return STP_ERR_REFUSED;
}

stp_status stp_guard_option_bytes(stp_ctx *ctx, const stp_chip *chip,
                                  const uint8_t *before, const uint8_t *after,
                                  size_t len, const char *source)
{
	char why[512];
	unsigned kinds = stp_ob_irreversible(chip, before, after, len, why,
	                                     sizeof(why));

	return stp_guard(ctx, kinds, source, why);
}

bool stp_chip_touches_otp(const stp_chip *chip, uint32_t addr, uint64_t len)
{
	uint64_t end = (uint64_t)addr + len;

	return chip && chip->otp_size && len && addr < chip->otp_start + (uint64_t)chip->otp_size &&
	       end > chip->otp_start;
}

/* udev's /dev/serial/by-path and by-id names of a port (serial_names.h). */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serial_names.h"

/* The first entry (in byte order) of dir/sub that resolves to target. */
static void find_link(const char *dir, const char *sub, const char *target,
                      char *out, size_t outlen)
{
	char where[PATH_MAX], best[NAME_MAX + 1] = "";
	DIR *d;
	struct dirent *e;

	out[0] = '\0';
	if (snprintf(where, sizeof(where), "%s/%s", dir, sub) >= (int)sizeof(where))
		return;
	if (!(d = opendir(where)))
		return;
	while ((e = readdir(d))) {
		char link[PATH_MAX], resolved[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(link, sizeof(link), "%s/%s", where, e->d_name) >=
		            (int)sizeof(link) ||
		    !realpath(link, resolved) || strcmp(resolved, target))
			continue;
		if (!best[0] || strcmp(e->d_name, best) < 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	/* A name that does not fit whole would be a port= that opens
	 * nothing: leave it out. */
	if (best[0] &&
	    snprintf(out, outlen, "%s/%s", where, best) >= (int)outlen)
		out[0] = '\0';
}

void serial_stable_names(const char *dir, const char *port, char *by_path,
                         size_t by_path_len, char *by_id, size_t by_id_len)
{
	char target[PATH_MAX];

	by_path[0] = '\0';
	by_id[0] = '\0';
	if (!realpath(port, target))
		return;
	find_link(dir, "by-path", target, by_path, by_path_len);
	find_link(dir, "by-id", target, by_id, by_id_len);
}

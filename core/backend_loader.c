/* The backend loader: finds the backend modules, checks their ABI before
 * trusting anything else in them, and keeps the ones that pass.
 *
 * Modules are opened with libltdl, which understands libtool's .la files,
 * including the uninstalled ones in a build tree whose shared object
 * lives in .libs/.  Distributions often delete installed .la files, so a
 * directory with only .so files works too.
 *
 * libltdl keeps global state and is not thread-safe, and a module is
 * process-wide anyway, so the modules are loaded once per process: one
 * registry per distinct search path, made the first time a context needs
 * that path, shared by every context that uses it and kept until the
 * process exits (still reachable, never leaked).  registries_lock guards
 * the list of registries and every libltdl call; a registry never changes
 * once it is published, so contexts read it without the lock. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <ltdl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"
#include "registry.h"
#include "stmprog/backend.h"

struct stp_registry {
	char path[4096];              /* the search path used */
	stp_backend_info *infos;      /* every module file found */
	size_t ninfos;
	loaded_backend *loaded;       /* the ones that passed, same order */
	size_t nloaded;
	char **strings;               /* owned copies of file names and errors */
	size_t nstrings;
	struct stp_registry *next;    /* the process's other registries */
};

static pthread_mutex_t registries_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by registries_lock. */
static struct stp_registry *registries;
static bool ltdl_ready;

static char *keep(struct stp_registry *reg, const char *s)
{
	char **grown = realloc(reg->strings,
	                       (reg->nstrings + 1) * sizeof(*grown));
	char *copy = strdup(s);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			reg->strings = grown;
		return NULL;
	}
	reg->strings = grown;
	reg->strings[reg->nstrings++] = copy;
	return copy;
}

/* Is this the libstmprog of a build tree rather than an installed one?
 * Then the modules built beside it are the ones that belong to it. */
static int running_uninstalled(void)
{
#if defined(HAVE_DLADDR) && defined(STP_BUILD_LIBDIR)
	Dl_info info;
	char self[PATH_MAX], build[PATH_MAX];
	char *slash;

	if (!dladdr((void *)&stp_backends_list, &info) || !info.dli_fname)
		return 0;
	if (!realpath(info.dli_fname, self) || !realpath(STP_BUILD_LIBDIR, build))
		return 0;
	slash = strrchr(self, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return strcmp(self, build) == 0;
#else
	return 0;
#endif
}

/* The search path for a context about to use the backends. */
static void choose_path(char *path, size_t len)
{
	const char *env = getenv(STP_BACKEND_PATH_ENV);

	if (env && *env)
		snprintf(path, len, "%s", env);
#ifdef STP_BUILD_BACKEND_DIR
	else if (running_uninstalled())
		snprintf(path, len, "%s", STP_BUILD_BACKEND_DIR);
#endif
	else
		snprintf(path, len, "%s", STP_BACKEND_DIR);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The module base names in dir ("uart" for uart.la / uart.so), sorted
 * and without duplicates. */
static size_t list_modules(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, kept = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **grown;

		if (has_suffix(e->d_name, ".la"))
			len -= 3;
		else if (has_suffix(e->d_name, ".so"))
			len -= 3;
		else
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				break;
			names = grown;
		}
		names[n] = strndup(e->d_name, len);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (kept && strcmp(names[kept - 1], names[i]) == 0)
			free(names[i]);
		else
			names[kept++] = names[i];
	}
	*out = names;
	return kept;
}

/* Every struct the module and the core exchange must have the layout this
 * library was built with: a module built against an older header would
 * read and write the wrong offsets.  false (and why) on the first that
 * differs. */
static bool sizes_match(const stp_backend_desc *d, char *why, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
		uint32_t ours;
	} structs[] = {
#define STRUCT_SIZE(field, type)                                         \
	{#type, offsetof(stp_backend_sizes, field), sizeof(type)}
		STRUCT_SIZE(portspec, stp_portspec),
		STRUCT_SIZE(device_info, stp_device_info),
		STRUCT_SIZE(caps, stp_caps),
		STRUCT_SIZE(erase_req, stp_erase_req),
		STRUCT_SIZE(erase_unit, stp_erase_unit),
		STRUCT_SIZE(port_info, stp_port_info),
		STRUCT_SIZE(chip, stp_chip),
		STRUCT_SIZE(geometry, stp_geometry),
		STRUCT_SIZE(dfuse_layout, stp_dfuse_layout),
		STRUCT_SIZE(dfuse_group, stp_dfuse_group),
#undef STRUCT_SIZE
	};

	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++) {
		uint32_t theirs;

		memcpy(&theirs, (const char *)&d->sizes + structs[i].offset,
		       sizeof(theirs));
		if (theirs != structs[i].ours) {
			snprintf(why, len,
			         "it was built with a %s of %u bytes, this "
			         "libstmprog's is %u bytes (ABI %u.%u): rebuild "
			         "the module against this libstmprog's headers",
			         structs[i].name, theirs, structs[i].ours,
			         STP_BACKEND_ABI_MAJOR, STP_BACKEND_ABI_MINOR);
			return false;
		}
	}
	return true;
}

/* Checks a descriptor against this library's ABI; NULL when it passes,
 * else the reason, written into why. */
static const char *check_descriptor(const stp_backend_desc *d,
                                    char *why, size_t len)
{
	if (d->abi_major != STP_BACKEND_ABI_MAJOR) {
		snprintf(why, len,
		         "built for backend ABI %u.%u, this libstmprog speaks "
		         "ABI %u.%u; rebuild the module against this libstmprog "
		         "or remove it",
		         d->abi_major, d->abi_minor, STP_BACKEND_ABI_MAJOR,
		         STP_BACKEND_ABI_MINOR);
		return why;
	}
	if (d->struct_size < sizeof(stp_backend_desc)) {
		snprintf(why, len,
		         "its descriptor is %u bytes, ABI %u needs at least %zu: "
		         "the module is damaged or was built with another header",
		         d->struct_size, STP_BACKEND_ABI_MAJOR,
		         sizeof(stp_backend_desc));
		return why;
	}
	if (!sizes_match(d, why, len))
		return why;
	if (d->ops_size < sizeof(stp_backend_ops)) {
		snprintf(why, len,
		         "its ops table is %u bytes, ABI %u.%u needs at least %zu",
		         d->ops_size, STP_BACKEND_ABI_MAJOR,
		         STP_BACKEND_ABI_MINOR, sizeof(stp_backend_ops));
		return why;
	}
	if (!d->name || !*d->name || !d->ops || !d->ops->open ||
	    !d->ops->identify) {
		snprintf(why, len,
		         "its descriptor has no name, or no open or identify op");
		return why;
	}
	return NULL;
}

static int add_info(struct stp_registry *reg, const stp_backend_info *info)
{
	stp_backend_info *grown = realloc(reg->infos,
	                                  (reg->ninfos + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	reg->infos = grown;
	reg->infos[reg->ninfos++] = *info;
	return 0;
}

static void load_one(stp_ctx *ctx, struct stp_registry *reg, const char *dir,
                     const char *base)
{
	char file[PATH_MAX], why[512];
	stp_backend_info info = {0};
	const stp_backend_desc *d;
	lt_dlhandle h;
	loaded_backend *grown;

	snprintf(file, sizeof(file), "%s/%s", dir, base);
	info.file = keep(reg, file);
	h = lt_dlopenext(file);
	if (!h) {
		const char *err = lt_dlerror();
		snprintf(why, sizeof(why), "cannot be opened: %s",
		         err ? err : "unknown error");
		goto refuse;
	}
	d = (const stp_backend_desc *)lt_dlsym(h, STP_BACKEND_SYMBOL);
	if (!d) {
		snprintf(why, sizeof(why),
		         "exports no '%s' symbol: not an stmprog backend",
		         STP_BACKEND_SYMBOL);
		lt_dlclose(h);
		goto refuse;
	}
	info.abi_major = d->abi_major;
	info.abi_minor = d->abi_minor;
	if (check_descriptor(d, why, sizeof(why))) {
		lt_dlclose(h);
		goto refuse;
	}
	for (size_t i = 0; i < reg->nloaded; i++) {
		if (strcmp(reg->loaded[i].desc->name, d->name) == 0) {
			snprintf(why, sizeof(why),
			         "a backend named '%s' was already loaded from %s",
			         d->name, reg->loaded[i].file);
			lt_dlclose(h);
			goto refuse;
		}
	}
	grown = realloc(reg->loaded, (reg->nloaded + 1) * sizeof(*grown));
	if (!grown) {
		lt_dlclose(h);
		snprintf(why, sizeof(why), "out of memory");
		goto refuse;
	}
	reg->loaded = grown;
	reg->loaded[reg->nloaded].desc = d;
	reg->loaded[reg->nloaded].handle = h;
	reg->loaded[reg->nloaded].file = info.file;
	reg->nloaded++;
	info.name = d->name;
	info.description = d->description;
	info.transport = d->transport;
	info.port_prefixes = d->port_prefixes;
	stp_log(ctx, STP_LOG_DEBUG, "backend '%s' (ABI %u.%u) loaded from %s",
	        d->name, d->abi_major, d->abi_minor, file);
	add_info(reg, &info);
	return;
refuse:
	info.error = keep(reg, why);
	stp_log(ctx, STP_LOG_WARN, "backend module %s refused: %s", file, why);
	add_info(reg, &info);
}

/* Loads every module on path into a new registry.  Called with
 * registries_lock held: libltdl is only ever used under it. */
static struct stp_registry *load_all(stp_ctx *ctx, const char *search)
{
	struct stp_registry *reg = calloc(1, sizeof(*reg));
	char *path, *dir, *save = NULL;

	if (!reg)
		return NULL;
	if (!ltdl_ready) {
		if (lt_dlinit() != 0) {
			free(reg);
			return NULL;
		}
		ltdl_ready = true;
	}
	snprintf(reg->path, sizeof(reg->path), "%s", search);
	path = strdup(reg->path);
	for (dir = path ? strtok_r(path, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char **names;
		size_t n = list_modules(dir, &names);

		stp_log(ctx, STP_LOG_DEBUG, "looking for backends in %s: %zu module(s)",
		        dir, n);
		for (size_t i = 0; i < n; i++) {
			load_one(ctx, reg, dir, names[i]);
			free(names[i]);
		}
		free(names);
	}
	free(path);
	return reg;
}

void stp_registry_free(struct stp_registry *reg)
{
	/* The context only referred to a process-wide registry. */
	(void)reg;
}

/* The registry for ctx's search path: the one already made for that
 * path, or a new one.  The log lines a new registry's loading writes go
 * to ctx (under the lock: a log callback must not itself open targets or
 * list backends on another context). */
static struct stp_registry *registry(stp_ctx *ctx)
{
	struct stp_registry **slot = stp_ctx_registry(ctx);
	struct stp_registry *reg;
	char path[sizeof(reg->path)];

	if (*slot)
		return *slot;
	choose_path(path, sizeof(path));
	pthread_mutex_lock(&registries_lock);
	for (reg = registries; reg; reg = reg->next)
		if (strcmp(reg->path, path) == 0)
			break;
	if (!reg) {
		reg = load_all(ctx, path);
		if (reg) {
			reg->next = registries;
			registries = reg;
		}
	} else {
		stp_log(ctx, STP_LOG_DEBUG,
		        "backends from %s: loaded earlier in this process", path);
	}
	pthread_mutex_unlock(&registries_lock);
	*slot = reg;
	return reg;
}

stp_status stp_backends_list(stp_ctx *ctx, const stp_backend_info **list,
                             size_t *count)
{
	struct stp_registry *reg = registry(ctx);

	if (!reg)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL,
		                "cannot set up the backend loader");
	*list = reg->infos;
	*count = reg->ninfos;
	return STP_OK;
}

const char *stp_backends_path(stp_ctx *ctx)
{
	struct stp_registry *reg = registry(ctx);
	return reg ? reg->path : "";
}

size_t stp_registry_loaded(stp_ctx *ctx, const loaded_backend **out)
{
	struct stp_registry *reg = registry(ctx);

	if (!reg) {
		*out = NULL;
		return 0;
	}
	*out = reg->loaded;
	return reg->nloaded;
}

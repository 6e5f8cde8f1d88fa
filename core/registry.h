/* The loaded backends, as the loader hands them to the target layer. */
#ifndef STMPROG_REGISTRY_H
#define STMPROG_REGISTRY_H

#include <ltdl.h>
#include <stddef.h>

#include "stmprog/backend.h"

typedef struct loaded_backend {
	const stp_backend_desc *desc;
	lt_dlhandle handle;
	const char *file;
} loaded_backend;

/* Loads the modules on first use; returns how many passed the checks. */
size_t stp_registry_loaded(stp_ctx *ctx, const loaded_backend **out);

#endif

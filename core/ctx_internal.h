/* What the library's own files share about the context and are not for
 * front-ends or backends. */
#ifndef STMPROG_CTX_INTERNAL_H
#define STMPROG_CTX_INTERNAL_H

#include "stmprog/context.h"

struct stp_registry;

/* The backend registry this context uses (NULL until first used): a
 * process-wide one, shared with every context of the same search path
 * (backend_loader.c); the context only refers to it. */
struct stp_registry **stp_ctx_registry(stp_ctx *ctx);
/* Drops a context's reference (stp_ctx_free); the registry itself stays
 * until the process exits, so this frees nothing. */
void stp_registry_free(struct stp_registry *reg);
/* The port of the target opened on ctx: the label its events carry
 * when the caller set none. */
void stp_ctx_set_port_label(stp_ctx *ctx, const char *port);

#endif

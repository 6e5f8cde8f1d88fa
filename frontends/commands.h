/* Running the parsed commands of one stmprog invocation. */
#ifndef STMPROG_COMMANDS_H
#define STMPROG_COMMANDS_H

#include "cli.h"
#include "output.h"
#include "stmprog/context.h"

/* Runs c's commands in order, stops at the first failure; returns the
 * process exit code. */
int commands_run(const cli *c, stp_ctx *ctx, output *out);

#endif

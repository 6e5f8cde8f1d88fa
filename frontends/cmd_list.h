/* stmprog -l [usb|uart|can]: the ports and devices found, and when there
 * are none, what was looked for and what usually fixes it. */
#ifndef STMPROG_CMD_LIST_H
#define STMPROG_CMD_LIST_H

#include "output.h"
#include "stmprog/context.h"

/* kind: "usb", "uart", "can" or NULL for all. */
stp_status list_ports(stp_ctx *ctx, output *out, const char *kind);

#endif

/* Placeholder replaced by the USART backend. */
#include "config.h"
#include "stmprog/backend.h"
static const stp_backend_ops ops;
static const char *const prefixes[] = {"/dev/", "COM", NULL};
STP_BACKEND_DEFINE("uart", "USART bootloader (AN3155)", STP_TRANSPORT_UART,
                   prefixes, &ops);

/* stmprog-sim: the list of transports.  A new one is a file with its own
 * sim_transport_ops and a line here. */
#include "config.h"

#include <string.h>

#include "sim_gadget.h"
#include "sim_transport.h"

static const sim_transport_ops *const transports[] = {
	&sim_uart_transport,
	&sim_slcan_transport,
#ifdef HAVE_UMOCKDEV
	&sim_usb_transport,
#endif
#ifdef SIM_HAVE_GADGET
	&sim_gadget_transport,
#endif
};

/* Named in messages so a user knows they are coming, not mistyped
 * (none at the moment). */
static const char *const planned[] = {NULL};

const sim_transport_ops *sim_transport_find(const char *name)
{
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (!strcmp(transports[i]->name, name))
			return transports[i];
	return NULL;
}

bool sim_transport_planned(const char *name)
{
	for (size_t i = 0; i < sizeof(planned) / sizeof(planned[0]); i++)
		if (planned[i] && !strcmp(planned[i], name))
			return true;
	return false;
}

bool sim_transport_needs_umockdev(const char *name)
{
#ifdef HAVE_UMOCKDEV
	(void)name;
	return false;
#else
	return !strcmp(name, "usb");
#endif
}

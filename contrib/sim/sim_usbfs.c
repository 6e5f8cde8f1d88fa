/* stmprog-sim: a usbfs device's URB bookkeeping on umockdev
 * (sim_usbfs.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/usbdevice_fs.h>

#include "sim_time.h"
#include "sim_usbfs.h"

void sim_usbfs_urb_free(sim_usbfs_urb *u)
{
	if (u->buf)
		umockdev_ioctl_data_unref(u->buf);
	if (u->urb)
		umockdev_ioctl_data_unref(u->urb);
	if (u->owner)
		g_object_unref(u->owner);
	free(u);
}

/* A host process closed the device or died: its URBs are dropped. */
static void on_client_vanished(UMockdevIoctlBase *handler,
                               UMockdevIoctlClient *client, gpointer user_data)
{
	sim_usbfs *q = user_data;
	sim_usbfs_urb **pp = &q->urbs;

	(void)handler;
	pthread_mutex_lock(q->lock);
	while (*pp) {
		sim_usbfs_urb *u = *pp;
		if (u->owner == client) {
			*pp = u->next;
			sim_usbfs_urb_free(u);
		} else {
			pp = &u->next;
		}
	}
	pthread_mutex_unlock(q->lock);
}

void sim_usbfs_init(sim_usbfs *q, pthread_mutex_t *lock,
                    UMockdevIoctlBase *handler)
{
	q->lock = lock;
	q->urbs = NULL;
	g_signal_connect(handler, "client-vanished",
	                 G_CALLBACK(on_client_vanished), q);
}

void sim_usbfs_unwatch(sim_usbfs *q, UMockdevIoctlBase *handler)
{
	g_signal_handlers_disconnect_by_data(handler, q);
}

void sim_usbfs_clear(sim_usbfs *q)
{
	sim_usbfs_urb *u;

	while ((u = q->urbs)) {
		q->urbs = u->next;
		sim_usbfs_urb_free(u);
	}
}

UMockdevIoctlData *sim_usbfs_urb_header(UMockdevIoctlClient *client,
                                        UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data;

	urb_data = umockdev_ioctl_data_resolve(arg, 0,
	                                       sizeof(struct usbdevfs_urb), NULL);
	if (!urb_data)
		umockdev_ioctl_client_complete(client, -1, EFAULT);
	return urb_data;
}

sim_usbfs_urb *sim_usbfs_urb_new(UMockdevIoctlClient *client,
                                 UMockdevIoctlData *urb_data)
{
	const struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
	UMockdevIoctlData *buf = NULL;
	sim_usbfs_urb *u;

	if (urb->buffer_length < 0 || urb->buffer_length > SIM_USBFS_DATA_MAX)
		return NULL;
	if (urb->buffer_length > 0 &&
	    !(buf = umockdev_ioctl_data_resolve(urb_data,
	                                        offsetof(struct usbdevfs_urb, buffer),
	                                        (gsize)urb->buffer_length, NULL)))
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u) {
		if (buf)
			umockdev_ioctl_data_unref(buf);
		return NULL;
	}
	u->urb = urb_data;
	u->buf = buf;
	u->owner = g_object_ref(client);
	snprintf(u->devnode, sizeof(u->devnode), "%s",
	         umockdev_ioctl_client_get_devnode(client));
	if (buf)
		memcpy(u->data, buf->data, (size_t)urb->buffer_length);
	return u;
}

void sim_usbfs_submitted(sim_usbfs *q, UMockdevIoctlClient *client,
                         sim_usbfs_urb *u)
{
	sim_usbfs_urb **tail;

	for (tail = &q->urbs; *tail; tail = &(*tail)->next)
		;
	*tail = u;
	umockdev_ioctl_client_complete(client, 0, 0);
}

void sim_usbfs_reap(sim_usbfs *q, UMockdevIoctlClient *client,
                    UMockdevIoctlData *arg)
{
	const char *devnode = umockdev_ioctl_client_get_devnode(client);
	int64_t now = sim_now_ns();
	sim_usbfs_urb **pp, *u;
	UMockdevIoctlData *ptr;
	struct usbdevfs_urb *urb;

	for (pp = &q->urbs; *pp; pp = &(*pp)->next)
		if ((*pp)->owner == client && !strcmp((*pp)->devnode, devnode) &&
		    (*pp)->ready_at <= now)
			break;
	if (!*pp) {
		umockdev_ioctl_client_complete(client, -1, EAGAIN);
		return;
	}
	u = *pp;
	*pp = u->next;
	urb = (struct usbdevfs_urb *)u->urb->data;
	urb->status = u->status;
	urb->actual_length = u->actual;
	if (u->in_len > 0 && u->buf)
		memcpy(u->buf->data + u->in_at, u->data + u->in_at,
		       (size_t)u->in_len);
	ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);
	if (!ptr || !umockdev_ioctl_data_set_ptr(ptr, 0, u->urb)) {
		if (ptr)
			umockdev_ioctl_data_unref(ptr);
		sim_usbfs_urb_free(u);
		umockdev_ioctl_client_complete(client, -1, EFAULT);
		return;
	}
	umockdev_ioctl_client_complete(client, 0, 0);
	umockdev_ioctl_data_unref(ptr);
	sim_usbfs_urb_free(u);
}

void sim_usbfs_discard(sim_usbfs *q, UMockdevIoctlClient *client,
                       UMockdevIoctlData *arg)
{
	gulong addr;
	sim_usbfs_urb *u;

	memcpy(&addr, arg->data, sizeof(addr));
	for (u = q->urbs; u; u = u->next)
		if (u->urb->client_addr == addr) {
			/* The host gave up (a timeout): hand it back cancelled. */
			u->status = -ENOENT;
			u->actual = 0;
			u->in_len = 0;
			u->ready_at = 0;
			umockdev_ioctl_client_complete(client, 0, 0);
			return;
		}
	umockdev_ioctl_client_complete(client, -1, EINVAL);
}

void sim_usbfs_capabilities(UMockdevIoctlClient *client,
                            UMockdevIoctlData *arg, uint32_t caps)
{
	UMockdevIoctlData *v;
	guint32 c = caps;

	v = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
	if (!v) {
		umockdev_ioctl_client_complete(client, -1, EFAULT);
		return;
	}
	memcpy(v->data, &c, sizeof(c));
	umockdev_ioctl_client_complete(client, 0, 0);
	umockdev_ioctl_data_unref(v);
}

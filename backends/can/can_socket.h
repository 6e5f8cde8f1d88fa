/* Linux SocketCAN under the frame link (can_link.h): a raw CAN socket
 * bound to one interface, classic and FD frames, and the interface
 * checks that turn "nothing answers" into "can0 is down: bring it up
 * like this".  The bit rate belongs to the interface and is set outside
 * the process (ip link, CAP_NET_ADMIN), so the link has no set_bitrate.
 * Only built with HAVE_SOCKETCAN. */
#ifndef STMPROG_CAN_SOCKET_H
#define STMPROG_CAN_SOCKET_H

#include <stdbool.h>

#include "can_link.h"
#include "stmprog/context.h"

typedef struct cansock cansock;

/* Opens a raw socket on ifname (it must exist and be up), enables FD
 * frames when the interface carries them, and filters reception to the
 * identifiers the bootloaders answer on.  kbps/data_kbps only make the
 * hints name the rates to configure. */
stp_status cansock_open(stp_ctx *ctx, const char *ifname, unsigned kbps,
                        unsigned data_kbps, bool want_fd, cansock **out);
/* Wraps a descriptor that carries struct can_frame / canfd_frame records
 * (tests use a SOCK_SEQPACKET socketpair); takes ownership of fd. */
cansock *cansock_from_fd(int fd, bool fd_frames, const char *name);
void cansock_close(cansock *cs);
const can_link *cansock_link(cansock *cs);

/* Every CAN network interface (type ARPHRD_CAN in sysfs). */
typedef void (*cansock_if_fn)(void *user, const char *name, bool up,
                              bool fd);
void cansock_list(cansock_if_fn fn, void *user);

#endif

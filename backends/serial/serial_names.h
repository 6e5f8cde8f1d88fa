/* udev's stable names of a serial port: the links in /dev/serial/by-path
 * (where the adapter is plugged: "pci-0000:00:14.0-usb-0:2.3:1.0-port0")
 * and /dev/serial/by-id (which adapter: its USB IDs and serial), so
 * `stmprog -l uart` can show what to give as port= on a production line
 * where /dev/ttyUSBn numbers change with the order of plugging.
 * libserialport lists only the kernel names, so the directories are
 * scanned and each link resolved.  No state: safe from any thread. */
#ifndef STMPROG_SERIAL_NAMES_H
#define STMPROG_SERIAL_NAMES_H

#include <stddef.h>

#define SERIAL_STABLE_DIR "/dev/serial"

/* The links in DIR/by-path and DIR/by-id that resolve to the same node
 * as port, as full names ("/dev/serial/by-id/usb-FTDI_..."); "" where
 * there is none (no udev, not a USB or PCI port, dir missing).  When
 * several links in one directory name the port, the first in byte order
 * is taken, so the answer does not depend on directory order. */
void serial_stable_names(const char *dir, const char *port, char *by_path,
                         size_t by_path_len, char *by_id, size_t by_id_len);

#endif

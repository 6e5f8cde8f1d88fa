# Backend modules: one libtool module per bootloader interface, installed
# into $(backenddir) and loaded by libstmprog at run time.
STP_MODULE_LINK = -module -avoid-version -no-undefined -shared \
	-export-symbols-regex '^stp_backend_descriptor$$'
EXTRA_DIST += backends/backends.m4

include backends/serial/local.mk
include backends/uart/local.mk
include backends/dfu/local.mk
include backends/can/local.mk

# The stmprog command-line front-end.  It links libstmprog only: the
# transports' libraries (libusb, libserialport, libftdi1) are the
# backends' business, loaded at run time.
bin_PROGRAMS += frontends/stmprog
frontends_stmprog_SOURCES = \
	frontends/stmprog.c \
	frontends/cli.c frontends/cli.h \
	frontends/commands.c frontends/commands.h \
	frontends/output.c frontends/output.h \
	frontends/help.c frontends/help.h
# The vendor CLI's memory commands, and "-" as a file.
frontends_stmprog_SOURCES += frontends/cmd_memory.c frontends/cmd_memory.h \
	frontends/cmd_stdio.c frontends/cmd_stdio.h \
	frontends/cmd_list.c frontends/cmd_list.h
# --json: JSON lines through json-c.
frontends_stmprog_SOURCES += frontends/json_output.c frontends/json_output.h
frontends_stmprog_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
frontends_stmprog_LDADD = core/libstmprog.la $(JSONC_LIBS)

include frontends/line/local.mk

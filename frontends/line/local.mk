# stmprog-line, the production line front-end.  Everything but main() is
# in a convenience library the tests link too.  It calls libstmprog
# only; its own libraries are libyaml (station and job files), SQLite
# and libpq (the log), json-c (JSON out) and nettle (SHA-256).
if BUILD_LINE
bin_PROGRAMS += frontends/line/stmprog-line
noinst_LTLIBRARIES += frontends/line/libline.la
frontends_line_libline_la_SOURCES = \
	frontends/line/serial_rule.c frontends/line/serial_rule.h \
	frontends/line/line_config.h \
	frontends/line/yaml_doc.c frontends/line/yaml_doc.h \
	frontends/line/station_file.c frontends/line/job_file.c \
	frontends/line/job_build.c \
	frontends/line/logdb.h frontends/line/logdb_internal.h \
	frontends/line/logdb.c frontends/line/logdb_sqlite.c \
	frontends/line/logdb_report.c \
	frontends/line/line_run.c frontends/line/line_run.h \
	frontends/line/line_slot.c frontends/line/line_slot.h \
	frontends/line/line_display.c frontends/line/line_display.h
if HAVE_LIBPQ
frontends_line_libline_la_SOURCES += frontends/line/logdb_pg.c
endif
frontends_line_libline_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) \
	$(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) $(JSONC_CFLAGS) $(NETTLE_CFLAGS) \
	-DSTMPROG_VERSION='"$(PACKAGE_VERSION)"'
frontends_line_libline_la_LIBADD = core/libstmprog.la $(YAML_LIBS) \
	$(SQLITE_LIBS) $(LIBPQ_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS) -lpthread
frontends_line_stmprog_line_SOURCES = frontends/line/line_main.c
frontends_line_stmprog_line_CFLAGS = $(frontends_line_libline_la_CFLAGS)
frontends_line_stmprog_line_LDADD = frontends/line/libline.la core/libstmprog.la
endif

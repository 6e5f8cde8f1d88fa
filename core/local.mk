# libstmprog: the core library every front-end and backend links.
lib_LTLIBRARIES += core/libstmprog.la
core_libstmprog_la_SOURCES = \
	core/context.c \
	core/ctx_internal.h \
	core/portspec.c \
	core/backend_loader.c \
	core/registry.h \
	core/target.c \
	core/plan.c \
	core/engine.c \
	core/crc.c \
	core/dfuse_layout.c \
	core/escape.c \
	core/image_route.c \
	core/option_bytes.c \
	core/ob_preset.c \
	core/guard.c \
	core/image_merge.c \
	core/start.c \
	core/job_internal.h \
	core/job.c \
	core/job_run.c \
	core/job_ob.c \
	core/job_protect.c \
	core/job_memory.c
core_libstmprog_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSTP_BACKEND_DIR='"$(backenddir)"' \
	-DSTP_BUILD_LIBDIR='"$(abs_top_builddir)/core/.libs"' \
	-DSTP_BUILD_BACKEND_DIR='"$(abs_top_builddir)/backends"'
core_libstmprog_la_LIBADD = $(LTDL_LIBS) $(PTHREAD_LIBS)
# -version-info current:revision:age: the policy is in docs/architecture.md
# ("Library versioning").  1:0:0: this release removed exported internal
# symbols and made stp_image opaque, so nothing built against 0:0:0 is
# promised to work.
core_libstmprog_la_LDFLAGS = -version-info 1:0:0 -no-undefined \
	$(PTHREAD_CFLAGS)
core_libstmprog_la_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)

# Only what the public headers declare is exported: a GNU ld version
# script made from the headers themselves (core/public-symbols.sh), so a
# new public function is exported by declaring it and an internal one
# never is.  tests/test_exports.sh checks the built library.
if HAVE_VERSION_SCRIPT
core_libstmprog_la_LDFLAGS += -Wl,--version-script=core/libstmprog.map
EXTRA_core_libstmprog_la_DEPENDENCIES = core/libstmprog.map
endif
core/libstmprog.map: $(stmproginclude_HEADERS) core/public-symbols.sh
	$(AM_V_GEN)$(MKDIR_P) core && \
	$(SHELL) $(srcdir)/core/public-symbols.sh --map "$(CPP)" \
		$(srcdir)/core/include >$@.tmp && mv $@.tmp $@
CLEANFILES += core/libstmprog.map
EXTRA_DIST += core/public-symbols.sh

stmprogincludedir = $(includedir)/stmprog
stmproginclude_HEADERS = \
	core/include/stmprog/context.h \
	core/include/stmprog/chip.h \
	core/include/stmprog/image.h \
	core/include/stmprog/portspec.h \
	core/include/stmprog/target.h \
	core/include/stmprog/backend.h \
	core/include/stmprog/plan.h \
	core/include/stmprog/dfuse.h \
	core/include/stmprog/option_bytes.h \
	core/include/stmprog/guard.h \
	core/include/stmprog/start.h \
	core/include/stmprog/events.h \
	core/include/stmprog/job.h

pkgconfig_DATA = core/libstmprog.pc
EXTRA_DIST += core/libstmprog.pc.in

# The chip database and the image formats describe their own sources.
include core/chip.mk
include core/image.mk

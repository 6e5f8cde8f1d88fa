# stmprog-line's production log and serial allocator: SQLite always, and
# PostgreSQL on a server the test starts itself (skipped when the server
# programs are missing, unless STMPROG_REQUIRE_PG=1).
if BUILD_LINE
if HAVE_CRITERION
check_PROGRAMS += tests/test_line_db
TESTS += tests/test_line_db
tests_test_line_db_SOURCES = tests/test_line_db.c $(TEST_HELPERS)
tests_test_line_db_CFLAGS = $(TEST_CFLAGS) $(PTHREAD_CFLAGS) \
	-I$(top_srcdir)/frontends/line $(SQLITE_CFLAGS) $(JSONC_CFLAGS) \
	$(LIBPQ_CFLAGS) -DPG_BINDIR='"$(PG_BINDIR)"'
tests_test_line_db_LDADD = frontends/line/libline.la core/libstmprog.la \
	$(CRITERION_LIBS) $(SQLITE_LIBS) $(JSONC_LIBS) $(LIBPQ_LIBS) \
	$(PTHREAD_LIBS) -lpthread
if HAVE_LIBPQ
tests_test_line_db_SOURCES += tests/pg_server.c tests/pg_server.h
endif
endif
endif

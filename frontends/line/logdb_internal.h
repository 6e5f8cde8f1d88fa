/* logdb_internal.h: being written. */

/* stmprog -h. */
#ifndef STMPROG_HELP_H
#define STMPROG_HELP_H

/* Prints the help text on stdout. */
void print_help(void);

#endif

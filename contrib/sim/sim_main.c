/* Placeholder replaced by the simulator. */
#include "config.h"
int main(void);
int main(void) { return 2; }

#include "tickwire/cbench.h"
int tw_bench_placeholder(void) { return 0; }

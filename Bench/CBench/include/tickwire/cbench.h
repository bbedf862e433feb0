#ifndef TW_CBENCH_H
#define TW_CBENCH_H
int tw_bench_placeholder(void);
#endif

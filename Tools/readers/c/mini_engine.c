/* SPDX-License-Identifier: MIT */
/*
 * A stand-in engine for testing external producers and exec readers without
 * the Swift engine: it publishes books (one instrument, BTCUSDT, price
 * exponent -2, quantity exponent -5), cmd (lanes) and exec segments, marks
 * them LIVE, and answers every command the way the engine's execution stage
 * does - TW_EXEC_REJECTED (local, with a tw_reject_code_t) or
 * TW_EXEC_ACCEPTED carrying the producer token and command_id - then, for an
 * accepted new order, an ACK and a FILL. It advances `consumed` after each
 * record, as the engine's account processor would.
 *
 * Rules: unknown op/side/type/tif or instrument -> MALFORMED; quantity above
 * 10 BTC -> MAX_QTY; a limit order without a price -> MALFORMED.
 *
 * usage: mini_engine INSTANCE [--seconds S] [--mute]
 *   --mute   consume commands but never answer (producer timeout tests)
 * Prints "ready" on stdout once every segment is LIVE; SIGTERM/SIGINT (or
 * the deadline) marks them DEAD and exits 0. Segments go to $TICKWIRE_SHM_DIR.
 */
#define _GNU_SOURCE
#include "tickwire/shm.h"
#include "tickwire/writer.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int make(const char *inst, uint32_t kind, uint64_t region, uint64_t gen, tw_shm_t *s)
{
    int rc = tw_shm_create(inst, kind, region, gen, s);
    if (rc == 0 && kind == TW_SEG_BOOKS) {
        rc = tw_books_init(s, 1, 5);
        tw_instrument_info_t *info = tw_books_instrument_mut(s->base, 0);
        snprintf(info->symbol, sizeof(info->symbol), "BTCUSDT");
        snprintf(info->venue, sizeof(info->venue), "mini");
        info->price_exponent = -2;
        info->qty_exponent = -5;
        info->tick_size = 1;
        info->step_size = 1;
        info->min_notional = 500;
    } else if (rc == 0 && kind == TW_SEG_CMD) {
        rc = tw_cmd_init(s, 4, 16);
    } else if (rc == 0 && kind == TW_SEG_EXEC) {
        rc = tw_exec_init(s, 1024, 16);
    }
    if (rc == 0)
        rc = tw_shm_commit(s);
    if (rc != 0)
        fprintf(stderr, "mini_engine: %s\n", tw_error_message());
    return rc;
}

static uint16_t check(const tw_command_t *c, uint32_t instruments)
{
    if (c->op < TW_CMD_NEW || c->op > TW_CMD_CANCEL_ALL || c->instrument >= instruments)
        return TW_REJ_MALFORMED;
    if (c->op != TW_CMD_NEW)
        return 0;
    if (c->side < TW_SIDE_BUY || c->side > TW_SIDE_SELL || c->order_type < TW_ORDER_LIMIT ||
        c->order_type > TW_ORDER_LIMIT_MAKER || c->tif < TW_TIF_GTC || c->tif > TW_TIF_FOK || c->quantity <= 0)
        return TW_REJ_MALFORMED;
    if (c->order_type != TW_ORDER_MARKET && c->price <= 0)
        return TW_REJ_MALFORMED;
    if (c->quantity > 10 * 100000)
        return TW_REJ_MAX_QTY;
    return 0;
}

static void journal(tw_exec_writer_t *w, void *seg, uint16_t type, uint16_t instrument, tw_exec_report_t *r)
{
    r->publish_ns = tw_realtime_ns();
    uint64_t n = tw_exec_append(w, type, instrument, r, sizeof(*r));
    if (n)
        tw_exec_set_consumed(seg, n);
}

static void answer(tw_exec_writer_t *w, void *seg, const tw_command_t *c, uint64_t owner, uint32_t instruments)
{
    static uint64_t venue_ids = 1000, trade_ids = 5000;
    tw_exec_report_t r;
    memset(&r, 0, sizeof(r));
    r.command_id = c->command_id;
    r.producer = owner;
    r.price = c->price;
    r.quantity = c->quantity;
    r.strategy_id = c->strategy_id;
    r.side = c->side;
    r.order_type = c->order_type;
    r.tif = c->tif;
    r.flags = TW_EXEC_FLAG_LOCAL;
    memcpy(r.client_order_id, c->client_order_id, sizeof(r.client_order_id));
    r.client_order_id[TW_CLIENT_ID_MAX - 1] = '\0';
    if (!r.client_order_id[0])
        snprintf(r.client_order_id, sizeof(r.client_order_id), "tw-%" PRIu64 "-%" PRIu64, owner >> 32, c->command_id);
    uint16_t code = check(c, instruments);
    uint16_t inst = (uint16_t)(c->instrument < instruments ? c->instrument : 0);
    if (code) {
        r.code = code;
        r.order_state = TW_OS_REJECTED;
        snprintf(r.text, sizeof(r.text), "%s", code == TW_REJ_MAX_QTY ? "quantity above 10" : "malformed command");
        journal(w, seg, TW_EXEC_REJECTED, inst, &r);
        return;
    }
    r.order_state = TW_OS_PENDING_SUBMIT;
    journal(w, seg, TW_EXEC_ACCEPTED, inst, &r);
    if (c->op != TW_CMD_NEW)
        return;
    r.flags = 0;
    r.venue_order_id = venue_ids++;
    r.order_state = TW_OS_SUBMITTED;
    r.recv_ns = tw_realtime_ns();
    journal(w, seg, TW_EXEC_ACK, inst, &r);
    r.flags = TW_EXEC_FLAG_STREAM;
    r.trade_id = trade_ids++;
    r.cum_quantity = c->quantity;
    r.cum_quote = c->price * c->quantity;
    r.fee = c->quantity; /* 0.1% of the base asset, at exponent -8 */
    r.fee_exponent = -8;
    snprintf(r.fee_asset, sizeof(r.fee_asset), "BTC");
    r.order_state = TW_OS_FILLED;
    journal(w, seg, TW_EXEC_FILL, inst, &r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mini_engine INSTANCE [--seconds S] [--mute]\n");
        return 2;
    }
    const char *inst = argv[1];
    double seconds = 60;
    int mute = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--mute"))
            mute = 1;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    /* A blocked mask survives exec (a test harness's threads block them): unblock what stops us. */
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    uint64_t gen = tw_next_generation(inst);
    tw_shm_t books, cmd, exec;
    if (make(inst, TW_SEG_BOOKS, tw_books_region_size(1, 5), gen, &books) ||
        make(inst, TW_SEG_CMD, tw_cmd_region_size(4, 16), gen, &cmd) ||
        make(inst, TW_SEG_EXEC, tw_exec_region_size(1024), gen, &exec))
        return 1;
    tw_exec_writer_t w;
    if (tw_exec_writer_init(&w, exec.base) != 0)
        return 1;
    tw_cmd_of(cmd.base)->consumer_pid = (uint64_t)getpid();
    tw_exec_balance_t bal;
    memset(&bal, 0, sizeof(bal));
    snprintf(bal.asset, sizeof(bal.asset), "USDT");
    bal.free = 1000000000; /* 10000000.00 */
    bal.exponent = -2;
    bal.publish_ns = tw_realtime_ns();
    tw_exec_set_consumed(exec.base, tw_exec_append(&w, TW_EXEC_BALANCE, 0, &bal, sizeof(bal)));
    tw_shm_t *all[] = {&books, &cmd, &exec};
    for (int i = 0; i < 3; i++)
        tw_segment_set_state(all[i]->base, TW_STATE_LIVE);
    printf("ready\n");
    fflush(stdout);

    int64_t deadline = tw_realtime_ns() + (int64_t)(seconds * 1e9);
    uint32_t lanes = tw_cmd_of(cmd.base)->lane_count;
    while (!stop && tw_realtime_ns() < deadline) {
        int took = 0;
        for (uint32_t lane = 0; lane < lanes; lane++) {
            tw_slot_header_t h;
            tw_command_t c;
            uint64_t owner;
            if (tw_cmd_lane_pop(cmd.base, lane, &h, &c, &owner) != 1)
                continue;
            took = 1;
            if (!mute)
                answer(&w, exec.base, &c, owner, 1);
        }
        if (!took) {
            struct timespec ts = {0, 200 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    for (int i = 0; i < 3; i++) {
        tw_segment_set_state(all[i]->base, TW_STATE_DEAD);
        tw_shm_detach(all[i]);
    }
    return 0;
}

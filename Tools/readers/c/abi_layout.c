/* SPDX-License-Identifier: MIT */
/*
 * Prints the ABI layout as the C compiler sees it: the same JSON object as
 * `tickwire_reader.py layout` ({"<struct>.<field>": offset, "<struct>.__size__":
 * size, "constants.<NAME>": value}), computed with offsetof/sizeof from
 * tickwire/abi.h. Tools/readers/check_layout.sh compares the two.
 */
#include <tickwire/abi.h>

#include <inttypes.h>
#include <stdio.h>

static int first = 1;

static void entry(const char *key, unsigned long long value)
{
    printf("%s\n \"%s\": %llu", first ? "{" : ",", key, value);
    first = 0;
}

/* A signed constant (TW_ACCOUNT_EXPONENT): printed as a negative number, as Python has it. */
static void entry_signed(const char *key, long long value)
{
    printf("%s\n \"%s\": %lld", first ? "{" : ",", key, value);
    first = 0;
}

#define F(type, field) entry(#type "." #field, (unsigned long long)offsetof(type##_t, field))
#define SIZE(type) entry(#type ".__size__", (unsigned long long)sizeof(type##_t))
#define C(name) entry("constants." #name, (unsigned long long)(name))
#define CS(name) entry_signed("constants." #name, (long long)(name))

int main(void)
{
    F(tw_segment_header, magic);
    F(tw_segment_header, abi_major);
    F(tw_segment_header, abi_minor);
    F(tw_segment_header, kind);
    F(tw_segment_header, generation);
    F(tw_segment_header, state);
    F(tw_segment_header, writer_pid);
    F(tw_segment_header, created_ns);
    F(tw_segment_header, segment_size);
    F(tw_segment_header, region_offset);
    F(tw_segment_header, region_size);
    F(tw_segment_header, instance);
    F(tw_segment_header, heartbeat_ns);
    SIZE(tw_segment_header);

    F(tw_ring_header, slot_size);
    F(tw_ring_header, slot_count);
    F(tw_ring_header, slots_offset);
    F(tw_ring_header, head);
    SIZE(tw_ring_header);

    F(tw_slot_header, seq);
    F(tw_slot_header, length);
    F(tw_slot_header, type);
    F(tw_slot_header, instrument);
    SIZE(tw_slot_header);

    F(tw_md_book, update_id);
    F(tw_md_book, first_update_id);
    F(tw_md_book, exchange_ns);
    F(tw_md_book, recv_ns);
    F(tw_md_book, publish_ns);
    F(tw_md_book, bid_px);
    F(tw_md_book, bid_qty);
    F(tw_md_book, ask_px);
    F(tw_md_book, ask_qty);
    F(tw_md_book, levels_changed);
    F(tw_md_book, flags);
    SIZE(tw_md_book);

    F(tw_md_trade, trade_id);
    F(tw_md_trade, exchange_ns);
    F(tw_md_trade, recv_ns);
    F(tw_md_trade, publish_ns);
    F(tw_md_trade, price);
    F(tw_md_trade, quantity);
    F(tw_md_trade, aggressor);
    SIZE(tw_md_trade);

    F(tw_md_status, feed_state);
    F(tw_md_status, reason);
    F(tw_md_status, publish_ns);
    SIZE(tw_md_status);

    F(tw_books_header, instrument_count);
    F(tw_books_header, depth);
    F(tw_books_header, block_size);
    F(tw_books_header, instruments_offset);
    F(tw_books_header, blocks_offset);
    SIZE(tw_books_header);

    F(tw_instrument_info, symbol);
    F(tw_instrument_info, venue);
    F(tw_instrument_info, price_exponent);
    F(tw_instrument_info, qty_exponent);
    F(tw_instrument_info, index);
    F(tw_instrument_info, feed_state);
    F(tw_instrument_info, tick_size);
    F(tw_instrument_info, step_size);
    F(tw_instrument_info, min_notional);
    SIZE(tw_instrument_info);

    F(tw_book_header, seq);
    F(tw_book_header, update_id);
    F(tw_book_header, exchange_ns);
    F(tw_book_header, recv_ns);
    F(tw_book_header, publish_ns);
    F(tw_book_header, bid_count);
    F(tw_book_header, ask_count);
    F(tw_book_header, flags);
    F(tw_book_header, first_update_id);
    SIZE(tw_book_header);

    F(tw_level, price);
    F(tw_level, quantity);
    SIZE(tw_level);

    F(tw_stats_header, instrument_count);
    F(tw_stats_header, counter_count);
    F(tw_stats_header, histogram_count);
    F(tw_stats_header, histogram_buckets);
    F(tw_stats_header, counters_offset);
    F(tw_stats_header, instruments_offset);
    F(tw_stats_header, histograms_offset);
    SIZE(tw_stats_header);

    F(tw_instrument_stats, messages);
    F(tw_instrument_stats, bytes);
    F(tw_instrument_stats, gaps);
    F(tw_instrument_stats, resyncs);
    F(tw_instrument_stats, reconnects);
    F(tw_instrument_stats, malformed);
    F(tw_instrument_stats, bookticker_checks);
    F(tw_instrument_stats, bookticker_mismatches);
    F(tw_instrument_stats, book_updates);
    F(tw_instrument_stats, trades);
    F(tw_instrument_stats, last_update_id);
    F(tw_instrument_stats, last_update_ns);
    F(tw_instrument_stats, health);
    F(tw_instrument_stats, health_ns);
    SIZE(tw_instrument_stats);

    F(tw_histogram, count);
    F(tw_histogram, sum);
    F(tw_histogram, min);
    F(tw_histogram, max);
    F(tw_histogram, overflow);
    F(tw_histogram, buckets);
    SIZE(tw_histogram);

    F(tw_cmd_header, lane_count);
    F(tw_cmd_header, lane_slots);
    F(tw_cmd_header, slot_size);
    F(tw_cmd_header, lane_size);
    F(tw_cmd_header, lanes_offset);
    F(tw_cmd_header, consumer_pid);
    F(tw_cmd_header, rejected_full);
    F(tw_cmd_header, rejected_no_lane);
    F(tw_cmd_header, lanes_reclaimed);
    SIZE(tw_cmd_header);

    F(tw_cmd_lane, owner);
    F(tw_cmd_lane, claimed_ns);
    F(tw_cmd_lane, submitted);
    F(tw_cmd_lane, tail);
    F(tw_cmd_lane, head);
    SIZE(tw_cmd_lane);

    F(tw_command, command_id);
    F(tw_command, created_ns);
    F(tw_command, price);
    F(tw_command, quantity);
    F(tw_command, instrument);
    F(tw_command, op);
    F(tw_command, side);
    F(tw_command, order_type);
    F(tw_command, tif);
    F(tw_command, strategy_id);
    F(tw_command, flags);
    F(tw_command, client_order_id);
    F(tw_command, target_id);
    SIZE(tw_command);

    F(tw_exec_header, ring);
    F(tw_exec_header, consumed);
    F(tw_exec_header, reserve);
    F(tw_exec_header, refused_full);
    F(tw_exec_header, overflowed);
    SIZE(tw_exec_header);

    F(tw_exec_report, command_id);
    F(tw_exec_report, producer);
    F(tw_exec_report, venue_order_id);
    F(tw_exec_report, trade_id);
    F(tw_exec_report, price);
    F(tw_exec_report, quantity);
    F(tw_exec_report, cum_quantity);
    F(tw_exec_report, cum_quote);
    F(tw_exec_report, fee);
    F(tw_exec_report, venue_ns);
    F(tw_exec_report, recv_ns);
    F(tw_exec_report, publish_ns);
    F(tw_exec_report, code);
    F(tw_exec_report, strategy_id);
    F(tw_exec_report, side);
    F(tw_exec_report, order_type);
    F(tw_exec_report, tif);
    F(tw_exec_report, order_state);
    F(tw_exec_report, flags);
    F(tw_exec_report, fee_exponent);
    F(tw_exec_report, client_order_id);
    F(tw_exec_report, fee_asset);
    F(tw_exec_report, text);
    SIZE(tw_exec_report);

    F(tw_exec_balance, asset);
    F(tw_exec_balance, free);
    F(tw_exec_balance, locked);
    F(tw_exec_balance, delta);
    F(tw_exec_balance, venue_ns);
    F(tw_exec_balance, recv_ns);
    F(tw_exec_balance, publish_ns);
    F(tw_exec_balance, exponent);
    SIZE(tw_exec_balance);

    F(tw_exec_position, amount);
    F(tw_exec_position, entry_price);
    F(tw_exec_position, unrealized);
    F(tw_exec_position, venue_ns);
    F(tw_exec_position, recv_ns);
    F(tw_exec_position, publish_ns);
    F(tw_exec_position, exponent);
    SIZE(tw_exec_position);
    C(TW_ABI_MAGIC);
    C(TW_ABI_MAJOR);
    C(TW_ABI_MINOR);
    C(TW_CACHE_LINE);
    C(TW_INSTANCE_MAX);
    C(TW_SYMBOL_MAX);
    C(TW_SEG_MD);
    C(TW_SEG_BOOKS);
    C(TW_SEG_CMD);
    C(TW_SEG_EXEC);
    C(TW_SEG_ACCOUNT);
    C(TW_SEG_STATS);
    C(TW_STATE_STARTING);
    C(TW_STATE_LIVE);
    C(TW_STATE_STOPPING);
    C(TW_STATE_DEAD);
    C(TW_MD_BOOK);
    C(TW_MD_TRADE);
    C(TW_MD_BBO);
    C(TW_MD_STATUS);
    C(TW_MD_SLOT_SIZE);
    C(TW_MD_PAYLOAD_MAX);
    C(TW_SIDE_NONE);
    C(TW_SIDE_BUY);
    C(TW_SIDE_SELL);
    C(TW_FEED_IDLE);
    C(TW_FEED_CONNECTING);
    C(TW_FEED_SYNCING);
    C(TW_FEED_LIVE);
    C(TW_FEED_STALE);
    C(TW_BOOK_FLAG_STALE);
    C(TW_DEFAULT_DEPTH);
    C(TW_MAX_DEPTH);
    C(TW_MAX_INSTRUMENTS);
    C(TW_CTR_COUNT);
    C(TW_HIST_SUB_BITS);
    C(TW_HIST_SUB_COUNT);
    C(TW_HIST_MAX_EXP);
    C(TW_HIST_BUCKETS);
    C(TW_HIST_COUNT);
    C(TW_CMD_SLOT_SIZE);
    C(TW_CLIENT_ID_MAX);
    C(TW_CMD_MAX_LANES);
    C(TW_CMD_NEW);
    C(TW_CMD_CANCEL);
    C(TW_CMD_CANCEL_ALL);
    C(TW_ORDER_LIMIT);
    C(TW_ORDER_MARKET);
    C(TW_ORDER_LIMIT_MAKER);
    C(TW_TIF_GTC);
    C(TW_TIF_IOC);
    C(TW_TIF_FOK);
    C(TW_EXEC_SLOT_SIZE);
    C(TW_EXEC_PAYLOAD_MAX);
    C(TW_EXEC_TEXT_MAX);
    C(TW_EXEC_ACCEPTED);
    C(TW_EXEC_REJECTED);
    C(TW_EXEC_SENT);
    C(TW_EXEC_ACK);
    C(TW_EXEC_PARTIAL_FILL);
    C(TW_EXEC_FILL);
    C(TW_EXEC_CANCELED);
    C(TW_EXEC_CANCEL_REJECT);
    C(TW_EXEC_EXPIRED);
    C(TW_EXEC_STATUS);
    C(TW_EXEC_HALT);
    C(TW_EXEC_BALANCE);
    C(TW_EXEC_POSITION);
    C(TW_OS_NONE);
    C(TW_OS_NEW);
    C(TW_OS_PENDING_SUBMIT);
    C(TW_OS_SUBMITTED);
    C(TW_OS_PARTIALLY_FILLED);
    C(TW_OS_FILLED);
    C(TW_OS_CANCELED);
    C(TW_OS_REJECTED);
    C(TW_OS_EXPIRED);
    C(TW_OS_CANCEL_PENDING);
    C(TW_OS_UNKNOWN);
    C(TW_EXEC_FLAG_LOCAL);
    C(TW_EXEC_FLAG_STREAM);
    C(TW_EXEC_FLAG_MAKER);
    C(TW_REJ_MALFORMED);
    C(TW_REJ_TICK);
    C(TW_REJ_LOT);
    C(TW_REJ_MIN_QTY);
    C(TW_REJ_MAX_QTY);
    C(TW_REJ_NOTIONAL);
    C(TW_REJ_PRICE_BAND);
    C(TW_REJ_POSITION);
    C(TW_REJ_BALANCE);
    C(TW_REJ_RATE);
    C(TW_REJ_BREAKER);
    C(TW_REJ_HALTED);
    C(TW_REJ_JOURNAL_FULL);
    C(TW_REJ_DUPLICATE);
    C(TW_REJ_UNKNOWN_ORDER);
    C(TW_REJ_NO_MARKET);
    C(TW_REJ_GATEWAY);
    C(TW_REJ_MODE);
    C(TW_CTR_CMD_CONSUMED);
    C(TW_CTR_CMD_ACCEPTED);
    C(TW_CTR_CMD_REJECTED);
    C(TW_CTR_GW_SENT);
    C(TW_CTR_GW_ANSWERS);
    C(TW_CTR_GW_EVENTS);
    C(TW_CTR_GW_MALFORMED);
    C(TW_CTR_REJECT_BASE);
    C(TW_HIST_CMD_QUEUE);
    C(TW_HIST_ORDER_ENCODE);
    C(TW_HIST_ORDER_ACK);
    C(TW_HIST_STRATEGY_EXEC);
    C(TW_HIST_STRATEGY_PATH);

    F(tw_account_header, seq);
    F(tw_account_header, version);
    F(tw_account_header, updated_ns);
    F(tw_account_header, journal_seq);
    F(tw_account_header, balance_count);
    F(tw_account_header, position_count);
    F(tw_account_header, order_count);
    F(tw_account_header, flags);
    F(tw_account_header, truncated_balances);
    F(tw_account_header, truncated_positions);
    F(tw_account_header, truncated_orders);
    F(tw_account_header, quote_asset);
    F(tw_account_header, realized);
    F(tw_account_header, unrealized);
    F(tw_account_header, total);
    F(tw_account_header, daily);
    F(tw_account_header, fees);
    F(tw_account_header, funding);
    F(tw_account_header, max_drawdown);
    F(tw_account_header, win_rate_bps);
    F(tw_account_header, max_drawdown_bps);
    F(tw_account_header, risk_state);
    F(tw_account_header, risk_since_ns);
    F(tw_account_header, risk_reason);
    F(tw_account_header, balance_capacity);
    F(tw_account_header, position_capacity);
    F(tw_account_header, order_capacity);
    F(tw_account_header, balance_size);
    F(tw_account_header, position_size);
    F(tw_account_header, order_size);
    F(tw_account_header, balances_offset);
    F(tw_account_header, positions_offset);
    F(tw_account_header, orders_offset);
    SIZE(tw_account_header);

    F(tw_account_balance, asset);
    F(tw_account_balance, total);
    F(tw_account_balance, available);
    F(tw_account_balance, hold);
    F(tw_account_balance, updated_ns);
    F(tw_account_balance, source);
    SIZE(tw_account_balance);

    F(tw_account_position, symbol);
    F(tw_account_position, strategy_id);
    F(tw_account_position, market);
    F(tw_account_position, qty_exponent);
    F(tw_account_position, flags);
    F(tw_account_position, size);
    F(tw_account_position, entry_price);
    F(tw_account_position, mark_price);
    F(tw_account_position, unrealized);
    F(tw_account_position, realized);
    F(tw_account_position, fees);
    F(tw_account_position, funding);
    F(tw_account_position, margin_used);
    F(tw_account_position, liquidation_price);
    F(tw_account_position, leverage);
    F(tw_account_position, updated_ns);
    SIZE(tw_account_position);

    F(tw_account_order, client_order_id);
    F(tw_account_order, symbol);
    F(tw_account_order, venue_order_id);
    F(tw_account_order, price);
    F(tw_account_order, quantity);
    F(tw_account_order, filled);
    F(tw_account_order, average_price);
    F(tw_account_order, last_update_ns);
    F(tw_account_order, last_event_seq);
    F(tw_account_order, strategy_id);
    F(tw_account_order, side);
    F(tw_account_order, order_type);
    F(tw_account_order, state);
    F(tw_account_order, is_open);
    F(tw_account_order, price_exponent);
    F(tw_account_order, qty_exponent);
    SIZE(tw_account_order);
    CS(TW_ACCOUNT_EXPONENT);
    C(TW_ACCOUNT_DEFAULT_BALANCES);
    C(TW_ACCOUNT_DEFAULT_POSITIONS);
    C(TW_ACCOUNT_DEFAULT_ORDERS);
    C(TW_ACCOUNT_MAX_CAPACITY);
    C(TW_ACCOUNT_MAX_ENTRY_SIZE);
    C(TW_ASSET_MAX);
    C(TW_ACCOUNT_FLAG_TRUNCATED);
    C(TW_ACCOUNT_SNAPSHOT_BYTES);
    C(TW_BALANCE_STREAM);
    C(TW_BALANCE_RECONCILIATION);
    C(TW_BALANCE_LOCAL);
    C(TW_MARKET_SPOT);
    C(TW_MARKET_USDM);
    C(TW_POSITION_FLAG_NO_LIQUIDATION);
    C(TW_POSITION_FLAG_NO_MARK);
    printf("\n}\n");
    return 0;
}

import EngineModel
import Execution
import Testing

/// OrderState and RejectCode carry abi.h's numbers (tw_order_state_t, tw_reject_code_t), written
/// out here as abi.h has them: they must never move.
@Suite("ABI codes")
struct OrderStateTests {
    @Test("OrderState matches tw_order_state_t")
    func orderStateABI() {
        let expected: [(OrderState, UInt8, String)] = [
            (.new, 1, "NEW"), (.pendingSubmit, 2, "PENDING_SUBMIT"), (.submitted, 3, "SUBMITTED"),
            (.partiallyFilled, 4, "PARTIALLY_FILLED"), (.filled, 5, "FILLED"), (.canceled, 6, "CANCELED"),
            (.rejected, 7, "REJECTED"), (.expired, 8, "EXPIRED"), (.cancelPending, 9, "CANCEL_PENDING"),
            (.unknown, 10, "UNKNOWN"),
        ]
        #expect(OrderState.allCases.count == expected.count)
        for (state, abi, name) in expected {
            #expect(state.abiValue == abi)
            #expect(state.rawValue == name)
            #expect(OrderState(abiValue: abi) == state)
            #expect(OrderState(rawValue: name) == state)
        }
        #expect(OrderState(abiValue: 0) == nil)  // TW_OS_NONE
        #expect(OrderState(abiValue: 11) == nil)
    }

    @Test("terminal and open states")
    func terminalAndOpen() {
        let terminal: Set<OrderState> = [.filled, .canceled, .rejected, .expired]
        let open: Set<OrderState> = [.pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown]
        for state in OrderState.allCases {
            #expect(state.isTerminal == terminal.contains(state))
            #expect(state.isOpen == open.contains(state))
            #expect(!(state.isTerminal && state.isOpen))
        }
        #expect(!OrderState.new.isOpen && !OrderState.new.isTerminal)
    }

    @Test("RejectCode matches tw_reject_code_t, with stable names")
    func rejectCodes() {
        let expected: [(RejectCode, UInt8, String)] = [
            (.malformed, 1, "malformed"), (.tick, 2, "tick"), (.lot, 3, "lot"), (.minQuantity, 4, "min_qty"),
            (.maxQuantity, 5, "max_qty"), (.notional, 6, "notional"), (.priceBand, 7, "price_band"),
            (.position, 8, "position"), (.balance, 9, "balance"), (.rate, 10, "rate"), (.breaker, 11, "breaker"),
            (.halted, 12, "halted"), (.journalFull, 13, "journal_full"), (.duplicate, 14, "duplicate"),
            (.unknownOrder, 15, "unknown_order"), (.noMarket, 16, "no_market"), (.gateway, 17, "gateway"),
            (.mode, 18, "mode"),
        ]
        #expect(RejectCode.allCases.count == expected.count)
        for (code, raw, name) in expected {
            #expect(code.rawValue == raw)
            #expect(code.journalCode == Int32(raw))
            #expect(code.name == name)
            #expect(RejectCode(name: name) == code)
            #expect(RejectCode(journalCode: Int32(raw)) == code)
            #expect(!code.reason.isEmpty)
        }
        #expect(RejectCode(journalCode: -2010) == nil)  // a venue code
        #expect(RejectCode(journalCode: 0) == nil)
        #expect(RejectCode(journalCode: 19) == nil)
    }

    @Test("OrderReason tells local codes from venue codes")
    func reasons() {
        let local = OrderReason(.priceBand)
        #expect(local.isLocal && local.rejectCode == .priceBand && local.code == 7)
        #expect(local.description == "price_band: price is too far from the market mid")
        let venue = OrderReason(code: -2010, text: "Order would immediately match and take.")
        #expect(!venue.isLocal && venue.rejectCode == nil)
        #expect(venue.description == "-2010: Order would immediately match and take.")
        #expect(OrderRejection(.tick, "x").reason == OrderReason(code: 2, text: "x"))
    }
}

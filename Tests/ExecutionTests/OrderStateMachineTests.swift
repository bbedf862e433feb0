import EngineModel
import Execution
import Testing

/// Order lifecycles beyond single transitions: fills and their sums, duplicates, out-of-order
/// venue events, UNKNOWN resolved by a query, cancel races.
@Suite("Order state machine: lifecycles")
struct OrderStateMachineTests {
    @Test("a limit order's normal life records every hop and the average price")
    func happyPath() {
        var m = Fixtures.machine()
        #expect(m.handle(.submitted(ns: 10)).name == "send_to_gateway")
        #expect(
            m.handle(.sent(ns: 20))
                == .publish(OrderUpdate(clientOrderId: "tw-1", from: .pendingSubmit, to: .submitted)))
        _ = m.handle(.acked(venueOrderId: 555, cumulativeQuantity: Fixtures.qty("0"), ns: 30))
        _ = m.handle(Fixtures.fill(1, "0.25", price: "100.00", ns: 40))
        let last = m.handle(Fixtures.fill(2, "0.75", price: "100.04", cumulative: "1", isLast: true, ns: 50))
        #expect(last.name == "publish_fill")
        #expect(last.update == OrderUpdate(clientOrderId: "tw-1", from: .partiallyFilled, to: .filled))
        let r = m.record
        #expect(r.state == .filled && r.venueOrderId == 555)
        #expect(r.filledQuantity == Fixtures.qty("1") && r.remainingQuantity == Fixtures.qty("0"))
        // 0.25 × 100.00 + 0.75 × 100.04 = 100.03 exactly.
        #expect(r.cumulativeQuote == Price("100.03", exponent: -7))
        #expect(r.averagePrice == Fixtures.price("100.03"))
        #expect(
            r.times
                == {
                    var t = OrderTimes(createdNs: 1)
                    t.submittedNs = 10
                    t.sentNs = 20
                    t.ackedNs = 30
                    t.lastFillNs = 50
                    return t
                }())
        #expect(r.times.createdToSentNs == 19 && r.times.sentToAckedNs == 10)
        #expect(r.tradeIds == [1, 2])
        #expect(r.strategyId == 7 && r.commandId == 42 && r.producer == 3)
    }

    @Test("the average price rounds half to even at the price exponent")
    func averagePriceRounding() {
        var m = Fixtures.machine(in: .submitted)
        _ = m.handle(Fixtures.fill(1, "0.2", price: "100.00"))
        _ = m.handle(Fixtures.fill(2, "0.2", price: "100.01"))
        #expect(m.record.averagePrice == Fixtures.price("100.00"))  // 100.005 → even 100.00
        var n = Fixtures.machine(in: .submitted)
        _ = n.handle(Fixtures.fill(1, "0.2", price: "100.01"))
        _ = n.handle(Fixtures.fill(2, "0.2", price: "100.02"))
        #expect(n.record.averagePrice == Fixtures.price("100.02"))  // 100.015 → even 100.02
        var o = Fixtures.machine(in: .submitted)
        _ = o.handle(Fixtures.fill(1, "0.1", price: "100.00"))
        _ = o.handle(Fixtures.fill(2, "0.2", price: "100.01"))
        #expect(o.record.averagePrice == Fixtures.price("100.01"))  // 100.00666… → 100.01
        #expect(Fixtures.machine().record.averagePrice == nil)
    }

    @Test("a repeated trade id changes nothing and is reported as a duplicate")
    func duplicateFill() {
        var m = Fixtures.machine(in: .submitted)
        _ = m.handle(Fixtures.fill(9, "0.5"))
        let before = m
        #expect(m.handle(Fixtures.fill(9, "0.5")) == .duplicateFill(tradeId: 9))
        #expect(m.handle(Fixtures.fill(9, "0.1", price: "99.00")) == .duplicateFill(tradeId: 9))
        #expect(m == before)
        #expect(m.record.filledQuantity == Fixtures.qty("0.5"))
    }

    @Test("a fill past the ordered quantity is refused as an overfill, whole")
    func overfill() {
        var m = Fixtures.machine(in: .submitted)
        _ = m.handle(Fixtures.fill(1, "0.8"))
        let before = m
        let action = m.handle(Fixtures.fill(2, "0.3"))
        #expect(action == .ignored(.overfill(tradeId: 2, reported: Fixtures.qty("1.1"), ordered: Fixtures.qty("1"))))
        #expect(m == before)
        // A venue cumulative beyond the order is an overfill too.
        #expect(m.handle(Fixtures.fill(3, "0.1", cumulative: "1.2")).name == "ignored")
    }

    @Test("fees are summed per asset, exactly, across exponents")
    func fees() {
        var m = Fixtures.machine(in: .submitted)
        _ = m.handle(Fixtures.fill(1, "0.1", fee: Price("0.0001", exponent: -4), feeAsset: "BNB"))
        _ = m.handle(Fixtures.fill(2, "0.1", fee: Price("0.00002", exponent: -5), feeAsset: "BNB"))
        _ = m.handle(Fixtures.fill(3, "0.1", fee: Price("-0.01", exponent: -2), feeAsset: "USDT"))
        _ = m.handle(Fixtures.fill(4, "0.1"))  // no fee
        #expect(m.record.fees == ["BNB": Price("0.00012", exponent: -5), "USDT": Price("-0.01", exponent: -2)])
    }

    @Test("values off the order's exponents are moved exactly, or the fill is refused")
    func fillExponents() {
        var m = Fixtures.machine(in: .submitted)
        let coarse = FillReport(
            tradeId: 1, price: Price("100.5", exponent: -1), quantity: Quantity("0.1", exponent: -1), ns: 1)
        #expect(m.handle(.fill(coarse)).name == "publish_fill")
        #expect(m.record.filledQuantity == Fixtures.qty("0.1") && m.record.filledQuantity.exponent == -5)
        let fine = FillReport(tradeId: 2, price: Price("100.005", exponent: -3), quantity: Fixtures.qty("0.1"), ns: 2)
        let before = m
        #expect(m.handle(.fill(fine)) == .ignored(.invalidValues(event: .fill)))
        let zero = FillReport(tradeId: 3, price: Fixtures.price("100"), quantity: Fixtures.qty("0"), ns: 3)
        #expect(m.handle(.fill(zero)) == .ignored(.invalidValues(event: .fill)))
        #expect(m == before)
    }

    @Test("fills before the ack work; the late ack only names the order")
    func fillBeforeAck() {
        var m = Fixtures.machine(in: .pendingSubmit)
        _ = m.handle(Fixtures.fill(1, "0.4"))
        #expect(m.state == .partiallyFilled)
        _ = m.handle(Fixtures.fill(2, "0.6", cumulative: "1", isLast: true))
        #expect(m.state == .filled)
        // The REST answer arrives last: FILLED does not move, the venue id is kept, it is reported.
        let ack = m.handle(.acked(venueOrderId: 31, cumulativeQuantity: Fixtures.qty("1"), ns: 90))
        #expect(ack == .ignored(.illegalTransition(state: .filled, event: .acked)))
        #expect(m.state == .filled && m.record.venueOrderId == 31)
        // The local `sent` report arriving after everything only records its time.
        #expect(m.handle(.sent(ns: 5)) == .none)
        #expect(m.record.times.sentNs == 5)
    }

    @Test("an ack with executed quantity moves straight to the state it implies")
    func ackWithFills() {
        var m = Fixtures.machine(in: .submitted)
        _ = m.handle(.acked(venueOrderId: 8, cumulativeQuantity: Fixtures.qty("0.5"), ns: 30))
        #expect(m.state == .partiallyFilled && m.record.missingQuantity == Fixtures.qty("0.5"))
        _ = m.handle(Fixtures.fill(1, "0.5", cumulative: "0.5"))
        #expect(m.record.missingQuantity == Fixtures.qty("0") && m.state == .partiallyFilled)
        #expect(m.handle(.acked(venueOrderId: 8, cumulativeQuantity: Fixtures.qty("0.5"), ns: 31)) == .none)
        #expect(
            m.handle(.acked(venueOrderId: 9, cumulativeQuantity: Fixtures.qty("0.5"), ns: 32))
                == .ignored(.venueOrderIdMismatch(known: 8, reported: 9)))
    }

    @Test("UNKNOWN asks for a query, never a resubmit, and a venue status resolves it")
    func unknownQueryResolve() {
        var m = Fixtures.machine(in: .submitted)
        let action = m.handle(.outcomeUnknown(reason: "HTTP 503"))
        #expect(
            action
                == .queryVenue(OrderUpdate(clientOrderId: "tw-1", from: .submitted, to: .unknown), reason: "HTTP 503"))
        #expect(m.record.lastReason == OrderReason(code: 0, text: "HTTP 503"))
        // Asking again while unknown asks for another query.
        #expect(m.handle(.outcomeUnknown(reason: "still nothing")).name == "query_venue")
        // The query answers: the order is working and 0.6 traded, no trade ids yet.
        let status = VenueOrderStatus(
            state: .partiallyFilled, cumulativeQuantity: Fixtures.qty("0.6"), venueOrderId: 12, ns: 5)
        let resolved = m.handle(.venueStatus(status))
        #expect(
            resolved
                == .fetchTrades(
                    OrderUpdate(clientOrderId: "tw-1", from: .unknown, to: .partiallyFilled),
                    missing: Fixtures.qty("0.6")))
        #expect(m.record.venueOrderId == 12 && m.record.remainingQuantity == Fixtures.qty("0.4"))
        // The fetched trades come back as fills and close the gap.
        _ = m.handle(Fixtures.fill(100, "0.2"))
        _ = m.handle(Fixtures.fill(101, "0.4"))
        #expect(m.record.missingQuantity == Fixtures.qty("0") && m.record.filledQuantity == Fixtures.qty("0.6"))
        #expect(m.state == .partiallyFilled)
        // A second identical status changes nothing.
        #expect(m.handle(.venueStatus(status)) == .none)
    }

    @Test("an order that never reached the venue resolves UNKNOWN to REJECTED")
    func unknownNeverPlaced() {
        var m = Fixtures.machine(in: .unknown)
        let reason = OrderReason(code: -2013, text: "Order does not exist.")
        let status = VenueOrderStatus(state: .rejected, cumulativeQuantity: Fixtures.qty("0"), reason: reason, ns: 5)
        #expect(m.handle(.venueStatus(status)).name == "publish")
        #expect(m.state == .rejected && m.record.lastReason == reason)
    }

    @Test("stale, conflicting and engine-only venue statuses are ignored")
    func badStatuses() {
        var m = Fixtures.machine(in: .partiallyFilled)  // 0.3 filled
        let before = m
        let stale = VenueOrderStatus(state: .submitted, cumulativeQuantity: Fixtures.qty("0.1"), ns: 5)
        #expect(
            m.handle(.venueStatus(stale))
                == .ignored(.staleStatus(reported: Fixtures.qty("0.1"), known: Fixtures.qty("0.3"))))
        let engineOnly = VenueOrderStatus(state: .unknown, cumulativeQuantity: Fixtures.qty("0.3"), ns: 5)
        #expect(m.handle(.venueStatus(engineOnly)) == .ignored(.notAVenueState(.unknown)))
        let rejectedWithFills = VenueOrderStatus(state: .rejected, cumulativeQuantity: Fixtures.qty("0.3"), ns: 5)
        #expect(m.handle(.venueStatus(rejectedWithFills)).name == "ignored")
        let otherId = VenueOrderStatus(
            state: .canceled, cumulativeQuantity: Fixtures.qty("0.3"), venueOrderId: 1, ns: 5)
        #expect(m.handle(.venueStatus(otherId)) == .ignored(.venueOrderIdMismatch(known: 777, reported: 1)))
        #expect(m == before)
        var f = Fixtures.machine(in: .canceled)
        let working = VenueOrderStatus(state: .submitted, cumulativeQuantity: Fixtures.qty("0"), ns: 5)
        #expect(f.handle(.venueStatus(working)) == .ignored(.conflictingStatus(known: .canceled, reported: .submitted)))
    }

    @Test("a refused cancel returns to the state before it, counting fills that came meanwhile")
    func cancelRejected() {
        var m = Fixtures.machine(in: .submitted)
        #expect(m.handle(.cancelRequested(ns: 1)).name == "send_cancel")
        #expect(m.stateBeforeCancel == .submitted)
        #expect(m.handle(.cancelRequested(ns: 2)) == .none)
        _ = m.handle(Fixtures.fill(1, "0.5"))
        #expect(m.state == .cancelPending && m.stateBeforeCancel == .partiallyFilled)
        let refusal = OrderReason(code: -2011, text: "Unknown order sent.")
        _ = m.handle(.cancelRejected(refusal))
        #expect(m.state == .partiallyFilled && m.record.lastReason == refusal && m.stateBeforeCancel == nil)
    }

    @Test("a fill completing a CANCEL_PENDING order makes it FILLED; the cancel refusal is then ignored")
    func fillWinsCancelRace() {
        var m = Fixtures.machine(in: .cancelPending)
        _ = m.handle(Fixtures.fill(1, "1", cumulative: "1", isLast: true))
        #expect(m.state == .filled)
        #expect(m.handle(.cancelRejected(OrderReason(code: -2011, text: "x"))).name == "ignored")
        #expect(m.handle(.canceled(ns: 9)) == .ignored(.illegalTransition(state: .filled, event: .canceled)))
    }

    @Test("a trade reported after the cancel answer is still counted")
    func lateFillAfterCancel() {
        var m = Fixtures.machine(in: .canceled)
        let action = m.handle(Fixtures.fill(5, "0.2"))
        #expect(action.name == "publish_fill" && m.state == .canceled)
        #expect(m.record.filledQuantity == Fixtures.qty("0.2"))
        #expect(m.record.openExposure == Fixtures.qty("0"))
    }

    @Test("a rejection after the venue named or filled the order is illegal")
    func lateReject() {
        var m = Fixtures.machine(in: .cancelPending)
        #expect(m.handle(.rejected(OrderReason(.gateway))).name == "ignored")
        var n = Fixtures.machine(in: .pendingSubmit)
        _ = n.handle(.cancelRequested(ns: 1))
        #expect(n.handle(.rejected(OrderReason(code: -2010, text: "x"))).name == "publish")
        #expect(n.state == .rejected)
    }
}

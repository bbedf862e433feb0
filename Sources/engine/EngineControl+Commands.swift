import ControlPlane
import EngineKit
import EngineModel
import Foundation
import StrategyRuntime

extension EngineControl {
    /// An operator's command through the control plane's own command lane — the same intake,
    /// risk and kill switch as every producer — answered from the exec journal like `engine order`.
    func perform(_ command: ControlCommand) async -> ControlAnswer {
        await withCheckedContinuation { continuation in
            // The answer is waited for by polling the journal: on a queue of our own, not a Swift task's thread.
            queue.async { continuation.resume(returning: self.performBlocking(command)) }
        }
    }

    private func performBlocking(_ command: ControlCommand) -> ControlAnswer {
        switch command {
        case .place(let form): return place(form)
        case .cancel(let id):
            guard validClientId(id) else { return .error(400, "a client order id is 1-36 of A-Z a-z 0-9 - _") }
            let found = lock.withLock { () -> (Int, Int)? in
                for n in tallies.indices {
                    tallies[n].advance()
                    if let order = tallies[n].board.order(clientOrderId: id),
                        let index = views[n].books.index(of: order.symbol)
                    {
                        return (n, index)
                    }
                }
                return nil
            }
            guard let (stack, index) = found else { return .error(404, "no order '\(id)' in this session") }
            return submit(
                OrderCommand(op: .cancel, instrument: index, clientOrderId: id), stack: stack, followVenue: true)
        case .risk(let action, let reason):
            let op: CommandOp = action == "halt" ? .riskHalt : action == "reduce" ? .riskReduce : .riskResume
            var answer = ControlAnswer.error(503, "no order path")
            // Every venue's switch moves: the strategies follow the most restrictive one.
            for stack in views.indices where stacks[stack].trading != nil {
                answer = submit(
                    OrderCommand(op: op, instrument: 0, clientOrderId: reason), stack: stack, followVenue: false)
                if answer.status != 200 { return answer }
            }
            return answer
        case .reload:
            return reload()
        }
    }

    private func validClientId(_ id: String) -> Bool {
        (1...36).contains(id.utf8.count)
            && id.utf8.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == 0x2D || $0 == 0x5F) }
    }

    /// POST /api/orders: checked like `engine order place`, then through the lane.
    private func place(_ form: OrderForm) -> ControlAnswer {
        guard let (stack, index) = locate(form.symbol) else {
            return .error(404, "unknown symbol '\(form.symbol.prefix(32))'; known: \(symbols.joined(separator: ","))")
        }
        guard let side = Side(name: form.side) else { return .error(400, "side must be buy or sell") }
        let typeName = (form.type ?? (form.price == nil ? "market" : "limit")).replacingOccurrences(of: "-", with: "_")
        guard let type = OrderType(name: typeName) else {
            return .error(400, "type must be limit, market or limit_maker")
        }
        guard let tif = TimeInForce(name: form.timeInForce ?? "GTC") else {
            return .error(400, "time_in_force must be GTC, IOC or FOK")
        }
        if type != .market && form.price == nil { return .error(400, "a \(typeName) order needs a price") }
        if type == .market && form.price != nil { return .error(400, "a market order takes no price") }
        if let id = form.clientOrderId, !validClientId(id) {
            return .error(400, "client_order_id must be 1-36 of A-Z a-z 0-9 - _")
        }
        let entry = views[stack].books.instruments[index]
        let quantity: Int64
        var price: Int64 = 0
        do {
            quantity = try Quantity(parsing: form.quantity, exponent: entry.quantityExponent).mantissa
            if let text = form.price { price = try Price(parsing: text, exponent: entry.priceExponent).mantissa }
        } catch {
            return .error(
                400,
                "\(error) (\(entry.symbol): price exponent \(entry.priceExponent), "
                    + "quantity exponent \(entry.quantityExponent))"
            )
        }
        let command = OrderCommand(
            op: .new, instrument: index, side: side, type: type, timeInForce: tif, price: price, quantity: quantity,
            clientOrderId: form.clientOrderId ?? "")
        return submit(command, stack: stack, followVenue: true)
    }

    /// Submits through this process's lane on `stack` and waits (5 s) for the engine's answer,
    /// then the venue's: 200 accepted, 422 refused (by risk or the venue), 503/504 when the engine
    /// cannot take it or does not answer.
    private func submit(_ command: OrderCommand, stack: Int, followVenue: Bool) -> ControlAnswer {
        commandLock.withLock {
            let view = views[stack]
            guard view.isLive else { return .error(503, "the engine is not live") }
            let session: CommandSession
            if let open = sessions[stack] {
                session = open
            } else {
                do {
                    session = CommandSession(
                        producer: try CommandProducer(instance: view.name),
                        journal: try ExecJournalReader(instance: view.name))
                } catch { return .error(503, "no command lane: \(error)") }
                sessions[stack] = session
            }
            do {
                let answer = try session.submitAndWait(command, timeout: 5, followVenue: followVenue)
                return ControlAnswer(
                    status: answer.refused ? 422 : 200, body: JSONValue(any: answer.object(view: view)))
            } catch {
                return .error(504, (error as? CommandFailure)?.message ?? "\(error)")
            }
        }
    }

    /// POST /api/reload: the same as `engine reload` (SIGHUP), answered once the runner says it
    /// took or refused the new configuration.
    private func reload() -> ControlAnswer {
        guard runsStrategies else { return .error(409, "this engine runs no strategies: there is nothing to reload") }
        let before = strategies()?["reloads"]?.int ?? 0
        kill(getpid(), SIGHUP)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let report = strategies(), let count = report["reloads"]?.int, count > before {
                let last = report["last_reload"]?.string ?? ""
                let refused = last.hasPrefix("refused")
                return ControlAnswer(
                    status: refused ? 422 : 200, body: ["reloads": .int(count), "last_reload": .string(last)])
            }
            usleep(20_000)
        }
        return .error(504, "the strategy runner did not answer the reload within 5 s")
    }
}

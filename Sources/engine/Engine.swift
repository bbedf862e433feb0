import ArgumentParser

/// The `engine` command: runs an instance and inspects it through its shared-memory segments.
@main
struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Tickwire: a low-latency trading engine with books and events in shared memory.",
        subcommands: [
            Start.self, Status.self, Book.self, Tail.self, Order.self, Orders.self, Balances.self, Positions.self,
            PnL.self, Fills.self, Reconcile.self, LedgerCommand.self, Alerts.self, History.self, Risk.self, Snapshot.self,
            Strategies.self, Reload.self, BacktestCommand.self, Top.self,
            Sim.self, Trade.self,
        ]
    )
}

/// Options every command shares.
struct InstanceOptions: ParsableArguments {
    @Option(name: .long, help: "Instance name: segments are /dev/shm/tickwire.<instance>.<kind>.")
    var instance: String = "default"
}

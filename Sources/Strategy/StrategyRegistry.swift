/// The built-in strategy types by config name.
public enum StrategyRegistry {
    /// The type names `engine start --strategy` and the config's `type` accept.
    public static let types = ["market-maker", "imbalance-momentum", "basis-arbitrage"]

    /// A new strategy of `type` named `name`; nil when the type is unknown.
    public static func make(type: String, name: String) -> Strategy? {
        switch type {
        case "market-maker", "market_maker": MarketMaker(name: name)
        case "imbalance-momentum", "imbalance_momentum", "momentum": ImbalanceMomentum(name: name)
        case "basis-arbitrage", "basis_arbitrage", "basis-arb": BasisArbitrage(name: name)
        default: nil
        }
    }
}

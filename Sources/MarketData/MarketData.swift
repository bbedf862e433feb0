/// The feed supervisor: starts the C feed threads, fetches their REST snapshots, reports health.
public enum MarketData {}

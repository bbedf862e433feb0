public enum EngineKitPlaceholder {}

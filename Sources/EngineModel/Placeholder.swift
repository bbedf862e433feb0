// Filled in by EngineModel work.

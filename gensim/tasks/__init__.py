"""The public task API (the CLIPort/Ravens/GenSim convention), the expert, the checker, the library."""

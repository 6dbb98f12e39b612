"""Model adapters. Import submodules directly; nothing heavy is imported here."""

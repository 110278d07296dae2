"""One folder per competition: its spec, features and models (see competitions/titanic)."""

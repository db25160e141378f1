"""`tradecheck mutate`: mutants of the app's server code, each run against the tests that executed it."""

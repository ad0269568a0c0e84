"""Design simulation (docs/simulation.md): the size of each small-sample test for the
client-level and the team-period models of this design, the power of a follow-up, and whether
each significant finding holds under every test that keeps its size. ``design`` reads or builds
the team x period grid, ``sets`` the scenario sets per model family and outcome, ``generate``
draws data sets from a two-level model, ``specs`` builds the models' design matrices,
``replicate`` runs seeded chunks of replications, ``summary`` gathers them into rejection
rates, power, MDES (with Bloom's analytic MDES beside it) and the ICC sensitivity,
``interpretation`` reads them in plain language, ``figures`` and ``report`` show them."""

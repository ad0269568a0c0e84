"""Design simulation (issue 17): the size of each small-sample test for this design and the
power of a follow-up. ``design`` reads or builds the team x period grid, ``generate`` draws
data sets from a two-level model, ``specs`` builds the models' design matrices,
``replicate`` runs seeded chunks of replications, ``summary`` gathers them into rejection
rates, power and MDES (with Bloom's analytic MDES beside them), ``figures`` draws them."""

"""Storage for the domain: tables, the database handle and the transaction boundary."""

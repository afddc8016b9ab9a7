"""auth's storage: the tables of credentials and signing keys (`tables.py`)."""

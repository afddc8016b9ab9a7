"""auth's storage: the tables of credentials and signing keys (`tables.py`) and the modules that
hold their SQL (`client_store`, `admin_token_store`, `scim_token_store`, `key_store`)."""

"""LDAP login (the manual's "LDAP Configuration", Admin only): the settings FAB's AUTH_LDAP reads, their test
against the directory, and the file the api-server's `webserver_config.py` loads them from (docs/ldap.md)."""

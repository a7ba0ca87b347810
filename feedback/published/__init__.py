"""The public page "Dette sa dere – dette gjør vi" (/dette-gjor-vi/<organisation>): what the
quality group published about each round and the action points it chose to show. No login, no
session and no cookie."""

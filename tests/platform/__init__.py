"""Tests of what runs beneath the areas: configuration, command line, database, logs, attempt
limits, faults, maintenance and storage rewrite, mail, and the benchmark scripts."""

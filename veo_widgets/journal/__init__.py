"""The record of every job this machine submitted: a SQLite store, its queries, and its schema
with migrations (a 0.1 journal still opens)."""

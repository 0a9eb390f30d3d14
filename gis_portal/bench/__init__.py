"""`make bench`: every hot path at city scale, next to the same work in raw SQL.

Modules: `config` (parameters, the generator hash, environments, the busy-machine
limits), `data` (the benchmark database: built once, reused while the generator is
unchanged), `server` (gunicorn the way production runs it), `client` (timed keep-alive
HTTP), `load` (the concurrent load generator, run as a second process), `plans` (hot
query plans must use their GiST indexes), `context` (what every row measures with),
`rows` (one function per table row, by subject), `sql` (the raw-SQL side of each row),
`busy` (how busy the machine was while a row ran), `report` (machine, table, JSON)
and `run` (the whole sequence). Only the `bench` management command imports it.
"""

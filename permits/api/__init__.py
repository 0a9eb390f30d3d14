"""The public JSON API: one module per group of operations, each view thin (parse →
call a selector or service → serialize).

`catalogue` (the services at a point), `filing` (file a request), `tracking` (a
request's public view, support), `zoning` (the pre-check a permit form shows). Every
rejection is a 4xx with `detail` (and `errors` per field); public responses never carry
the contact details.
"""

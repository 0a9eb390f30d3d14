"""The planners' workspace under /staff/: the queue and request pages (views), the staff
JSON API (api, documented in api_schema), the queue's filters and reads (selectors),
the KPI dashboard and the exports. Who sees what is `permits.access`; the moves a
request can make are `permits.workflow`."""

"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) in JSON and XML.

Endpoints (under /open311/v2/, each with `.json` or `.xml`): discovery, services,
services/{service_code}, requests (GET list, POST a new one), requests/{id},
tokens/{token}. JSON bodies are the spec's bare arrays; XML follows the spec's XML
mapping; every error is a list of {code, description} (code = the HTTP status).

`service_request_id` is the request's tracking code (MHD-XXXX-XXXX): the id a citizen
is given on the phone or in an app is the one they can follow on the portal. POST
always answers with the id at once, so tokens are never needed; `tokens/{token}`
accepts a tracking code as a token for clients that poll anyway.

The parts: `views` (thin: parse → call → render), `params` (query filters and POST
bodies → typed values), `selectors` (the requests a GET asks for), `mapping`
(ServiceRequest and ServiceType ↔ the spec's fields), `render` (JSON, XML and the
error format), `services` (filing: `permits.filing.request_file` plus the
Open311Submission row), `keys` (API keys and their rate limit).
"""

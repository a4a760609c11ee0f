"""The REST API at /api/v1/: what an organisation's case system, or a signed-in person, may read and do.

Every queryset comes from the access layer for the requesting user (for a key, the key's own service user, a member
of its organisation), and every write calls the same service as the browser. One module per job: keys (issuing and
revoking), authentication, permissions, pagination, conditional requests (ETag and If-Match), idempotency,
problems (errors as application/problem+json), throttling, and the serializers and views.
"""

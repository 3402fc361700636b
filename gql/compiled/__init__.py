"""The compiled path: a document's shape -> ONE SQL statement building the answer as JSON -> plan cache.

``outline`` and ``shape`` key a document; ``selection`` collects its fields as GraphQL does;
``compile`` builds the statement from ``roots`` (root fields), ``connections`` (every paged
list), ``events`` (an event and what hangs off it), ``json_sql`` (objects and arrays),
``params`` (bound values) and ``ctes`` (row sets and levels), all over ``db.sql``; ``plans``
keeps the compiled plans and answers from them.
"""

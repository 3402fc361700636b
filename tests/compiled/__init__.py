"""Tests of the compiled path (``gql.compiled``)."""

#: How a compiled statement's answer begins: the whole response body, ``{"data": ...}``, as a blob.
COMPILED_SELECT = "SELECT CAST('{\"data\":' || json_object("

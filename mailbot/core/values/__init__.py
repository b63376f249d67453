"""The plain values the core takes and returns.

Everything here is immutable and JSON-serialisable (pydantic), so the store
can keep it and a test can build it by hand. Datetimes are timezone-aware UTC.
"""




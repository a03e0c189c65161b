"""Back-office lists that do not count a whole large table on every visit.

A changelist counts the rows it lists (`SELECT COUNT(*)`) for its "N bookings" line and its page
links. PostgreSQL keeps no stored row count, so over a whole table of 100,000 bookings or a
million notifications that count reads the table and is the slowest part of the page, although
for a list nobody has filtered a figure that is about right does as well. The planner already
keeps one: `pg_class.reltuples`, which autovacuum's ANALYZE refreshes after about a tenth of the
table has changed.

`EstimatedCountPaginator` takes that estimate for an unfiltered list on PostgreSQL when it is
large; a small table, a filtered or searched list, and SQLite get the exact count. Admins of large
tables set it as `paginator`, together with `show_full_result_count = False` (which drops the
second count of the whole table behind a filtered list's "N total" link).

The page links follow the estimate: if it falls short of the rows there are, the last few pages
of an unfiltered list have no link, and a filter (counted exactly) reaches them.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    # Up to this many rows an exact count is quick, and a small table's estimate may be far off.
    estimate_above = 10_000

    @cached_property
    def count(self):
        estimate = self.estimate()
        if estimate is not None and estimate > self.estimate_above:
            return estimate
        return super().count

    def estimate(self) -> int | None:
        """The planner's row count of the whole table, when the list is the whole table on PostgreSQL."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None
        connection = connections[queryset.db]
        query = queryset.query
        if connection.vendor != "postgresql" or query.where or query.distinct or query.combinator or query.is_sliced:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # -1: never analysed yet, so nothing is known.
        return int(row[0]) if row is not None and row[0] >= 0 else None

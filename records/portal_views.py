"""The records app's pages in the technician portal (the `portal` namespace composed by the root URLconf)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from records import selectors
from technicians.decorators import technician_profile_required
from technicians.selectors import may_work

PAGE_SIZE = 20


@never_cache
@require_GET
@technician_profile_required
def records_written(request, technician):
    """ "Records I wrote": a list that is not itself a read of any record (no findings shown); opening
    one goes through `records:detail`, which audits it."""
    records = selectors.records_written_by(request.user)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "technician": technician, "may_work": may_work(technician)}
    return render(request, "records/portal/written.html", context)

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .. import selectors

DEADLINES_PER_PAGE = 50


@login_required
def deadlines(request):
    """The home page: what is overdue or due soon across the cases the user may see."""
    deadline_filter = selectors.deadlines(user=request.user, params=request.GET)
    page = Paginator(deadline_filter.qs, DEADLINES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard.html",
        {
            "filter": deadline_filter,
            "page": page,
            "rows": selectors.deadline_rows(page.object_list, selectors.closures_by_partnership()),
            "query": query.urlencode(),
        },
    )

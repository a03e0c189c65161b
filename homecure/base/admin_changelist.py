"""A back-office change list that answers an impossible filter value as Django answers a wrong
filter name: with the list again, unfiltered, and "?e=1" (never a 500)."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class CheckedChangeList(ChangeList):
    """Django checks the date drill-down's year, month and day for `ValueError` (a year past 9999)
    but not for `OverflowError`: a number past 64 bits (`?created_at__year=99999999999999999999`)
    made the page a 500. Both mean the same to the person who typed the address."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class CheckedChangeListMixin:
    """Gives a model admin the `CheckedChangeList` (the back-office site puts it on every admin)."""

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, CheckedChangeList):
            return changelist
        return type(changelist.__name__, (CheckedChangeList, changelist), {"__module__": changelist.__module__})

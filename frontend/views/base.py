"""What several of the pages' views share: the proposal a URL names, and the page a form goes back to."""

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from cocreate.exceptions import NotFound
from proposals import selectors


def proposal_or_404(request, pk: int):
    try:
        return selectors.proposal_get(proposal_id=pk, user=request.user)
    except NotFound:
        raise Http404("No such proposal.") from None


def safe_next(request, fallback: str) -> str:
    """The page the form was on, if it is on this site; else the fallback."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback

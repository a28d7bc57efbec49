from django.http import HttpResponse


def proposal_detail(request, pk):
    return HttpResponse("")

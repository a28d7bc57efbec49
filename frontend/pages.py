def consultation_context(request, page) -> dict:
    return {}
